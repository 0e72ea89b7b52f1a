#include "services/routed/bgp/control/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "services/routed/bgp/control/control_client.h"
#include "services/routed/bgp/control/fake_control_source.h"
#include "test/support/temp_dir.h"

namespace kr::bgp::control {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

FakeControlSource OneNeighbor() {
  FakeControlSource source;
  NeighborView n;
  n.address = "192.0.2.2";
  n.peer_as = 65002;
  n.state = "Established";
  source.neighbors = {n};
  return source;
}

int ConnectRaw(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, path.c_str());
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  return fd;
}

std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

TEST_CASE("bgp control server: answers over a 0600 socket in a directory it creates",
          "[bgp][control]") {
  TempDir dir;
  const std::string path = dir.path() + "/run/kr-node/routed-bgp.sock";
  FakeControlSource source = OneNeighbor();
  auto server = ControlServer::Start(source, path);
  REQUIRE(server);

  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);

  auto answer = Ask(path, Request{.command = "neighbors"});
  REQUIRE(answer);
  CHECK((*answer)["neighbors"][0]["address"] == "192.0.2.2");
  CHECK((*server)->requests_served() == 1);

  // An {"ok": false} answer is an error value carrying the server's text.
  auto unknown = Ask(path, Request{.command = "neighbor", .address = "192.0.2.9"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "neighbor 192.0.2.9 is not configured");

  server->reset();
  CHECK_FALSE(std::filesystem::exists(path));
  auto gone = Ask(path, Request{.command = "neighbors"});
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ENOENT);
}

TEST_CASE("bgp control server: several requests on one connection, one answer each",
          "[bgp][control]") {
  TempDir dir;
  FakeControlSource source = OneNeighbor();
  auto server = ControlServer::Start(source, dir.path() + "/s.sock");
  REQUIRE(server);
  const int fd = ConnectRaw(dir.path() + "/s.sock");
  const std::string two = "{\"command\":\"neighbors\"}\n{\"command\":\"rib\"}\n";
  REQUIRE(write(fd, two.data(), two.size()) == static_cast<ssize_t>(two.size()));
  const auto first = nlohmann::json::parse(ReadLine(fd));
  const auto second = nlohmann::json::parse(ReadLine(fd));
  CHECK(first.contains("neighbors"));
  CHECK(second["routes"].is_array());

  const std::string huge(kMaxRequestBytes + 10, 'x');
  (void)!write(fd, huge.data(), huge.size());
  const auto refused = nlohmann::json::parse(ReadLine(fd));
  CHECK(refused["ok"] == false);
  CHECK(refused["error"].get<std::string>().find("longer than") != std::string::npos);
  char c;
  CHECK(read(fd, &c, 1) == 0);  // and the server hung up
  close(fd);
}

TEST_CASE("bgp control server: replaces a stale socket, never a live one or a file",
          "[bgp][control]") {
  TempDir dir;
  const std::string path = dir.path() + "/s.sock";
  FakeControlSource source = OneNeighbor();
  {
    // A socket file nobody listens on any more, as a crashed daemon leaves it.
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    close(fd);
  }
  auto first = ControlServer::Start(source, path);
  REQUIRE(first);
  auto second = ControlServer::Start(source, path);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == EADDRINUSE);
  CHECK(Ask(path, Request{.command = "neighbors"}));  // the first one still answers

  const std::string file = dir.path() + "/not-a-socket";
  std::ofstream(file) << "keep me";
  auto on_file = ControlServer::Start(source, file);
  REQUIRE_FALSE(on_file);
  CHECK(on_file.error().code == EEXIST);
  CHECK(std::filesystem::file_size(file) == 7);
}

TEST_CASE("bgp control client: a server that never answers is a timeout", "[bgp][control]") {
  TempDir dir;
  const std::string path = dir.path() + "/mute.sock";
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, path.c_str());
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(listen(fd, 1) == 0);  // the kernel completes the connect; nobody ever reads
  auto answer = Ask(path, Request{.command = "neighbors"}, 200ms);
  close(fd);
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == ETIMEDOUT);
}

}  // namespace
}  // namespace kr::bgp::control
