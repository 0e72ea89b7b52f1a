// vm tier: the IPVS netlink client against the real kernel (run by vm-run, see meson.build).
// Every object is created through NetlinkIpvsKernel and read back through it and through
// ipvsadm, an independent reader. The error cases run against FakeIpvsKernel too, so the fake
// that unit tests rely on is held to the kernel's answers.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/ipvs/fake_ipvs_kernel.h"
#include "common/ipvs/netlink_ipvs_kernel.h"

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

}  // namespace
}  // namespace kr::ipvs
