#include "common/http/status_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>

#include "common/metrics/text_format.h"

namespace kr::http {
namespace {

// Prometheus and kubelet probes are the only clients; two workers keep a scrape and a probe
// from queueing behind each other without idle threads.
constexpr size_t kWorkerThreads = 2;
// httplib (0.11) workers notice Stop only between requests, and a worker waiting for a
// connection's next request waits out the keep-alive timeout. Answering one request per
// connection (scrapes and probes come seconds apart anyway) and a short wait for the first
// request keep Stop prompt: a silent client holds it up for at most kKeepAliveSeconds, one
// stalled mid-request for at most kReadWriteTimeoutSeconds.
constexpr size_t kRequestsPerConnection = 1;
constexpr time_t kKeepAliveSeconds = 1;
constexpr time_t kReadWriteTimeoutSeconds = 2;

std::string Seconds(std::chrono::steady_clock::duration duration) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3fs", std::chrono::duration<double>(duration).count());
  return text;
}

std::string StaleBody(const HealthReport& report) {
  std::string body;
  for (const StaleCheck& check : report.stale) {
    body += check.name + ": no beat for " + Seconds(check.silent_for) + " (max silence " +
            Seconds(check.max_silence) + ")\n";
  }
  return body;
}

// httplib's own option sets SO_REUSEPORT, which would let a second daemon bind the same port
// and silently share it. SO_REUSEADDR alone still allows a quick restart.
void ReuseAddressOnly(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

Status ValidatePath(const std::string& what, const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return Error{EINVAL, "status server: " + what + " path must start with '/': " + path};
  }
  return Status::Ok();
}

}  // namespace

StatusServer::StatusServer(const metrics::Registry& metrics, const HealthRegistry& health,
                           StatusServerOptions options)
    : metrics_(metrics), health_(health), options_(std::move(options)) {}

StatusServer::~StatusServer() {
  Stop();
}

std::string StatusServer::Host() const {
  const std::string& address = options_.address;
  const bool bracketed = address.size() >= 2 && address.front() == '[' && address.back() == ']';
  return bracketed ? address.substr(1, address.size() - 2) : address;
}

std::string StatusServer::Endpoint(int port) const {
  const std::string host = Host();
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Status StatusServer::Start() {
  if (thread_.joinable()) {
    return Error{EALREADY, "status server: already listening on " + Endpoint(port_)};
  }
  if (options_.port < 0 || options_.port > 65535) {
    return Error{EINVAL, "status server: port out of range: " + std::to_string(options_.port)};
  }
  if (Status s = ValidatePath("metrics", options_.metrics_path); !s) return s;
  if (Status s = ValidatePath("healthz", options_.healthz_path); !s) return s;
  if (options_.metrics_path == options_.healthz_path) {
    return Error{EINVAL,
                 "status server: metrics and healthz share the path " + options_.metrics_path};
  }

  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server->set_socket_options(ReuseAddressOnly);
  server->set_keep_alive_max_count(kRequestsPerConnection);
  server->set_keep_alive_timeout(kKeepAliveSeconds);
  server->set_read_timeout(kReadWriteTimeoutSeconds);
  server->set_write_timeout(kReadWriteTimeoutSeconds);
  // Exact paths, not httplib's regex routes: a configured path is not a pattern.
  server->set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        const bool metrics = request.path == options_.metrics_path;
        const bool healthz = request.path == options_.healthz_path;
        if (!metrics && !healthz) return httplib::Server::HandlerResponse::Unhandled;
        if (request.method != "GET" && request.method != "HEAD") {
          response.status = 405;
          response.set_header("Allow", "GET, HEAD");
        } else if (metrics) {
          response.set_content(metrics_.Expose(), std::string(metrics::kTextContentType));
        } else if (HealthReport report = health_.Check(); report.healthy()) {
          response.set_content("ok", "text/plain; charset=utf-8");
        } else {
          response.status = 503;
          response.set_content(StaleBody(report), "text/plain; charset=utf-8");
        }
        return httplib::Server::HandlerResponse::Handled;
      });

  // httplib reports only success or failure; the errno of the failed bind() or listen() is
  // normally still set, and EADDRNOTAVAIL stands in when it is not (e.g. an unresolvable name).
  errno = 0;
  int port = options_.port;
  if (port == 0) {
    port = server->bind_to_any_port(Host());
  } else if (!server->bind_to_port(Host(), port)) {
    port = -1;
  }
  if (port < 0) {
    const int err = errno != 0 ? errno : EADDRNOTAVAIL;
    return Error::FromErrno(err, "status server: cannot listen on " + Endpoint(options_.port));
  }

  auto finished = std::make_shared<std::atomic<bool>>(false);
  httplib::Server* raw = server.get();
  thread_ = std::thread([raw, finished] {
    raw->listen_after_bind();
    finished->store(true);
  });
  // httplib's stop() does nothing until its loop has started, so a Stop right after Start
  // could otherwise be lost. The socket already listens; this wait is for the loop only.
  while (!raw->is_running() && !finished->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_ = std::move(server);
  port_ = port;
  if (finished->load() && !server_->is_running()) {
    thread_.join();
    server_.reset();
    port_ = 0;
    return Error{EIO, "status server: accept loop on " + Endpoint(port) + " ended at once"};
  }
  return Status::Ok();
}

void StatusServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
  server_.reset();
  port_ = 0;
}

}  // namespace kr::http
