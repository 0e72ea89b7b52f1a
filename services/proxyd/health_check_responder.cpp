#include "services/proxyd/health_check_responder.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/log/log.h"

namespace kr::proxyd {
namespace {

// JSON string contents: Kubernetes names never need more, but a key is not trusted.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

// SO_REUSEADDR, and on an IPv6 socket IPV6_V6ONLY off, so that "::" takes IPv4 clients too
// whatever net.ipv6.bindv6only says (on an IPv4 socket that option fails harmlessly).
void ListenSocketOptions(socket_t fd) {
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
}

}  // namespace

HealthCheckReplyText HealthCheckReply(const std::string& key, int local_endpoints,
                                      bool proxy_healthy) {
  const size_t slash = key.find('/');
  const std::string ns = slash == std::string::npos ? "" : key.substr(0, slash);
  const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  HealthCheckReplyText reply;
  reply.status = local_endpoints != 0 && proxy_healthy ? 200 : 503;
  reply.body = "{\n\t\"service\": {\n\t\t\"namespace\": " + Quoted(ns) +
               ",\n\t\t\"name\": " + Quoted(name) +
               "\n\t},\n\t\"localEndpoints\": " + std::to_string(local_endpoints) +
               ",\n\t\"serviceProxyHealthy\": " + (proxy_healthy ? "true" : "false") + "\n}";
  reply.headers = {{"Content-Type", "application/json"},
                   {"X-Content-Type-Options", "nosniff"},
                   {"X-Load-Balancing-Endpoint-Weight", std::to_string(local_endpoints)}};
  return reply;
}

// One listening port: an httplib server on its own thread with one worker.
class HealthCheckResponder::PortServer {
 public:
  PortServer(HealthCheckResponder& owner, int port) : owner_(owner), port_(port) {}
  ~PortServer() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  Status Start(const std::string& address) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(1); };
    server_.set_socket_options(ListenSocketOptions);
    server_.set_keep_alive_max_count(1);
    server_.set_read_timeout(2);
    server_.set_write_timeout(2);
    server_.set_pre_routing_handler(
        [this](const httplib::Request& request, httplib::Response& response) {
          if (request.method != "GET" && request.method != "HEAD") {
            response.status = 405;
            return httplib::Server::HandlerResponse::Handled;
          }
          HealthCheckReplyText reply;
          {
            std::lock_guard lock(owner_.mu_);
            auto served = owner_.served_.find(port_);
            reply = served == owner_.served_.end()
                        ? HealthCheckReply("", 0, false)
                        : HealthCheckReply(served->second.key, served->second.local_endpoints,
                                           owner_.proxy_healthy_);
          }
          response.status = reply.status;
          for (const auto& [name, value] : reply.headers) {
            if (name != "Content-Type") response.set_header(name, value);
          }
          response.set_content(reply.body, reply.headers["Content-Type"]);
          return httplib::Server::HandlerResponse::Handled;
        });
    errno = 0;
    if (!server_.bind_to_port(address, port_)) {
      const int err = errno != 0 ? errno : EADDRNOTAVAIL;
      return Error::FromErrno(err, "health check port " + address + ":" + std::to_string(port_));
    }
    auto finished = std::make_shared<std::atomic<bool>>(false);
    thread_ = std::thread([this, finished] {
      server_.listen_after_bind();
      finished->store(true);
    });
    // stop() is lost before the loop runs (see common/http/status_server.cpp).
    while (!server_.is_running() && !finished->load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Status::Ok();
  }

 private:
  HealthCheckResponder& owner_;
  const int port_;
  httplib::Server server_;
  std::thread thread_;
};

HealthCheckResponder::HealthCheckResponder(HealthCheckResponderOptions options)
    : options_(std::move(options)) {}

HealthCheckResponder::~HealthCheckResponder() {
  Stop();
}

HealthCheckSyncReport HealthCheckResponder::Sync(
    const std::map<std::string, HealthCheckTarget>& wanted, bool proxy_healthy) {
  HealthCheckSyncReport report;
  std::map<int, Served> next;
  for (const auto& [key, target] : wanted) {
    if (target.port <= 0 || target.port > 65535) continue;
    auto [it, inserted] = next.emplace(target.port, Served{key, target.local_endpoints});
    if (!inserted) {
      report.failed.push_back(Error{EADDRINUSE, "health check port " + std::to_string(target.port) +
                                                    " of " + key + " is already " + it->second.key +
                                                    "'s"});
    }
  }
  {
    std::lock_guard lock(mu_);
    served_ = next;
    proxy_healthy_ = proxy_healthy;
  }
  for (auto it = servers_.begin(); it != servers_.end();) {
    if (next.contains(it->first)) {
      ++it;
      continue;
    }
    report.stopped.push_back(it->first);
    it = servers_.erase(it);
  }
  for (const auto& [port, served] : next) {
    if (servers_.contains(port)) continue;
    auto server = std::make_unique<PortServer>(*this, port);
    Status started = server->Start(options_.address);
    if (!started && options_.address == kDualStackAddress &&
        (started.error().code == EAFNOSUPPORT || started.error().code == EADDRNOTAVAIL)) {
      // IPv6 disabled on this node: IPv4 alone.
      server = std::make_unique<PortServer>(*this, port);
      started = server->Start("0.0.0.0");
    }
    if (!started) {
      report.failed.push_back(
          Error{started.error().code, started.error().message + " (" + served.key + ")"});
      continue;
    }
    servers_.emplace(port, std::move(server));
    report.started.push_back(port);
  }
  return report;
}

void HealthCheckResponder::Stop() {
  servers_.clear();
}

std::vector<int> HealthCheckResponder::ports() const {
  std::vector<int> ports;
  for (const auto& [port, server] : servers_) ports.push_back(port);
  return ports;
}

}  // namespace kr::proxyd
