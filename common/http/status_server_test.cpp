#include "common/http/status_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "common/http/testing/fake_clock.h"
#include "common/metrics/testing/exposition_parser.h"

namespace kr::http {
namespace {

using namespace std::chrono_literals;
using metrics::testing::ExpositionParser;
using testing::FakeClock;

StatusServerOptions Loopback() {
  return {.address = "127.0.0.1", .port = 0};
}

httplib::Result Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  return client.Get(path.c_str());
}

// A plain TCP socket listening on 127.0.0.1, closed by the destructor.
class ListeningSocket {
 public:
  ListeningSocket() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~ListeningSocket() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A TCP connection to 127.0.0.1:port, closed by the destructor.
class Connection {
 public:
  explicit Connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~Connection() { ::close(fd_); }

  // Sends an HTTP/1.1 request that leaves keep-alive to the server, and reads until the server
  // closes the connection.
  std::string RequestUntilClosed(const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    REQUIRE(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
    std::string response;
    char buffer[512];
    ssize_t n;
    while ((n = ::recv(fd_, buffer, sizeof(buffer), 0)) > 0) {
      response.append(buffer, static_cast<size_t>(n));
    }
    REQUIRE(n == 0);
    return response;
  }

 private:
  int fd_ = -1;
};

TEST_CASE("http /metrics serves the registry's exposition") {
  metrics::Registry registry;
  HealthRegistry health;
  auto syncs = registry.AddCounter("kr_test_syncs_total", "Syncs.", {"result"}).WithLabels({"ok"});
  syncs->Inc(3);
  StatusServer server(registry, health, Loopback());
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() > 0);

  auto response = Get(server.port(), "/metrics");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  auto families = ExpositionParser::ParseByName(response->body);
  CHECK(families.at("kr_test_syncs_total").samples.at(0).value == 3);

  syncs->Inc();
  response = Get(server.port(), "/metrics");
  REQUIRE(response);
  families = ExpositionParser::ParseByName(response->body);
  CHECK(families.at("kr_test_syncs_total").samples.at(0).value == 4);
}

TEST_CASE("http /healthz answers 503 naming stale checks, 200 ok otherwise") {
  metrics::Registry registry;
  FakeClock clock;
  HealthRegistry health(clock.AsHealthClock());
  StatusServer server(registry, health, Loopback());
  REQUIRE(server.Start().ok());

  auto response = Get(server.port(), "/healthz");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == "ok");

  auto sync = health.Register("proxyd-sync", 90s);
  auto bgp = health.Register("routed-bgp", 30s);
  REQUIRE(sync.ok());
  REQUIRE(bgp.ok());
  clock.Advance(60s);
  bgp->Beat();  // bgp keeps beating, sync does not
  clock.Advance(31s);
  bgp->Beat();

  response = Get(server.port(), "/healthz");
  REQUIRE(response);
  CHECK(response->status == 503);
  INFO(response->body);
  CHECK(response->body.find("proxyd-sync") != std::string::npos);
  CHECK(response->body.find("91.000s") != std::string::npos);
  CHECK(response->body.find("routed-bgp") == std::string::npos);

  sync->Beat();
  response = Get(server.port(), "/healthz");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == "ok");
}

TEST_CASE("http paths are configurable and matched exactly") {
  metrics::Registry registry;
  HealthRegistry health;
  StatusServerOptions options = Loopback();
  options.metrics_path = "/custom/metrics.txt";
  options.healthz_path = "/live";
  StatusServer server(registry, health, options);
  REQUIRE(server.Start().ok());

  auto response = Get(server.port(), "/custom/metrics.txt");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->get_header_value("Content-Type").starts_with("text/plain; version=0.0.4"));
  for (const char* path : {"/metrics", "/healthz", "/custom/metricsXtxt", "/custom/metrics.txt/"}) {
    response = Get(server.port(), path);
    REQUIRE(response);
    INFO(path);
    CHECK(response->status == 404);
  }
  response = Get(server.port(), "/live");
  REQUIRE(response);
  CHECK(response->status == 200);
  // A query string does not change the path.
  response = Get(server.port(), "/live?verbose=1");
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("http other methods get 405, HEAD gets headers only") {
  metrics::Registry registry;
  registry.AddGauge("kr_some_gauge", "Some gauge.");
  HealthRegistry health;
  StatusServer server(registry, health, Loopback());
  REQUIRE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto post = client.Post("/metrics", "x", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  auto head = client.Head("/metrics");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
}

TEST_CASE("http a port in use is an error value naming the address") {
  metrics::Registry registry;
  HealthRegistry health;

  SECTION("held by another status server") {
    StatusServer first(registry, health, Loopback());
    REQUIRE(first.Start().ok());
    StatusServer second(registry, health, {.address = "127.0.0.1", .port = first.port()});
    Status started = second.Start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().code == EADDRINUSE);
    INFO(started.error().message);
    CHECK(started.error().message.find("127.0.0.1:" + std::to_string(first.port())) !=
          std::string::npos);
    CHECK(second.port() == 0);
    second.Stop();  // harmless after a failed Start
    // The first one still answers.
    auto response = Get(first.port(), "/healthz");
    REQUIRE(response);
    CHECK(response->status == 200);
  }

  SECTION("held by a plain socket") {
    ListeningSocket socket;
    StatusServer server(registry, health, {.address = "127.0.0.1", .port = socket.port()});
    Status started = server.Start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().code == EADDRINUSE);
    CHECK(started.error().message.find("127.0.0.1:" + std::to_string(socket.port())) !=
          std::string::npos);
  }
}

TEST_CASE("http bad options are error values") {
  metrics::Registry registry;
  HealthRegistry health;
  CHECK(StatusServer(registry, health, {.address = "127.0.0.1", .port = 70000})
            .Start()
            .error()
            .code == EINVAL);
  CHECK(StatusServer(registry, health, {.address = "127.0.0.1", .metrics_path = "metrics"})
            .Start()
            .error()
            .code == EINVAL);
  CHECK(StatusServer(registry, health,
                     {.address = "127.0.0.1", .metrics_path = "/x", .healthz_path = "/x"})
            .Start()
            .error()
            .code == EINVAL);
  Status unresolvable = StatusServer(registry, health, {.address = "no-such-host.invalid"}).Start();
  REQUIRE_FALSE(unresolvable.ok());
  CHECK(unresolvable.error().message.find("no-such-host.invalid:0") != std::string::npos);
}

TEST_CASE("http Start twice fails; Stop is idempotent; a stopped server can start again") {
  metrics::Registry registry;
  HealthRegistry health;
  StatusServer server(registry, health, Loopback());
  server.Stop();  // before Start: nothing to do
  REQUIRE(server.Start().ok());
  const int port = server.port();
  Status again = server.Start();
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == EALREADY);
  CHECK(server.port() == port);

  server.Stop();
  server.Stop();
  CHECK(server.port() == 0);
  CHECK_FALSE(Get(port, "/healthz"));  // nothing listens any more

  REQUIRE(server.Start().ok());
  auto response = Get(server.port(), "/healthz");
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("http Stop right after Start is safe") {
  metrics::Registry registry;
  HealthRegistry health;
  StatusServer server(registry, health, Loopback());
  for (int i = 0; i < 20; ++i) {
    REQUIRE(server.Start().ok());
    server.Stop();
    CHECK(server.port() == 0);
  }
}

TEST_CASE("http one request per connection; a silent client delays Stop by at most ~1 s") {
  metrics::Registry registry;
  HealthRegistry health;
  StatusServer server(registry, health, Loopback());
  REQUIRE(server.Start().ok());

  Connection served(server.port());
  const std::string response = served.RequestUntilClosed("/healthz");
  CHECK(response.starts_with("HTTP/1.1 200"));
  CHECK(response.find("Connection: close") != std::string::npos);

  // Connections are taken in order, so once the second one is answered a worker is already
  // waiting on the silent first one, for its keep-alive timeout.
  Connection silent(server.port());
  Connection probe(server.port());
  CHECK(probe.RequestUntilClosed("/healthz").starts_with("HTTP/1.1 200"));

  const auto started = std::chrono::steady_clock::now();
  server.Stop();
  const auto took = std::chrono::steady_clock::now() - started;
  // 1 s keep-alive timeout plus slack for a loaded machine; httplib's default of 5 s fails.
  CHECK(took < 3s);
}

}  // namespace
}  // namespace kr::http
