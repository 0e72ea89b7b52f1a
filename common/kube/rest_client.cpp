#include "common/kube/rest_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/kube/server_url.h"

namespace kr::kube {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

// Every certificate in a PEM bundle, in a new store (ownership passes to the TLS context).
Expected<X509_STORE*> StoreFromPem(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509_STORE* store = X509_STORE_new();
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++count;
  }
  if (count == 0) {
    X509_STORE_free(store);
    return Error{EINVAL, "certificate authority data holds no PEM certificate"};
  }
  return store;
}

Expected<std::unique_ptr<httplib::ClientImpl>> MakeTlsClient(const ServerUrl& url,
                                                             const RestConfig& config) {
  std::unique_ptr<httplib::SSLClient> client;
  if (!config.client_cert_pem.empty()) {
    BioPtr cert_bio = MemoryBio(config.client_cert_pem);
    BioPtr key_bio = MemoryBio(config.client_key_pem);
    X509* cert = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
    if (cert && key) client = std::make_unique<httplib::SSLClient>(url.host, url.port, cert, key);
    X509_free(cert);  // the TLS context holds its own references
    EVP_PKEY_free(key);
    if (!client) return Error{EINVAL, "client certificate or key is not valid PEM"};
  } else {
    client = std::make_unique<httplib::SSLClient>(url.host, url.port);
  }
  if (!client->is_valid()) return Error{EINVAL, "cannot set up TLS for " + url.host};
  if (!config.ca_pem.empty()) {
    auto store = StoreFromPem(config.ca_pem);
    if (!store) return store.error();
    client->set_ca_cert_store(*store);
  }
  client->enable_server_certificate_verification(!config.insecure_skip_tls_verify);
  return std::unique_ptr<httplib::ClientImpl>(std::move(client));
}

std::string DescribeError(httplib::Error error) {
  return httplib::to_string(error);
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

// Bodies of failed watch requests are Status objects; anything longer is cut.
constexpr size_t kMaxErrorBody = 64 * 1024;

}  // namespace

Expected<std::unique_ptr<RestClient>> RestClient::Create(const RestConfig& config) {
  auto url = ParseServerUrl(config.server);
  if (!url) return Error{EINVAL, "invalid apiserver address \"" + config.server + "\""};
  if (!config.tls_server_name.empty() && config.tls_server_name != url->host) {
    return Error{ENOTSUP, "tls-server-name different from the server host is not supported"};
  }

  std::unique_ptr<httplib::ClientImpl> http;
  if (url->tls) {
    auto tls = MakeTlsClient(*url, config);
    if (!tls) return tls.error();
    http = std::move(*tls);
  } else {
    http = std::make_unique<httplib::ClientImpl>(url->host, url->port);
  }
  http->set_keep_alive(true);
  http->set_decompress(true);
  http->set_connection_timeout(std::chrono::seconds(10));
  if (!config.username.empty()) http->set_basic_auth(config.username, config.password);

  auto tokens = std::make_shared<TokenSource>(config.bearer_token, config.token_file);
  const bool gzip = config.compression && !IsLoopbackHost(url->host);
  return std::unique_ptr<RestClient>(
      new RestClient(std::move(http), url->base_path, config.server, std::move(tokens), gzip));
}

RestClient::RestClient(std::unique_ptr<httplib::ClientImpl> http, std::string base_path,
                       std::string server, std::shared_ptr<TokenSource> tokens, bool gzip)
    : http_(std::move(http)),
      base_path_(std::move(base_path)),
      server_(std::move(server)),
      tokens_(std::move(tokens)),
      gzip_(gzip) {}

RestClient::~RestClient() = default;

void RestClient::Cancel() {
  http_->stop();
}

Expected<std::multimap<std::string, std::string>> RestClient::Headers() {
  std::multimap<std::string, std::string> headers{{"Accept", "application/json"},
                                                  {"User-Agent", "kr-node/" KR_VERSION}};
  if (gzip_) headers.emplace("Accept-Encoding", "gzip");
  auto token = tokens_->Token();
  if (!token) return token.error();
  if (!token->empty()) headers.emplace("Authorization", "Bearer " + *token);
  return headers;
}

Expected<HttpResponse> RestClient::Get(const std::string& path_and_query,
                                       std::chrono::seconds timeout) {
  auto headers = Headers();
  if (!headers) return headers.error();
  http_->set_read_timeout(timeout);
  httplib::Headers request_headers(headers->begin(), headers->end());
  auto result = http_->Get((base_path_ + path_and_query).c_str(), request_headers);
  if (!result) {
    return Error{ECONNREFUSED,
                 "GET " + server_ + path_and_query + ": " + DescribeError(result.error())};
  }
  return HttpResponse{result->status, std::move(result->body)};
}

Expected<StreamResult> RestClient::Stream(const std::string& path_and_query,
                                          const std::function<bool(std::string_view)>& on_data,
                                          std::chrono::seconds timeout) {
  auto headers = Headers();
  if (!headers) return headers.error();
  http_->set_read_timeout(timeout);
  httplib::Headers request_headers(headers->begin(), headers->end());
  StreamResult outcome;
  auto result = http_->Get((base_path_ + path_and_query).c_str(), request_headers,
                           [&outcome](const httplib::Response& response) {
                             outcome.status = response.status;
                             return true;
                           },
                           [&on_data, &outcome](const char* data, size_t length) {
                             if (outcome.status == 200)
                               return on_data(std::string_view(data, length));
                             const size_t room =
                                 kMaxErrorBody - std::min(kMaxErrorBody, outcome.error_body.size());
                             outcome.error_body.append(data, std::min(room, length));
                             return true;
                           });
  if (!result && result.error() != httplib::Error::Canceled) {
    return Error{ECONNRESET,
                 "watch " + server_ + path_and_query + ": " + DescribeError(result.error())};
  }
  return outcome;
}

}  // namespace kr::kube
