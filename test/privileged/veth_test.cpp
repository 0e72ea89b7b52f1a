// Two fresh namespaces joined by a veth pair carry TCP and UDP intact over IPv4 and IPv6, and
// the test support leaves nothing behind. Addresses: 198.51.100.0/24 (TEST-NET-2) and
// 2001:db8::/64 (documentation).
#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "test/support/netns.h"
#include "test/support/tcp_probe.h"

namespace kr::test {
namespace {

constexpr size_t kTcpPayloadBytes = 1 << 20;  // far more than one socket buffer
constexpr size_t kUdpPayloadBytes = 1200;     // one datagram below the IPv6 minimum MTU

std::string Payload(size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string payload(size, '\0');
  for (char& byte : payload) byte = static_cast<char>(random());
  return payload;
}

uint16_t LocalPort(int fd) {
  sockaddr_storage storage = {};
  socklen_t length = sizeof storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    throw std::system_error(errno, std::generic_category(), "getsockname");
  }
  return ntohs(storage.ss_family == AF_INET
                   ? reinterpret_cast<const sockaddr_in*>(&storage)->sin_port
                   : reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
}

// A socket created inside `ns`, bound to `ip` (port chosen by the kernel) unless ip is empty.
// Timeouts turn a lost packet into a test failure instead of a hang.
UniqueFd SocketIn(const NetNs& ns, int type, const std::string& family_of,
                  const std::string& bind_ip = "") {
  return ns.Run([&] {
    const int family = family_of.find(':') == std::string::npos ? AF_INET : AF_INET6;
    UniqueFd fd(socket(family, type | SOCK_CLOEXEC, 0));
    if (!fd.valid()) throw std::system_error(errno, std::generic_category(), "socket");
    const timeval timeout = {10, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (!bind_ip.empty()) {
      const SocketAddress address = ParseSocketAddress(bind_ip, 0);
      if (bind(fd.get(), address.get(), address.length) != 0) {
        throw std::system_error(errno, std::generic_category(), "bind " + bind_ip);
      }
    }
    return fd;
  });
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return shutdown(fd, SHUT_WR) == 0;
}

// Reads until the peer's end of stream; stops early on an error or timeout.
std::string ReceiveAll(int fd) {
  std::string data;
  char buffer[65536];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return data;
    data.append(buffer, static_cast<size_t>(n));
  }
}

void CheckTcp(const NetNs& server_ns, const std::string& server_ip, const NetNs& client_ns,
              const std::string& client_ip) {
  const UniqueFd listener = SocketIn(server_ns, SOCK_STREAM, server_ip, server_ip);
  REQUIRE(listen(listener.get(), 1) == 0);
  const SocketAddress server = ParseSocketAddress(server_ip, LocalPort(listener.get()));

  const UniqueFd client = SocketIn(client_ns, SOCK_STREAM, client_ip);
  const int connected = connect(client.get(), server.get(), server.length);
  const int connect_errno = errno;
  INFO("connect to " << server_ip << ": " << std::strerror(connect_errno));
  REQUIRE(connected == 0);
  sockaddr_storage peer = {};
  socklen_t peer_length = sizeof peer;
  const UniqueFd connection(
      accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &peer_length, SOCK_CLOEXEC));
  REQUIRE(connection.valid());
  CHECK(AddressText(peer) == client_ip);  // came over the veth, from the other namespace

  const std::string payload = Payload(kTcpPayloadBytes, 1);
  bool sent = false;
  std::thread sender([&] { sent = SendAll(client.get(), payload); });
  const std::string received = ReceiveAll(connection.get());
  sender.join();
  CHECK(sent);
  CHECK(received.size() == payload.size());
  CHECK(received == payload);
}

void CheckUdp(const NetNs& server_ns, const std::string& server_ip, const NetNs& client_ns,
              const std::string& client_ip) {
  const UniqueFd server_fd = SocketIn(server_ns, SOCK_DGRAM, server_ip, server_ip);
  const SocketAddress server = ParseSocketAddress(server_ip, LocalPort(server_fd.get()));
  const UniqueFd client = SocketIn(client_ns, SOCK_DGRAM, client_ip);

  const std::string payload = Payload(kUdpPayloadBytes, 2);
  REQUIRE(sendto(client.get(), payload.data(), payload.size(), 0, server.get(), server.length) ==
          static_cast<ssize_t>(payload.size()));
  std::string received(65536, '\0');
  sockaddr_storage from = {};
  socklen_t from_length = sizeof from;
  const ssize_t n = recvfrom(server_fd.get(), received.data(), received.size(), 0,
                             reinterpret_cast<sockaddr*>(&from), &from_length);
  REQUIRE(n >= 0);
  received.resize(static_cast<size_t>(n));
  CHECK(received == payload);
  CHECK(AddressText(from) == client_ip);
}

ino_t InodeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw std::system_error(errno, std::generic_category(), path);
  return st.st_ino;
}

// Links in /proc/self/fd and /proc/self/task/*/ns/net naming the namespace `inode`: a
// reference that would keep a deleted namespace, and its interfaces, alive.
int ReferencesToNetNs(ino_t inode) {
  const std::string wanted = "net:[" + std::to_string(inode) + "]";
  int references = 0;
  const auto count_links = [&](const std::string& dir, const std::string& suffix) {
    DIR* listing = opendir(dir.c_str());
    if (listing == nullptr) return;
    while (const dirent* entry = readdir(listing)) {
      if (entry->d_name[0] == '.') continue;
      char target[256] = {};
      const std::string link = dir + "/" + entry->d_name + suffix;
      if (readlink(link.c_str(), target, sizeof target - 1) > 0 && wanted == target) ++references;
    }
    closedir(listing);
  };
  count_links("/proc/self/fd", "");
  count_links("/proc/self/task", "/ns/net");
  return references;
}

bool RootHasLink(const std::string& ifname) {
  return if_nametoindex(ifname.c_str()) != 0;
}

TEST_CASE("privileged_veth carries TCP and UDP between two namespaces, then leaves nothing") {
  std::string names[2];
  ino_t inodes[2] = {};
  {
    NetNs left("left");
    NetNs right("right");
    VethPair veth(left, "krt-l", right, "krt-r");
    left.AddAddress("krt-l", "198.51.100.1/24");
    right.AddAddress("krt-r", "198.51.100.2/24");
    left.AddAddress("krt-l", "2001:db8::1/64");
    right.AddAddress("krt-r", "2001:db8::2/64");
    names[0] = left.name();
    names[1] = right.name();
    inodes[0] = InodeOf("/run/netns/" + left.name());
    inodes[1] = InodeOf("/run/netns/" + right.name());

    // The ends live only in their namespaces.
    CHECK(left.Run([] { return if_nametoindex("krt-l"); }) != 0);
    CHECK(right.Run([] { return if_nametoindex("krt-l"); }) == 0);
    CHECK_FALSE(RootHasLink("krt-l"));
    CHECK_FALSE(RootHasLink("krt-r"));

    SECTION("IPv4") {
      CheckTcp(left, "198.51.100.1", right, "198.51.100.2");
      CheckUdp(right, "198.51.100.2", left, "198.51.100.1");
    }
    SECTION("IPv6") {
      CheckTcp(right, "2001:db8::2", left, "2001:db8::1");
      CheckUdp(left, "2001:db8::1", right, "2001:db8::2");
    }
  }
  const std::string listed = RunCommandOrThrow({"ip", "netns", "list"});
  for (int i = 0; i < 2; ++i) {
    CHECK_FALSE(NetNs::Exists(names[i]));
    CHECK(listed.find(names[i]) == std::string::npos);
    CHECK(ReferencesToNetNs(inodes[i]) == 0);
  }
  CHECK_FALSE(RootHasLink("krt-l"));
  CHECK_FALSE(RootHasLink("krt-r"));
}

TEST_CASE("privileged_veth a destroyed pair disappears from both namespaces") {
  NetNs keep("keep");
  {
    NetNs other("other");
    VethPair veth(other, "krt-o", keep, "krt-k");
    REQUIRE(keep.Exec({"ip", "link", "show", "krt-k"}).ok());
  }
  // The pair was deleted synchronously by ~VethPair, before its namespace went.
  const CommandResult shown = keep.Exec({"ip", "link", "show", "krt-k"});
  CHECK_FALSE(shown.ok());
  CHECK(shown.output.find("does not exist") != std::string::npos);
}

TEST_CASE("privileged_veth a test that throws still removes its namespace") {
  std::string name;
  const auto failing_test = [&] {
    NetNs ns("throws");
    name = ns.name();
    REQUIRE(NetNs::Exists(name));
    ns.ExecOrThrow({"false"});  // throws: a failing setup step
  };
  CHECK_THROWS_AS(failing_test(), std::runtime_error);
  REQUIRE_FALSE(name.empty());
  CHECK_FALSE(NetNs::Exists(name));
}

TEST_CASE("privileged_veth Run rethrows the function's exception") {
  NetNs ns("run");
  CHECK_THROWS_WITH(ns.Run([]() -> int { throw std::logic_error("from inside"); }), "from inside");
  CHECK(ns.Run([] { return 42; }) == 42);
  bool ran = false;
  ns.Run([&] { ran = true; });
  CHECK(ran);
}

}  // namespace
}  // namespace kr::test
