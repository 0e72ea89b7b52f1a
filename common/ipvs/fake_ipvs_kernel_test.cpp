// The fake must answer like the kernel; ipvs_test in the vm tier checks the same answers there.
#include "common/ipvs/fake_ipvs_kernel.h"

#include <catch2/catch.hpp>

namespace kr::ipvs {
namespace {

const IpAddress kVip = IpAddress::FromString("192.0.2.10");
const IpAddress kBackend1 = IpAddress::FromString("198.51.100.1");
const IpAddress kBackend2 = IpAddress::FromString("198.51.100.2");

Service WebService() {
  Service service;
  service.key = ServiceKey::ForAddress(Protocol::kTcp, kVip, 80);
  return service;
}

Destination Backend(const IpAddress& address, int32_t weight = 1) {
  Destination destination;
  destination.address = address;
  destination.port = 8080;
  destination.weight = weight;
  return destination;
}

int Code(const Status& status) {
  return status.ok() ? 0 : status.error().code;
}
template <typename T>
int Code(const Expected<T>& expected) {
  return expected.ok() ? 0 : expected.error().code;
}

TEST_CASE("services are added, listed, updated and deleted") {
  FakeIpvsKernel kernel;
  Service service = WebService();
  REQUIRE(kernel.AddService(service).ok());

  auto listed = kernel.ListServices();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().service == service);

  service.scheduler = "sh";
  service.flags = ServiceFlags::kPersistent | ServiceFlags::kShPort;
  service.timeout = 10800;
  REQUIRE(kernel.UpdateService(service).ok());
  auto got = kernel.GetService(service.key);
  REQUIRE(got.ok());
  CHECK(got->service == service);

  REQUIRE(kernel.DeleteService(service.key).ok());
  CHECK(kernel.ListServices()->empty());
}

TEST_CASE("service errors are the kernel's") {
  FakeIpvsKernel kernel;
  Service service = WebService();
  REQUIRE(kernel.AddService(service).ok());
  CHECK(Code(kernel.AddService(service)) == EEXIST);

  Service missing = WebService();
  missing.key.port = 81;
  CHECK(Code(kernel.UpdateService(missing)) == ESRCH);
  CHECK(Code(kernel.DeleteService(missing.key)) == ESRCH);
  CHECK(Code(kernel.GetService(missing.key)) == ESRCH);

  Service unknown_scheduler = missing;
  unknown_scheduler.scheduler = "nosuch";
  CHECK(Code(kernel.AddService(unknown_scheduler)) == ENOENT);
  // Existence is checked first, as ip_vs_genl_set_cmd does.
  service.scheduler = "nosuch";
  CHECK(Code(kernel.AddService(service)) == EEXIST);
  CHECK(Code(kernel.UpdateService(service)) == ENOENT);

  Service v6 = WebService();
  v6.key = ServiceKey::ForAddress(Protocol::kTcp, IpAddress::FromString("2001:db8::10"), 80);
  v6.persistence_prefix = 0;
  CHECK(Code(kernel.AddService(v6)) == EINVAL);
  CHECK(kernel.ListServices()->size() == 1);
}

TEST_CASE("address, fwmark, family and protocol keep services apart") {
  FakeIpvsKernel kernel;
  Service tcp = WebService();
  Service udp = WebService();
  udp.key.protocol = Protocol::kUdp;
  Service sctp = WebService();
  sctp.key.protocol = Protocol::kSctp;
  Service v6;
  v6.key = ServiceKey::ForAddress(Protocol::kTcp, IpAddress::FromString("2001:db8::10"), 80);
  Service mark4;
  mark4.key = ServiceKey::ForFwmark(AF_INET, 7);
  Service mark6;
  mark6.key = ServiceKey::ForFwmark(AF_INET6, 7);
  for (const Service* service : {&tcp, &udp, &sctp, &v6, &mark4, &mark6}) {
    REQUIRE(kernel.AddService(*service).ok());
  }
  CHECK(kernel.ListServices()->size() == 6);
  CHECK(Code(kernel.AddService(mark6)) == EEXIST);
  REQUIRE(kernel.DeleteService(mark4.key).ok());
  CHECK(kernel.GetService(mark6.key).ok());
  CHECK(Code(kernel.GetService(mark4.key)) == ESRCH);
}

TEST_CASE("a host-wide persistence netmask reads back as none, like a dump") {
  FakeIpvsKernel kernel;
  Service service = WebService();
  service.persistence_prefix = 32;
  service.flags = ServiceFlags::kPersistent | ServiceFlags::kHashed;
  REQUIRE(kernel.AddService(service).ok());
  auto got = kernel.GetService(service.key);
  REQUIRE(got.ok());
  CHECK_FALSE(got->service.persistence_prefix.has_value());
  CHECK(got->service.flags == ServiceFlags::kPersistent);
}

TEST_CASE("destinations are added, updated, listed and deleted") {
  FakeIpvsKernel kernel;
  Service service = WebService();
  REQUIRE(kernel.AddService(service).ok());
  REQUIRE(kernel.AddDestination(service.key, Backend(kBackend1)).ok());
  REQUIRE(kernel.AddDestination(service.key, Backend(kBackend2, 3)).ok());

  auto listed = kernel.ListDestinations(service.key);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK(listed->at(0).destination == Backend(kBackend1));
  CHECK(listed->at(1).destination == Backend(kBackend2, 3));

  REQUIRE(kernel.UpdateDestination(service.key, Backend(kBackend1, 0)).ok());
  REQUIRE(kernel.DeleteDestination(service.key, Backend(kBackend2).key()).ok());
  listed = kernel.ListDestinations(service.key);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().destination.weight == 0);

  // Deleting the service takes its destinations along.
  REQUIRE(kernel.DeleteService(service.key).ok());
  REQUIRE(kernel.AddService(service).ok());
  CHECK(kernel.ListDestinations(service.key)->empty());
}

TEST_CASE("destination errors are the kernel's") {
  FakeIpvsKernel kernel;
  Service service = WebService();
  ServiceKey missing = service.key;
  missing.port = 81;
  REQUIRE(kernel.AddService(service).ok());
  REQUIRE(kernel.AddDestination(service.key, Backend(kBackend1)).ok());

  CHECK(Code(kernel.AddDestination(service.key, Backend(kBackend1))) == EEXIST);
  CHECK(Code(kernel.AddDestination(missing, Backend(kBackend1))) == ESRCH);
  CHECK(Code(kernel.UpdateDestination(missing, Backend(kBackend1))) == ESRCH);
  CHECK(Code(kernel.DeleteDestination(missing, Backend(kBackend1).key())) == ESRCH);
  CHECK(Code(kernel.UpdateDestination(service.key, Backend(kBackend2))) == ENOENT);
  CHECK(Code(kernel.DeleteDestination(service.key, Backend(kBackend2).key())) == ENOENT);
  CHECK(Code(kernel.AddDestination(service.key, Backend(kBackend2, -1))) == ERANGE);

  Destination thresholds = Backend(kBackend2);
  thresholds.upper_threshold = 5;
  thresholds.lower_threshold = 6;
  CHECK(Code(kernel.AddDestination(service.key, thresholds)) == ERANGE);
  CHECK(Code(kernel.UpdateDestination(service.key, Backend(kBackend1, -2))) == ERANGE);

  Destination v6 = Backend(IpAddress::FromString("2001:db8::2"));
  CHECK(Code(kernel.AddDestination(service.key, v6)) == EINVAL);
  v6.forward = ForwardMethod::kTunnel;  // only tunnels may cross families
  CHECK(kernel.AddDestination(service.key, v6).ok());

  // Like inet_addr_type() / ipv6_addr_type(): only unicast destinations.
  for (const char* address : {"233.252.0.5", "255.255.255.255", "0.0.0.1"}) {
    INFO(address);
    CHECK(Code(kernel.AddDestination(service.key, Backend(IpAddress::FromString(address)))) ==
          EINVAL);
  }
  Service service6;
  service6.key = ServiceKey::ForAddress(Protocol::kUdp, IpAddress::FromString("2001:db8::1"), 53);
  REQUIRE(kernel.AddService(service6).ok());
  for (const char* address : {"fe80::1", "ff02::1", "::"}) {
    INFO(address);
    CHECK(Code(kernel.AddDestination(service6.key, Backend(IpAddress::FromString(address)))) ==
          EINVAL);
  }
  CHECK(kernel.AddDestination(service6.key, Backend(IpAddress::FromString("2001:db8::2"))).ok());

  kernel.RejectDestinationAddress(kBackend2);
  CHECK(Code(kernel.AddDestination(service.key, Backend(kBackend2))) == EINVAL);

  // A dump of a missing service is empty, not an error.
  auto none = kernel.ListDestinations(missing);
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(kernel.ListDestinations(service.key)->size() == 2);
}

TEST_CASE("flush removes every service") {
  FakeIpvsKernel kernel;
  Service a = WebService();
  Service b;
  b.key = ServiceKey::ForFwmark(AF_INET, 1);
  REQUIRE(kernel.AddService(a).ok());
  REQUIRE(kernel.AddService(b).ok());
  REQUIRE(kernel.Flush().ok());
  CHECK(kernel.ListServices()->empty());
}

TEST_CASE("test controls: injected failures, counters, message count") {
  FakeIpvsKernel kernel;
  Service service = WebService();
  kernel.FailNextCall(ENOMEM);
  CHECK(Code(kernel.AddService(service)) == ENOMEM);
  CHECK(kernel.ListServices()->empty());  // the failed call changed nothing
  REQUIRE(kernel.AddService(service).ok());
  REQUIRE(kernel.AddDestination(service.key, Backend(kBackend1)).ok());

  Stats stats;
  stats.connections = 12;
  REQUIRE(
      kernel.SetDestinationCounters(service.key, Backend(kBackend1).key(), 2, 1, 0, stats).ok());
  CHECK(Code(kernel.SetDestinationCounters(service.key, Backend(kBackend2).key(), 0, 0, 0)) ==
        ENOENT);
  auto listed = kernel.ListDestinations(service.key);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().active_connections == 2);
  CHECK(listed->front().inactive_connections == 1);
  CHECK(listed->front().stats.connections == 12);

  REQUIRE(kernel.SetServiceStats(service.key, stats).ok());
  CHECK(kernel.GetService(service.key)->stats.connections == 12);
  // add (failed), list, add, add dest, list dests, get: six messages; test controls are free.
  CHECK(kernel.messages_sent() == 6);
}

}  // namespace
}  // namespace kr::ipvs
