// The healthCheckNodePort responder of LoadBalancer services with externalTrafficPolicy Local
// (kube-proxy's service health server): an HTTP server per port that tells a cloud load
// balancer whether this node has ready endpoints of the service, so traffic only goes to nodes
// that can serve it without a second hop.
//
//   HealthCheckResponder responder({});  // all addresses, IPv4 and IPv6
//   responder.Sync({{"default/lb", {.port = 31742, .local_endpoints = 1}}},
//   /*proxy_healthy=*/true); responder.Stop();  // also done by the destructor
//
// Any path, GET or HEAD, answers kube-proxy's reply (HealthCheckReply): 200 when the service
// has local ready endpoints and the proxy is healthy, else 503; headers Content-Type
// application/json, X-Content-Type-Options nosniff, X-Load-Balancing-Endpoint-Weight <count>.
// Sync starts servers for new ports, stops those no longer wanted and updates the counts; a
// port that cannot be bound (taken by someone else) is returned in the report and retried by
// the next Sync. Counts change without restarting a server.
//
// Threading: Sync and Stop belong to one thread (the controller's); each server accepts on a
// thread of its own and answers on one worker, reading the counts under a mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::proxyd {

struct HealthCheckTarget {
  int port = 0;
  int local_endpoints = 0;

  bool operator==(const HealthCheckTarget&) const = default;
};

struct HealthCheckReplyText {
  int status = 200;
  std::string body;
  std::map<std::string, std::string> headers;
};

// kube-proxy's answer for service `key` ("namespace/name"), byte for byte: a tab-indented JSON
// object {"service": {"namespace", "name"}, "localEndpoints", "serviceProxyHealthy"}.
HealthCheckReplyText HealthCheckReply(const std::string& key, int local_endpoints,
                                      bool proxy_healthy);

// Every address of both families: an IPv6 socket that also takes IPv4 (IPV6_V6ONLY off). Where
// IPv6 is disabled the responder falls back to 0.0.0.0.
inline constexpr char kDualStackAddress[] = "::";

struct HealthCheckResponderOptions {
  std::string address = kDualStackAddress;  // where every health check port listens
};

struct HealthCheckSyncReport {
  std::vector<int> started;
  std::vector<int> stopped;
  std::vector<Error> failed;  // ports that could not be served, one error each
};

class HealthCheckResponder {
 public:
  explicit HealthCheckResponder(HealthCheckResponderOptions options);
  ~HealthCheckResponder();
  HealthCheckResponder(const HealthCheckResponder&) = delete;
  HealthCheckResponder& operator=(const HealthCheckResponder&) = delete;

  // `wanted`: service key -> its port and count. Two services on one port: the first key wins
  // (the apiserver allocates distinct ports; the other gets an EADDRINUSE error).
  HealthCheckSyncReport Sync(const std::map<std::string, HealthCheckTarget>& wanted,
                             bool proxy_healthy);
  void Stop();

  std::vector<int> ports() const;  // ports served now, sorted

 private:
  struct Served {
    std::string key;
    int local_endpoints = 0;
  };
  class PortServer;

  const HealthCheckResponderOptions options_;
  std::map<int, std::unique_ptr<PortServer>> servers_;  // owning thread only

  mutable std::mutex mu_;
  std::map<int, Served> served_;  // guarded by mu_: read by the server threads
  bool proxy_healthy_ = false;    // guarded by mu_
};

}  // namespace kr::proxyd
