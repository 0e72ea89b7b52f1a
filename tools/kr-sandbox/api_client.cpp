#include "tools/kr-sandbox/api_client.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/kube/server_url.h"
#include "common/kube/token_source.h"

namespace kr::sandbox {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

Expected<std::unique_ptr<httplib::ClientImpl>> MakeTlsClient(const kube::ServerUrl& url,
                                                             const kube::RestConfig& config) {
  std::unique_ptr<httplib::SSLClient> client;
  if (!config.client_cert_pem.empty()) {
    BioPtr cert_bio = MemoryBio(config.client_cert_pem);
    BioPtr key_bio = MemoryBio(config.client_key_pem);
    X509* cert = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
    if (cert && key) client = std::make_unique<httplib::SSLClient>(url.host, url.port, cert, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!client) return Error{EINVAL, "client certificate or key is not valid PEM"};
  } else {
    client = std::make_unique<httplib::SSLClient>(url.host, url.port);
  }
  if (!client->is_valid()) return Error{EINVAL, "cannot set up TLS for " + url.host};
  if (!config.ca_pem.empty()) {
    BioPtr bio = MemoryBio(config.ca_pem);
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
    client->set_ca_cert_store(store);
  }
  client->enable_server_certificate_verification(!config.insecure_skip_tls_verify);
  return std::unique_ptr<httplib::ClientImpl>(std::move(client));
}

int ErrnoForStatus(int status) {
  if (status == 404) return ENOENT;
  if (status == 409) return EEXIST;
  return EIO;
}

}  // namespace

Expected<std::unique_ptr<ApiClient>> ApiClient::Create(const kube::RestConfig& config) {
  auto url = kube::ParseServerUrl(config.server);
  if (!url) return Error{EINVAL, "invalid apiserver address \"" + config.server + "\""};
  std::unique_ptr<httplib::ClientImpl> http;
  if (url->tls) {
    auto tls = MakeTlsClient(*url, config);
    if (!tls) return tls.error();
    http = std::move(*tls);
  } else {
    http = std::make_unique<httplib::ClientImpl>(url->host, url->port);
  }
  http->set_keep_alive(true);
  http->set_connection_timeout(std::chrono::seconds(10));
  http->set_read_timeout(std::chrono::seconds(30));
  if (!config.username.empty()) http->set_basic_auth(config.username, config.password);
  auto tokens = std::make_shared<kube::TokenSource>(config.bearer_token, config.token_file);
  return std::unique_ptr<ApiClient>(
      new ApiClient(std::move(http), url->base_path, std::move(tokens)));
}

ApiClient::ApiClient(std::unique_ptr<httplib::ClientImpl> http, std::string base_path,
                     std::shared_ptr<kube::TokenSource> tokens)
    : http_(std::move(http)), base_path_(std::move(base_path)), tokens_(std::move(tokens)) {}

ApiClient::~ApiClient() = default;

Expected<nlohmann::json> ApiClient::Send(const std::string& method, const std::string& path,
                                         const std::string& body, const std::string& content_type) {
  auto token = tokens_->Token();
  if (!token) return token.error();
  httplib::Headers headers{{"Accept", "application/json"},
                           {"User-Agent", "kr-sandbox/" KR_VERSION}};
  if (!token->empty()) headers.emplace("Authorization", "Bearer " + *token);

  std::lock_guard lock(mutex_);
  const std::string full = base_path_ + path;
  httplib::Result result = [&] {
    if (method == "GET") return http_->Get(full.c_str(), headers);
    if (method == "POST") return http_->Post(full.c_str(), headers, body, content_type.c_str());
    if (method == "PUT") return http_->Put(full.c_str(), headers, body, content_type.c_str());
    if (method == "PATCH") return http_->Patch(full.c_str(), headers, body, content_type.c_str());
    return http_->Delete(full.c_str(), headers);
  }();
  const std::string what = method + " " + path;
  if (!result) return Error{ECONNREFUSED, what + ": " + httplib::to_string(result.error())};
  if (result->status < 200 || result->status > 299) {
    std::string reason = result->body;
    auto status = nlohmann::json::parse(result->body, nullptr, false);
    if (!status.is_discarded() && status.is_object() && status.contains("message"))
      reason = status["message"].get<std::string>();
    return Error{ErrnoForStatus(result->status),
                 what + ": HTTP " + std::to_string(result->status) + " " + reason};
  }
  auto parsed = nlohmann::json::parse(result->body, nullptr, false);
  if (parsed.is_discarded()) return Error{EBADMSG, what + ": answer is not JSON"};
  return parsed;
}

Expected<nlohmann::json> ApiClient::Get(const std::string& path) {
  return Send("GET", path, "", "");
}

Expected<nlohmann::json> ApiClient::Post(const std::string& collection_path,
                                         const nlohmann::json& object) {
  return Send("POST", collection_path, object.dump(), "application/json");
}

Expected<nlohmann::json> ApiClient::Put(const std::string& path, const nlohmann::json& object) {
  return Send("PUT", path, object.dump(), "application/json");
}

Expected<nlohmann::json> ApiClient::MergePatch(const std::string& path,
                                               const nlohmann::json& patch) {
  return Send("PATCH", path, patch.dump(), "application/merge-patch+json");
}

Status ApiClient::Delete(const std::string& path) {
  auto result = Send("DELETE", path, "", "");
  if (!result) return result.error();
  return Status::Ok();
}

std::string CollectionPath(const std::string& kind, const std::string& ns) {
  std::string prefix = "/api/v1";
  std::string plural;
  if (kind == "Node") return "/api/v1/nodes";
  if (kind == "Pod") plural = "pods";
  if (kind == "Service") plural = "services";
  if (kind == "Deployment") prefix = "/apis/apps/v1", plural = "deployments";
  if (kind == "EndpointSlice") prefix = "/apis/discovery.k8s.io/v1", plural = "endpointslices";
  return prefix + "/namespaces/" + ns + "/" + plural;
}

std::string ObjectPath(const std::string& kind, const std::string& ns, const std::string& name) {
  return CollectionPath(kind, ns) + "/" + name;
}

}  // namespace kr::sandbox
