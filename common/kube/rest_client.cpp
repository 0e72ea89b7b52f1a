#include "common/kube/rest_client.h"

#include <arpa/inet.h>
#include <httplib.h>

#include "common/kube/http_client.h"
#include "common/kube/server_url.h"

namespace kr::kube {
namespace {

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
// A Content-Length beyond this is not trusted as a size to reserve up front.
constexpr uint64_t kMaxReserve = 256 * 1024 * 1024;

}  // namespace

Expected<std::unique_ptr<RestClient>> RestClient::Create(const RestConfig& config) {
  auto url = ParseServerUrl(config.server);
  if (!url) return Error{EINVAL, "invalid apiserver address \"" + config.server + "\""};
  if (!config.tls_server_name.empty() && config.tls_server_name != url->host) {
    return Error{ENOTSUP, "tls-server-name different from the server host is not supported"};
  }

  auto made = MakeHttpClient(*url, config);
  if (!made) return made.error();
  std::unique_ptr<httplib::ClientImpl> http = std::move(*made);
  http->set_decompress(true);

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
  HttpResponse response;
  {
    std::lock_guard lock(spare_mutex_);
    if (!spare_bodies_.empty()) {
      response.body = std::move(spare_bodies_.back());
      spare_bodies_.pop_back();
    }
  }
  response.body.clear();
  // Received through a content receiver, sized once from Content-Length (a hint: it is the
  // compressed size with gzip), rather than into httplib's body, which grows by doubling.
  auto result = http_->Get((base_path_ + path_and_query).c_str(), request_headers,
                           [&response](const httplib::Response& head) {
                             response.status = head.status;
                             const uint64_t length =
                                 head.get_header_value<uint64_t>("Content-Length");
                             if (length > 0 && length < kMaxReserve) response.body.reserve(length);
                             return true;
                           },
                           [&response](const char* data, size_t length) {
                             response.body.append(data, length);
                             return true;
                           });
  if (!result) {
    Recycle(std::move(response.body));
    return Error{ECONNREFUSED,
                 "GET " + server_ + path_and_query + ": " + DescribeError(result.error())};
  }
  response.status = result->status;
  return response;
}

void RestClient::Recycle(std::string&& body) {
  // Two cover a page being parsed and the next one being fetched.
  constexpr size_t kMaxSpares = 2;
  std::lock_guard lock(spare_mutex_);
  if (spare_bodies_.size() < kMaxSpares && body.capacity() > 0) {
    spare_bodies_.push_back(std::move(body));
  }
}

Expected<StreamResult> RestClient::Stream(const std::string& path_and_query,
                                          const std::function<bool(std::string_view)>& on_data,
                                          std::chrono::seconds timeout) {
  auto headers = Headers();
  if (!headers) return headers.error();
  http_->set_read_timeout(timeout);
  httplib::Headers request_headers(headers->begin(), headers->end());
  {
    // A watch follows a list: the list's spare bodies (up to megabytes for EndpointSlices)
    // would otherwise stay for as long as the watch runs.
    std::lock_guard lock(spare_mutex_);
    spare_bodies_.clear();
  }
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
