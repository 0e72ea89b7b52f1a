// A small HTTP(S) client for the apiserver: GET for lists and a streaming GET for watches.
//
// TLS is verified by default against the configured CA (or the system store when none is
// given); client certificates, bearer tokens (re-read when rotated) and basic auth come from
// the RestConfig. Keep-alive is on; gzip is asked for unless the server is on loopback or the
// config turns it off (RestConfig::compression).
//
// Threading: one RestClient holds one connection and serves one request at a time; give each
// reflector its own (they are cheap) so a long watch never blocks a list.
//
//   auto client = RestClient::Create(config);
//   if (!client) return client.error();
//   auto page = (*client)->Get("/api/v1/pods?limit=500");
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/kube/api_transport.h"
#include "common/kube/rest_config.h"
#include "common/kube/token_source.h"

namespace httplib {
class ClientImpl;
}

namespace kr::kube {

class RestClient : public ApiTransport {
 public:
  // Parses certificates and keys now, so a bad kubeconfig fails at start-up.
  static Expected<std::unique_ptr<RestClient>> Create(const RestConfig& config);
  ~RestClient() override;

  Expected<HttpResponse> Get(const std::string& path_and_query,
                             std::chrono::seconds timeout) override;
  Expected<StreamResult> Stream(const std::string& path_and_query,
                                const std::function<bool(std::string_view)>& on_data,
                                std::chrono::seconds timeout) override;
  void Recycle(std::string&& body) override;
  void Cancel() override;

  const std::string& server() const { return server_; }

 private:
  RestClient(std::unique_ptr<httplib::ClientImpl> http, std::string base_path, std::string server,
             std::shared_ptr<TokenSource> tokens, bool gzip);
  Expected<std::multimap<std::string, std::string>> Headers();

  std::unique_ptr<httplib::ClientImpl> http_;
  std::string base_path_;  // a path prefix in the server URL (API proxies), without a slash
  std::string server_;
  std::shared_ptr<TokenSource> tokens_;
  const bool gzip_;  // send Accept-Encoding: gzip
  // Bodies handed back by Recycle, for Get to fill again. Get runs on a prefetch thread while
  // the reflector returns the previous body, hence the mutex.
  std::mutex spare_mutex_;
  std::vector<std::string> spare_bodies_;
};

}  // namespace kr::kube
