// kr-bgp against a live speaker: two of our speakers peer over loopback (127.0.0.1 and
// 127.0.0.2, ports the kernel picked as free), each originates a route, and the real kr-bgp
// binary (KR_BGP_BINARY) asks the first one's control server about neighbours, the Loc-RIB
// (with route ages) and one neighbour's Adj-RIB-In and Adj-RIB-Out.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "services/routed/bgp/control/control_server.h"
#include "services/routed/bgp/control/speaker_control_source.h"

namespace kr::bgp::control {
namespace {

using namespace std::chrono_literals;

struct Run {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

// Runs kr-bgp with `args`; stdout and stderr apart (stderr goes to a file so that neither pipe
// can fill up while the other is read).
Run KrBgp(const std::string& socket, std::vector<std::string> args, const std::string& dir) {
  const char* binary = std::getenv("KR_BGP_BINARY");
  REQUIRE(binary != nullptr);
  args.insert(args.begin(), {binary, "--socket", socket});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string err_path = dir + "/stderr";
  int out_pipe[2];
  REQUIRE(pipe2(out_pipe, O_CLOEXEC) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out_pipe[1], 1);
    dup2(err, 2);
    execv(binary, argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  Run run;
  run.out = ReadAll(out_pipe[0]);
  close(out_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const int err = open(err_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (err >= 0) {
    run.err = ReadAll(err);
    close(err);
  }
  return run;
}

uint16_t FreePort(const char* address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  inet_pton(AF_INET, address, &sin.sin_addr);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0);
  socklen_t len = sizeof(sin);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  close(fd);
  return ntohs(sin.sin_port);
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

std::unique_ptr<Speaker> StartSpeaker(uint32_t as, const char* local, uint16_t port,
                                      uint32_t peer_as, const char* remote, uint16_t peer_port,
                                      bool passive) {
  SpeakerConfig sc;
  sc.local_as = as;
  sc.router_id = IpAddress::Parse(local)->v4();
  sc.listen_address = IpAddress::Parse(local);
  sc.port = port;
  sc.hold_time = 9;
  sc.connect_retry_seconds = 1;
  PeerConfig pc;
  pc.address = *IpAddress::Parse(remote);
  pc.peer_as = peer_as;
  pc.port = peer_port;
  pc.passive = passive;
  pc.local_address = IpAddress::Parse(local);
  sc.peers.push_back(pc);
  auto created = Speaker::Create(sc);
  if (!created) FAIL("Speaker::Create: " << created.error().message);
  return std::move(*created);
}

TEST_CASE("kr-bgp: shows a live neighbour as Established and the route it sent", "[kr-bgp]") {
  std::string pattern = (std::filesystem::temp_directory_path() / "kr-bgp-cli-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  const std::string dir = pattern;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};

  const uint16_t port_a = FreePort("127.0.0.1");
  const uint16_t port_b = FreePort("127.0.0.2");
  auto a = StartSpeaker(65001, "127.0.0.1", port_a, 65002, "127.0.0.2", port_b, false);
  auto b = StartSpeaker(65002, "127.0.0.2", port_b, 65001, "127.0.0.1", port_a, true);
  b->Originate(*IpPrefix::Parse("203.0.113.0/24"));
  a->Originate(*IpPrefix::Parse("198.51.100.0/24"));
  SpeakerControlSource source(*a, 65001);
  auto server = ControlServer::Start(source, dir + "/routed-bgp.sock");
  REQUIRE(server);
  const std::string socket = (*server)->path();

  auto has = [](Speaker& s, const char* prefix) {
    for (const RibRoute& r : s.LocRib()) {
      if (r.prefix.ToString() == prefix) return true;
    }
    return false;
  };
  REQUIRE(WaitFor([&] { return has(*a, "203.0.113.0/24") && has(*b, "198.51.100.0/24"); }, 20s));

  Run neighbors = KrBgp(socket, {"neighbor"}, dir);
  INFO("kr-bgp neighbor:\n" << neighbors.out << neighbors.err);
  CHECK(neighbors.status == 0);
  CHECK(neighbors.out.find("Peer") == 0);
  const size_t row = neighbors.out.find("\n127.0.0.2 ");
  REQUIRE(row != std::string::npos);
  const std::string line = neighbors.out.substr(row + 1, neighbors.out.find('\n', row + 1) - row);
  CHECK(line.find(" 65002 ") != std::string::npos);
  CHECK(line.find(" Established ") != std::string::npos);
  CHECK(line.find("|        1         1") != std::string::npos);

  Run rib = KrBgp(socket, {"global", "rib", "-a", "ipv4"}, dir);
  INFO("kr-bgp global rib:\n" << rib.out << rib.err);
  CHECK(rib.status == 0);
  const size_t route = rib.out.find("*> 203.0.113.0/24 ");
  REQUIRE(route != std::string::npos);
  const std::string route_line = rib.out.substr(route, rib.out.find('\n', route) - route);
  CHECK(route_line.find(" 127.0.0.2 ") != std::string::npos);
  CHECK(route_line.find(" 65002 ") != std::string::npos);
  CHECK(route_line.find("{Origin: i}") != std::string::npos);

  Run v6 = KrBgp(socket, {"global", "rib", "-a", "ipv6"}, dir);
  CHECK(v6.status == 0);
  CHECK(v6.out == "Network not in table\n");

  Run detail = KrBgp(socket, {"neighbor", "127.0.0.2", "--json"}, dir);
  INFO("kr-bgp neighbor 127.0.0.2 --json:\n" << detail.out << detail.err);
  REQUIRE(detail.status == 0);
  const auto json = nlohmann::json::parse(detail.out);
  CHECK(json["state"] == "Established");
  CHECK(json["peer_as"] == 65002);
  CHECK(json["received_routes"] == 1);
  CHECK(json["uptime_seconds"].is_number_integer());
  CHECK(json["remote_router_id"] == "127.0.0.2");
  Run detail_text = KrBgp(socket, {"neighbor", "127.0.0.2"}, dir);
  CHECK(detail_text.out.find("remote router ID 127.0.0.2\n") != std::string::npos);

  Run routes_json = KrBgp(socket, {"-j", "global", "rib"}, dir);
  REQUIRE(routes_json.status == 0);
  const auto routes = nlohmann::json::parse(routes_json.out);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0]["prefix"] == "198.51.100.0/24");
  CHECK(routes[0]["from"] == "local");
  CHECK(routes[1]["prefix"] == "203.0.113.0/24");
  CHECK(routes[1]["next_hop"] == "127.0.0.2");
  CHECK(routes[1]["as_path"] == "65002");
  CHECK(routes[1]["from"] == "127.0.0.2");
  REQUIRE(routes[1]["age_seconds"].is_number_integer());
  CHECK(routes[1]["age_seconds"] >= 0);

  // Route age: it grows while the route stays, and the table shows it as gobgp does.
  int64_t age = 0;
  CHECK(WaitFor(
      [&] {
        Run again = KrBgp(socket, {"-j", "global", "rib", "-a", "ipv4"}, dir);
        const auto list = nlohmann::json::parse(again.out);
        age = list.size() == 2 ? list[1]["age_seconds"].get<int64_t>() : -1;
        return age >= 1;
      },
      5s));
  Run aged = KrBgp(socket, {"global", "rib"}, dir);
  const size_t aged_line = aged.out.find("*> 203.0.113.0/24 ");
  REQUIRE(aged_line != std::string::npos);
  CHECK(aged.out.find(" 00:00:0", aged_line) < aged.out.find('\n', aged_line));

  // Adj-RIB-In: what 127.0.0.2 sent us, best because the Loc-RIB chose it.
  Run adj_in = KrBgp(socket, {"neighbor", "127.0.0.2", "adj-in"}, dir);
  INFO("kr-bgp neighbor 127.0.0.2 adj-in:\n" << adj_in.out << adj_in.err);
  CHECK(adj_in.status == 0);
  CHECK(adj_in.out.find("*> 203.0.113.0/24 ") != std::string::npos);
  CHECK(adj_in.out.find("198.51.100.0/24") == std::string::npos);
  // Adj-RIB-Out: what we send it, with the attributes as sent (next hop self, our AS).
  Run adj_out = KrBgp(socket, {"-j", "neighbor", "127.0.0.2", "adj-out"}, dir);
  INFO("kr-bgp neighbor 127.0.0.2 adj-out:\n" << adj_out.out << adj_out.err);
  REQUIRE(adj_out.status == 0);
  const auto sent = nlohmann::json::parse(adj_out.out);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0]["prefix"] == "198.51.100.0/24");
  CHECK(sent[0]["next_hop"] == "127.0.0.1");
  CHECK(sent[0]["as_path"] == "65001");
  CHECK(sent[0]["from"] == "local");
  Run adj_out_v6 = KrBgp(socket, {"neighbor", "127.0.0.2", "adj-out", "-a", "ipv6"}, dir);
  CHECK(adj_out_v6.out == "Network not in table\n");
  Run adj_unknown = KrBgp(socket, {"neighbor", "127.0.0.9", "adj-in"}, dir);
  CHECK(adj_unknown.status == 1);
  CHECK(adj_unknown.err.find("neighbor 127.0.0.9 is not configured") != std::string::npos);

  Run unknown = KrBgp(socket, {"neighbor", "127.0.0.9"}, dir);
  CHECK(unknown.status == 1);
  CHECK(unknown.err.find("neighbor 127.0.0.9 is not configured") != std::string::npos);
  Run usage = KrBgp(socket, {"frobnicate"}, dir);
  CHECK(usage.status == 2);
  Run no_daemon = KrBgp(dir + "/absent.sock", {"neighbor"}, dir);
  CHECK(no_daemon.status == 1);
  CHECK(no_daemon.err.find("absent.sock") != std::string::npos);

  server->reset();
  b.reset();
  a.reset();
}

}  // namespace
}  // namespace kr::bgp::control
