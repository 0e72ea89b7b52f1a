// The one HTTP server of a daemon: Prometheus metrics and a health endpoint.
//
//   kr::metrics::Registry metrics;
//   kr::http::HealthRegistry health;
//   kr::http::StatusServer server(metrics, health,
//                                 {.address = "0.0.0.0", .port = 20244, .metrics_path =
//                                 "/metrics"});
//   if (kr::Status started = server.Start(); !started) {
//     // started.error().message: "status server: cannot listen on 0.0.0.0:20244: Address ..."
//   }
//   ...
//   server.Stop();  // also done by the destructor
//
// GET (or HEAD) metrics_path: the registry's text exposition, Content-Type
//   text/plain; version=0.0.4; charset=utf-8
// GET (or HEAD) healthz_path: 200 "ok" while every health check beat in time; otherwise 503 with
//   the stale checks, one per line.
// Paths match exactly; anything else is 404, another method on a known path 405.
//
// Threading: Start and Stop belong to the owning thread. The server accepts on a thread of its
// own and answers on a small pool. Start returns once the socket is bound and listening; a
// failure to bind comes back as an Error naming the address. Stop closes the listening socket
// and joins; it is idempotent and prompt: each connection carries one request, a client that
// connects and stays silent holds Stop up for at most 1 s, one stalled mid-request for at most
// 2 s (the read timeout). The registries must outlive the server.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/base/expected.h"
#include "common/http/health_registry.h"
#include "common/metrics/registry.h"

namespace httplib {
class Server;
}

namespace kr::http {

struct StatusServerOptions {
  std::string address = "0.0.0.0";  // IPv4 or IPv6 literal ("::1" or "[::1]"), or a host name
  int port = 0;                     // 0: an ephemeral port, see StatusServer::port()
  std::string metrics_path = "/metrics";
  std::string healthz_path = "/healthz";
};

class StatusServer {
 public:
  StatusServer(const metrics::Registry& metrics, const HealthRegistry& health,
               StatusServerOptions options);
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;
  ~StatusServer();

  // Errors: EINVAL for bad options, EALREADY when running, the bind errno otherwise.
  Status Start();
  void Stop();

  // The bound port while running (the chosen one when options.port was 0), else 0.
  int port() const { return port_; }

 private:
  std::string Host() const;  // the address without the brackets of "[::1]"
  std::string Endpoint(int port) const;

  const metrics::Registry& metrics_;
  const HealthRegistry& health_;
  const StatusServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace kr::http
