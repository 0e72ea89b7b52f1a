// vm tier: the IPVS netlink client against the real kernel (run by vm-run, see meson.build).
// Every object is created through NetlinkIpvsKernel and read back through it and through
// ipvsadm, an independent reader, also the counters after real TCP traffic through an address
// service and a fwmark service (issue 7). The error cases run against FakeIpvsKernel too, so the
// fake that unit tests rely on is held to the kernel's answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/ipvs/fake_ipvs_kernel.h"
#include "common/ipvs/netlink_ipvs_kernel.h"
#include "test/support/netns.h"

namespace kr::ipvs {
namespace {

const IpAddress kVip = IpAddress::FromString("192.0.2.10");
const IpAddress kVip6 = IpAddress::FromString("2001:db8::10");
// Backends sit on a dummy interface's subnet, as on a node. (What IPVS needs is weaker: an IPv4
// destination must be of unicast type, which inet_addr_type() grants to any non-local address
// once the namespace has a local routing table; without one, e.g. lo never up, all get EINVAL.)
const char* const kDummy = "kr-ipvs0";
const char* const kBackendNet = "198.51.100.254/24";
const IpAddress kBackend1 = IpAddress::FromString("198.51.100.1");
const IpAddress kBackend2 = IpAddress::FromString("198.51.100.2");
const IpAddress kMulticast = IpAddress::FromString("233.252.0.5");  // MCAST-TEST-NET
const IpAddress kLinkLocal6 = IpAddress::FromString("fe80::5");
const IpAddress kBackend6 = IpAddress::FromString("2001:db8:1::2");

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult Run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// ipvsadm -Ln with runs of blanks squeezed, one entry per line, for substring checks.
std::string IpvsadmListing() {
  CommandResult result = Run("ipvsadm -Ln");
  INFO(result.output);
  REQUIRE(result.status == 0);
  std::string squeezed;
  for (char c : result.output) {
    if (c == ' ' && (squeezed.empty() || squeezed.back() == ' ' || squeezed.back() == '\n')) {
      continue;
    }
    if (c == '\n' && !squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
    squeezed.push_back(c);
  }
  return squeezed;
}

bool HasLine(const std::string& listing, const std::string& line) {
  std::istringstream lines(listing);
  for (std::string current; std::getline(lines, current);) {
    if (current == line) return true;
  }
  return false;
}

// A dummy interface holding the backends' subnet, removed (with its routes) on scope exit.
class DummyInterface {
 public:
  DummyInterface() {
    Run(std::string("ip link del ") + kDummy);  // a leftover of an aborted run
    CommandResult made = Run(std::string("ip link add ") + kDummy + " type dummy && ip link set " +
                             kDummy + " up && ip addr add " + kBackendNet + " dev " + kDummy);
    INFO(made.output);
    REQUIRE(made.status == 0);
  }
  ~DummyInterface() { Run(std::string("ip link del ") + kDummy); }
};

// Deletes the services a test created, also when an assertion ends the test early.
class ServiceCleanup {
 public:
  explicit ServiceCleanup(IpvsKernel& kernel) : kernel_(kernel) {}
  ~ServiceCleanup() {
    for (const ServiceKey& key : keys_) (void)kernel_.DeleteService(key);
  }
  void Track(const ServiceKey& key) { keys_.push_back(key); }
  void Forget() { keys_.clear(); }  // after a flush

 private:
  IpvsKernel& kernel_;
  std::vector<ServiceKey> keys_;
};

std::unique_ptr<NetlinkIpvsKernel> OpenKernel() {
  auto kernel = NetlinkIpvsKernel::Open();
  INFO((kernel.ok() ? std::string() : kernel.error().message));
  REQUIRE(kernel.ok());
  // The VM is fresh: anything here was left by an earlier test case and breaks the checks.
  auto services = (*kernel)->ListServices();
  REQUIRE(services.ok());
  REQUIRE(services->empty());
  return std::move(*kernel);
}

Service MakeService(const ServiceKey& key, const std::string& scheduler = "rr") {
  Service service;
  service.key = key;
  service.scheduler = scheduler;
  return service;
}

Destination MakeDestination(const IpAddress& address, uint16_t port, int32_t weight = 1,
                            ForwardMethod forward = ForwardMethod::kMasquerade) {
  Destination destination;
  destination.address = address;
  destination.port = port;
  destination.weight = weight;
  destination.forward = forward;
  return destination;
}

std::vector<Destination> Destinations(IpvsKernel& kernel, const ServiceKey& key) {
  auto listed = kernel.ListDestinations(key);
  INFO((listed.ok() ? std::string() : listed.error().message));
  REQUIRE(listed.ok());
  std::vector<Destination> destinations;
  for (const DestinationEntry& entry : *listed) destinations.push_back(entry.destination);
  std::sort(destinations.begin(), destinations.end(),
            [](const Destination& a, const Destination& b) { return a.key() < b.key(); });
  return destinations;
}

void RequireOk(const Status& status) {
  INFO((status.ok() ? std::string() : status.error().message));
  REQUIRE(status.ok());
}

TEST_CASE("a TCP rr service with masquerade destinations lives and dies in the kernel") {
  auto kernel = OpenKernel();
  DummyInterface dummy;
  ServiceCleanup cleanup(*kernel);
  Service service = MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip, 80));

  RequireOk(kernel->AddService(service));
  cleanup.Track(service.key);
  RequireOk(kernel->AddDestination(service.key, MakeDestination(kBackend1, 8080)));
  RequireOk(kernel->AddDestination(service.key, MakeDestination(kBackend2, 8080, 2)));

  auto services = kernel->ListServices();
  REQUIRE(services.ok());
  REQUIRE(services->size() == 1);
  CHECK(services->front().service == service);
  auto got = kernel->GetService(service.key);
  REQUIRE(got.ok());
  CHECK(got->service == service);
  CHECK(Destinations(*kernel, service.key) ==
        std::vector{MakeDestination(kBackend1, 8080), MakeDestination(kBackend2, 8080, 2)});

  std::string listing = IpvsadmListing();
  INFO(listing);
  CHECK(HasLine(listing, "TCP 192.0.2.10:80 rr"));
  CHECK(HasLine(listing, "-> 198.51.100.1:8080 Masq 1 0 0"));
  CHECK(HasLine(listing, "-> 198.51.100.2:8080 Masq 2 0 0"));

  // One change is one message.
  uint64_t before = kernel->messages_sent();
  RequireOk(kernel->UpdateDestination(service.key, MakeDestination(kBackend1, 8080, 5)));
  CHECK(kernel->messages_sent() == before + 1);
  CHECK(Destinations(*kernel, service.key).front().weight == 5);
  CHECK(HasLine(IpvsadmListing(), "-> 198.51.100.1:8080 Masq 5 0 0"));

  RequireOk(kernel->DeleteDestination(service.key, {kBackend2, 8080}));
  CHECK(Destinations(*kernel, service.key) == std::vector{MakeDestination(kBackend1, 8080, 5)});
  CHECK(IpvsadmListing().find("198.51.100.2") == std::string::npos);

  RequireOk(kernel->DeleteService(service.key));
  CHECK(kernel->ListServices()->empty());
  CHECK(kernel->GetService(service.key).error().code == ESRCH);
  CHECK(IpvsadmListing().find("192.0.2.10") == std::string::npos);
}

TEST_CASE("scheduler flags, persistence, forwarding methods and thresholds read back") {
  auto kernel = OpenKernel();
  DummyInterface dummy;
  ServiceCleanup cleanup(*kernel);
  Service service = MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip, 443), "sh");
  service.flags = ServiceFlags::kPersistent | ServiceFlags::kShFallback | ServiceFlags::kShPort;
  service.timeout = 10800;
  service.persistence_prefix = 24;
  RequireOk(kernel->AddService(service));
  cleanup.Track(service.key);
  CHECK(kernel->GetService(service.key)->service == service);
  std::string listing = IpvsadmListing();
  INFO(listing);
  CHECK(listing.find("TCP 192.0.2.10:443 sh (sh-fallback,sh-port) persistent 10800 mask "
                     "255.255.255.0") != std::string::npos);

  service.scheduler = "mh";
  service.flags = ServiceFlags::kPersistent | ServiceFlags::kMhPort;
  service.timeout = 60;
  service.persistence_prefix.reset();
  RequireOk(kernel->UpdateService(service));
  CHECK(kernel->GetService(service.key)->service == service);

  Destination tunnel = MakeDestination(kBackend1, 443, 3, ForwardMethod::kTunnel);
  Destination route = MakeDestination(kBackend2, 443, 4, ForwardMethod::kDirectRoute);
  route.upper_threshold = 100;
  route.lower_threshold = 10;
  RequireOk(kernel->AddDestination(service.key, tunnel));
  RequireOk(kernel->AddDestination(service.key, route));
  CHECK(Destinations(*kernel, service.key) == std::vector{tunnel, route});
  listing = IpvsadmListing();
  CHECK(HasLine(listing, "-> 198.51.100.1:443 Tunnel 3 0 0"));
  CHECK(HasLine(listing, "-> 198.51.100.2:443 Route 4 0 0"));
}

TEST_CASE("IPv6, UDP, SCTP and fwmark services") {
  auto kernel = OpenKernel();
  DummyInterface dummy;
  ServiceCleanup cleanup(*kernel);
  Service v6 = MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip6, 80), "wrr");
  v6.flags = ServiceFlags::kPersistent;
  v6.timeout = 300;
  v6.persistence_prefix = 64;
  Service udp = MakeService(ServiceKey::ForAddress(Protocol::kUdp, kVip, 53), "lc");
  Service sctp = MakeService(ServiceKey::ForAddress(Protocol::kSctp, kVip, 3868), "dh");
  Service mark = MakeService(ServiceKey::ForFwmark(AF_INET, 7));
  Service mark6 = MakeService(ServiceKey::ForFwmark(AF_INET6, 7));
  std::vector<Service> all = {v6, udp, sctp, mark, mark6};
  for (const Service& service : all) {
    RequireOk(kernel->AddService(service));
    cleanup.Track(service.key);
  }
  RequireOk(kernel->AddDestination(v6.key, MakeDestination(kBackend6, 8080, 2)));
  RequireOk(kernel->AddDestination(udp.key, MakeDestination(kBackend1, 53)));
  RequireOk(kernel->AddDestination(sctp.key, MakeDestination(kBackend2, 3868)));
  RequireOk(kernel->AddDestination(mark.key, MakeDestination(kBackend1, 0)));
  RequireOk(kernel->AddDestination(mark6.key, MakeDestination(kBackend6, 0)));

  auto services = kernel->ListServices();
  REQUIRE(services.ok());
  std::vector<Service> dumped;
  for (const ServiceEntry& entry : *services) dumped.push_back(entry.service);
  CHECK(dumped.size() == all.size());
  for (const Service& service : all) {
    INFO(service.key.ToString());
    CHECK(std::find(dumped.begin(), dumped.end(), service) != dumped.end());
  }
  CHECK(Destinations(*kernel, v6.key) == std::vector{MakeDestination(kBackend6, 8080, 2)});
  CHECK(Destinations(*kernel, mark.key) == std::vector{MakeDestination(kBackend1, 0)});
  CHECK(Destinations(*kernel, mark6.key) == std::vector{MakeDestination(kBackend6, 0)});

  std::string listing = IpvsadmListing();
  INFO(listing);
  CHECK(listing.find("TCP [2001:db8::10]:80 wrr persistent 300 mask 64") != std::string::npos);
  CHECK(HasLine(listing, "-> [2001:db8:1::2]:8080 Masq 2 0 0"));
  CHECK(HasLine(listing, "UDP 192.0.2.10:53 lc"));
  CHECK(HasLine(listing, "SCTP 192.0.2.10:3868 dh"));
  CHECK(HasLine(listing, "FWM 7 rr"));
  CHECK(HasLine(listing, "FWM 7 IPv6 rr"));

  RequireOk(kernel->DeleteService(mark.key));
  CHECK(kernel->GetService(mark.key).error().code == ESRCH);
  CHECK(kernel->GetService(mark6.key).ok());
}

// Runs `op` on the kernel and on a fake in the same state; both must give `expected`.
template <typename Op>
void BothAnswer(IpvsKernel& real, IpvsKernel& fake, int expected, const char* what, Op op) {
  INFO(what);
  auto code = [](const auto& result) { return result.ok() ? 0 : result.error().code; };
  CHECK(code(op(real)) == expected);
  CHECK(code(op(fake)) == expected);
}

TEST_CASE("errors are the kernel's errno values, and the fake gives the same") {
  auto real = OpenKernel();
  DummyInterface dummy;
  ServiceCleanup cleanup(*real);
  FakeIpvsKernel fake;

  Service service = MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip, 80));
  Service missing = MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip, 81));
  Destination backend = MakeDestination(kBackend1, 8080);
  cleanup.Track(service.key);

  BothAnswer(*real, fake, 0, "add", [&](IpvsKernel& k) { return k.AddService(service); });
  BothAnswer(*real, fake, EEXIST, "add twice",
             [&](IpvsKernel& k) { return k.AddService(service); });
  BothAnswer(*real, fake, ESRCH, "update missing",
             [&](IpvsKernel& k) { return k.UpdateService(missing); });
  BothAnswer(*real, fake, ESRCH, "delete missing",
             [&](IpvsKernel& k) { return k.DeleteService(missing.key); });
  BothAnswer(*real, fake, ESRCH, "get missing",
             [&](IpvsKernel& k) { return k.GetService(missing.key); });
  Service bad_scheduler = missing;
  bad_scheduler.scheduler = "nosuch";
  BothAnswer(*real, fake, ENOENT, "unknown scheduler",
             [&](IpvsKernel& k) { return k.AddService(bad_scheduler); });
  Service v6_zero_prefix = MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip6, 80));
  v6_zero_prefix.persistence_prefix = 0;
  BothAnswer(*real, fake, EINVAL, "IPv6 prefix 0",
             [&](IpvsKernel& k) { return k.AddService(v6_zero_prefix); });

  BothAnswer(*real, fake, 0, "add destination",
             [&](IpvsKernel& k) { return k.AddDestination(service.key, backend); });
  BothAnswer(*real, fake, EEXIST, "add destination twice",
             [&](IpvsKernel& k) { return k.AddDestination(service.key, backend); });
  BothAnswer(*real, fake, ESRCH, "destination of a missing service",
             [&](IpvsKernel& k) { return k.AddDestination(missing.key, backend); });
  BothAnswer(*real, fake, ENOENT, "update missing destination", [&](IpvsKernel& k) {
    return k.UpdateDestination(service.key, MakeDestination(kBackend2, 8080));
  });
  BothAnswer(*real, fake, ENOENT, "delete missing destination", [&](IpvsKernel& k) {
    return k.DeleteDestination(service.key, {kBackend2, 8080});
  });
  BothAnswer(*real, fake, ERANGE, "negative weight", [&](IpvsKernel& k) {
    return k.AddDestination(service.key, MakeDestination(kBackend2, 8080, -1));
  });
  Destination thresholds = MakeDestination(kBackend2, 8080);
  thresholds.upper_threshold = 5;
  thresholds.lower_threshold = 6;
  BothAnswer(*real, fake, ERANGE, "lower threshold above upper",
             [&](IpvsKernel& k) { return k.AddDestination(service.key, thresholds); });
  BothAnswer(*real, fake, EINVAL, "IPv6 masquerade destination of an IPv4 service",
             [&](IpvsKernel& k) {
               return k.AddDestination(service.key, MakeDestination(kBackend6, 8080));
             });
  BothAnswer(*real, fake, EINVAL, "multicast destination", [&](IpvsKernel& k) {
    return k.AddDestination(service.key, MakeDestination(kMulticast, 8080));
  });
  Service v6 = MakeService(ServiceKey::ForAddress(Protocol::kUdp, kVip6, 53));
  cleanup.Track(v6.key);
  BothAnswer(*real, fake, 0, "add IPv6", [&](IpvsKernel& k) { return k.AddService(v6); });
  BothAnswer(*real, fake, EINVAL, "link-local IPv6 destination", [&](IpvsKernel& k) {
    return k.AddDestination(v6.key, MakeDestination(kLinkLocal6, 53));
  });

  auto none = real->ListDestinations(missing.key);
  REQUIRE(none.ok());
  CHECK(none->empty());
  // After all that, both hold the two services and the one destination.
  CHECK(Destinations(*real, service.key) == std::vector{backend});
  CHECK(Destinations(fake, service.key) == std::vector{backend});
  CHECK(real->ListServices()->size() == 2);
  CHECK(fake.ListServices()->size() == 2);
}

TEST_CASE("a dump spanning many messages, then flush removes every service") {
  auto kernel = OpenKernel();
  ServiceCleanup cleanup(*kernel);
  // Enough services (about 50 KB) that the kernel splits the dump over several messages.
  constexpr int kServices = 200;
  for (int i = 0; i < kServices; ++i) {
    Service service =
        MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip, static_cast<uint16_t>(1000 + i)));
    RequireOk(kernel->AddService(service));
    cleanup.Track(service.key);
  }
  Service mark = MakeService(ServiceKey::ForFwmark(AF_INET, 9));
  RequireOk(kernel->AddService(mark));
  cleanup.Track(mark.key);

  auto services = kernel->ListServices();
  REQUIRE(services.ok());
  REQUIRE(services->size() == kServices + 1);
  std::vector<uint16_t> ports;
  for (const ServiceEntry& entry : *services) {
    if (!entry.service.key.is_fwmark()) ports.push_back(entry.service.key.port);
  }
  std::sort(ports.begin(), ports.end());
  CHECK(std::adjacent_find(ports.begin(), ports.end()) == ports.end());  // no duplicates
  CHECK(ports.front() == 1000);
  CHECK(ports.back() == 1000 + kServices - 1);

  RequireOk(kernel->Flush());
  cleanup.Forget();
  CHECK(kernel->ListServices()->empty());
  CHECK(IpvsadmListing().find("FWM") == std::string::npos);
}

// ---- Counters under real traffic (issue 7) ----
// The kernel counts per CPU and folds those counts into what a dump reports only when its rate
// estimator runs (every 2 s), so a dump taken right after traffic may show none of it; every
// reader, ipvsadm included, sees the same folded values. Hence the comparison below waits until
// the counts have settled and compares ours with ipvsadm's only between two equal dumps of ours.

const char* const kTrafficVeth = "kr-ipvsv0";
const char* const kRouterNet = "203.0.113.254/24";
const char* const kBackendAddressNet = "203.0.113.1/24";
const IpAddress kTrafficBackend = IpAddress::FromString("203.0.113.1");
constexpr uint16_t kBackendPort = 8080;
constexpr uint16_t kMarkedPort = 81;  // traffic to the VIP on this port gets fwmark kMark
constexpr uint32_t kMark = 7;
const char* const kMarkRule = "OUTPUT -d 192.0.2.10/32 -p tcp --dport 81 -j MARK --set-mark 7";
constexpr std::chrono::seconds kIoTimeout{5};

// A backend namespace behind a veth whose root end holds the router address and the VIP (so the
// node itself is the client, as for a ClusterIP reached from the node). The root end goes with
// the namespace.
class BackendNetwork {
 public:
  BackendNetwork() : backend_("ipvs-backend") {
    Run(std::string("ip link del ") + kTrafficVeth);  // a leftover of an aborted run
    CommandResult made = Run(
        std::string("ip link add ") + kTrafficVeth + " type veth peer name eth0 netns " +
        backend_.name() + " && ip link set " + kTrafficVeth + " up && ip addr add " + kRouterNet +
        " dev " + kTrafficVeth + " && ip addr add 192.0.2.10/32 dev " + kTrafficVeth);
    INFO(made.output);
    REQUIRE(made.status == 0);
    backend_.LinkUp("eth0");
    backend_.AddAddress("eth0", kBackendAddressNet);
    backend_.ExecOrThrow({"ip", "route", "add", "default", "via", "203.0.113.254"});
  }
  ~BackendNetwork() { Run(std::string("ip link del ") + kTrafficVeth); }
  const test::NetNs& backend() const { return backend_; }

 private:
  test::NetNs backend_;
};

// Marks the VIP's kMarkedPort traffic in mangle OUTPUT (before IPVS's LOCAL_OUT hook).
class MarkRule {
 public:
  MarkRule() {
    CommandResult added = Run(std::string("iptables -t mangle -A ") + kMarkRule);
    INFO(added.output);
    REQUIRE(added.status == 0);
  }
  ~MarkRule() { Run(std::string("iptables -t mangle -D ") + kMarkRule); }
};

void SetTimeouts(int fd) {
  timeval timeout{kIoTimeout.count(), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

// Reads until EOF; the byte count, or -1 on an error or timeout.
long ReadAll(int fd) {
  long total = 0;
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n == 0) return total;
    if (n < 0) return -1;
    total += n;
  }
}

// Serves `connections` exchanges on a socket listening in the backend namespace: reads the
// request to EOF, answers with `reply_bytes`, closes. Joined in the destructor; gives up after
// kIoTimeout without a client, so a failed test does not hang.
class Backend {
 public:
  Backend(const test::NetNs& ns, int connections, size_t reply_bytes)
      : listener_(ns.Run([] {
          test::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
          int on = 1;
          setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
          sockaddr_in address{};
          address.sin_family = AF_INET;
          address.sin_port = htons(kBackendPort);
          if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
              listen(fd.get(), 16) != 0) {
            return test::UniqueFd();
          }
          return fd;
        })) {
    REQUIRE(listener_.valid());
    thread_ = std::thread([this, connections, reply_bytes] {
      std::string reply(reply_bytes, 'r');
      for (int i = 0; i < connections; ++i) {
        pollfd pfd{listener_.get(), POLLIN, 0};
        if (poll(&pfd, 1, static_cast<int>(kIoTimeout.count() * 1000)) != 1) return;
        test::UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!client.valid()) return;
        SetTimeouts(client.get());
        if (ReadAll(client.get()) < 0) continue;
        (void)!write(client.get(), reply.data(), reply.size());
      }
    });
  }
  ~Backend() { thread_.join(); }

 private:
  test::UniqueFd listener_;
  std::thread thread_;
};

// One request/reply exchange with the VIP from the root namespace; the reply's length.
long Exchange(uint16_t port, size_t request_bytes) {
  test::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  SetTimeouts(fd.get());
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, "192.0.2.10", &address.sin_addr);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return -1;
  std::string request(request_bytes, 'q');
  if (write(fd.get(), request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    return -1;
  }
  shutdown(fd.get(), SHUT_WR);
  return ReadAll(fd.get());
}

// What `ipvsadm -Ln --stats --exact` prints for these counters (after squeezing blanks).
std::string StatsColumns(const Stats& stats) {
  return std::to_string(stats.connections) + " " + std::to_string(stats.packets_in) + " " +
         std::to_string(stats.packets_out) + " " + std::to_string(stats.bytes_in) + " " +
         std::to_string(stats.bytes_out);
}

// Our view of the counters: each service's line and its destinations' lines as ipvsadm would
// print them, keyed by service.
struct StatsSnapshot {
  std::map<ServiceKey, Stats> services;
  std::map<ServiceKey, std::vector<std::string>> lines;
  bool operator==(const StatsSnapshot&) const = default;
};

StatsSnapshot Snapshot(IpvsKernel& kernel) {
  StatsSnapshot snapshot;
  auto services = kernel.ListServices();
  REQUIRE(services.ok());
  for (const ServiceEntry& entry : *services) {
    const ServiceKey& key = entry.service.key;
    snapshot.services[key] = entry.stats;
    std::string head = key.is_fwmark() ? "FWM " + std::to_string(key.fwmark) : key.ToString();
    snapshot.lines[key].push_back(head + " " + StatsColumns(entry.stats));
    auto destinations = kernel.ListDestinations(key);
    REQUIRE(destinations.ok());
    for (const DestinationEntry& destination : *destinations) {
      snapshot.lines[key].push_back("-> " + destination.destination.key().ToString() + " " +
                                    StatsColumns(destination.stats));
    }
  }
  return snapshot;
}

std::string IpvsadmStats() {
  CommandResult result = Run("ipvsadm -Ln --stats --exact");
  INFO(result.output);
  REQUIRE(result.status == 0);
  std::string squeezed;
  for (char c : result.output) {
    if (c == ' ' && (squeezed.empty() || squeezed.back() == ' ' || squeezed.back() == '\n')) {
      continue;
    }
    if (c == '\n' && !squeezed.empty() && squeezed.back() == ' ') squeezed.pop_back();
    squeezed.push_back(c);
  }
  return squeezed;
}

// Our dump and ipvsadm's listing of one moment: ipvsadm ran between two equal dumps of ours,
// so no estimator run changed the counters in between. Retries until that happens.
std::pair<StatsSnapshot, std::string> ConsistentStats(IpvsKernel& kernel) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    StatsSnapshot before = Snapshot(kernel);
    std::string listing = IpvsadmStats();
    if (Snapshot(kernel) == before) return {before, listing};
  }
  FAIL("the counters changed during every one of 20 reads");
  return {};
}

void CheckSameAsIpvsadm(const StatsSnapshot& ours, const std::string& listing) {
  INFO(listing);
  for (const auto& [key, lines] : ours.lines) {
    for (const std::string& line : lines) {
      INFO(key.ToString());
      CHECK(HasLine(listing, line));
    }
  }
}

TEST_CASE("dumped stats equal ipvsadm's after traffic through address and fwmark services") {
  auto kernel = OpenKernel();
  BackendNetwork network;
  MarkRule mark_rule;
  ServiceCleanup cleanup(*kernel);
  Service by_address = MakeService(ServiceKey::ForAddress(Protocol::kTcp, kVip, 80));
  Service by_mark = MakeService(ServiceKey::ForFwmark(AF_INET, kMark));
  for (const Service& service : {by_address, by_mark}) {
    RequireOk(kernel->AddService(service));
    cleanup.Track(service.key);
    RequireOk(kernel->AddDestination(service.key, MakeDestination(kTrafficBackend, kBackendPort)));
  }

  // Different numbers and sizes per service, so that swapped or merged counters show.
  constexpr int kAddressConnections = 5;
  constexpr int kMarkConnections = 4;
  constexpr size_t kRequestBytes = 300;
  constexpr size_t kReplyBytes = 7000;
  {
    Backend backend(network.backend(), kAddressConnections + kMarkConnections, kReplyBytes);
    for (int i = 0; i < kAddressConnections; ++i) {
      CHECK(Exchange(80, kRequestBytes) == static_cast<long>(kReplyBytes));
    }
    for (int i = 0; i < kMarkConnections; ++i) {
      CHECK(Exchange(kMarkedPort, kRequestBytes * 2) == static_cast<long>(kReplyBytes));
    }
  }

  // Right after the traffic: whatever the kernel reports yet (often nothing), ours and
  // ipvsadm's agree.
  auto [early, early_listing] = ConsistentStats(*kernel);
  std::printf("stats right after the traffic: address %s, fwmark %s\n",
              StatsColumns(early.services[by_address.key]).c_str(),
              StatsColumns(early.services[by_mark.key]).c_str());
  CheckSameAsIpvsadm(early, early_listing);

  // Settled: every connection counted (polled with a deadline; the estimator runs every 2 s).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  StatsSnapshot settled = Snapshot(*kernel);
  while (std::chrono::steady_clock::now() < deadline &&
         (settled.services[by_address.key].connections < kAddressConnections ||
          settled.services[by_mark.key].connections < kMarkConnections)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    settled = Snapshot(*kernel);
  }
  // The closing packets may be counted one estimator run later than the connections.
  StatsSnapshot again = settled;
  do {
    settled = again;
    auto next_run = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
    while (std::chrono::steady_clock::now() < next_run && Snapshot(*kernel) == settled) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    again = Snapshot(*kernel);
  } while (!(again == settled) && std::chrono::steady_clock::now() < deadline);

  auto [final_stats, listing] = ConsistentStats(*kernel);
  std::printf("stats settled: address %s, fwmark %s\n",
              StatsColumns(final_stats.services[by_address.key]).c_str(),
              StatsColumns(final_stats.services[by_mark.key]).c_str());
  const Stats& address_stats = final_stats.services[by_address.key];
  const Stats& mark_stats = final_stats.services[by_mark.key];
  CHECK(address_stats.connections == kAddressConnections);
  CHECK(mark_stats.connections == kMarkConnections);
  // Payload plus headers, in both directions, through each service.
  CHECK(address_stats.bytes_in > kAddressConnections * kRequestBytes);
  CHECK(address_stats.bytes_out > kAddressConnections * kReplyBytes);
  CHECK(mark_stats.bytes_in > kMarkConnections * kRequestBytes * 2);
  CHECK(mark_stats.bytes_out > kMarkConnections * kReplyBytes);
  CHECK(address_stats.packets_in >= 3u * kAddressConnections);
  CHECK(mark_stats.packets_out >= 2u * kMarkConnections);
  CheckSameAsIpvsadm(final_stats, listing);
  // One destination each, which carried all of its service's traffic.
  CHECK(final_stats.lines[by_address.key].size() == 2);
  CHECK(final_stats.lines[by_mark.key].size() == 2);
}

}  // namespace
}  // namespace kr::ipvs
