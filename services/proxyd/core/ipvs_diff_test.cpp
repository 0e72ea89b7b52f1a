#include "services/proxyd/core/ipvs_diff.h"

#include <catch2/catch.hpp>

#include "common/ipvs/fake_ipvs_kernel.h"
#include "services/proxyd/core/ipvs_applier.h"

namespace kr::proxyd {
namespace {

using namespace std::chrono_literals;
using ipvs::IpAddress;
using ipvs::ServiceKey;

const TimePoint kT0{};
const ServiceKey kVip =
    ServiceKey::ForAddress(ipvs::Protocol::kTcp, IpAddress::FromString("10.96.0.10"), 80);

ipvs::Destination Dest(const char* ip, uint16_t port = 80, int32_t weight = 1) {
  ipvs::Destination destination;
  destination.address = IpAddress::FromString(ip);
  destination.port = port;
  destination.weight = weight;
  return destination;
}

DesiredVirtualService Wanted(std::vector<ipvs::Destination> destinations) {
  DesiredVirtualService vs;
  vs.service.key = kVip;
  for (auto& d : destinations) vs.destinations.emplace(d.key(), d);
  return vs;
}

// Applies ops to the fake and returns its dump: a diff test then also checks that the ops are
// accepted by a kernel-like table.
struct Table {
  ipvs::FakeIpvsKernel kernel;
  GracefulTracker tracker;
  GracefulPolicy policy;

  ObservedIpvs::Table Dump() {
    auto dump = DumpIpvs(kernel, [](const ServiceKey&) { return true; });
    REQUIRE(dump.ok());
    return *dump;
  }
  std::vector<IpvsOp> Diff(const DesiredVirtualService* wanted, TimePoint now = kT0) {
    DesiredTable desired;
    if (wanted != nullptr) desired[wanted->service.key] = wanted;
    return DiffIpvs(
        desired, Dump(), [](const ServiceKey&) { return true; }, policy, tracker, now);
  }
  std::vector<IpvsOp> Sync(const DesiredVirtualService* wanted, TimePoint now = kT0) {
    auto ops = Diff(wanted, now);
    ApplyReport report = ApplyIpvsOps(ops, kernel);
    REQUIRE(report.failures.empty());
    return ops;
  }
};

TEST_CASE("from nothing: the service first, then its destinations") {
  Table t;
  DesiredVirtualService wanted = Wanted({Dest("10.244.1.5"), Dest("10.244.2.6")});
  auto ops = t.Sync(&wanted);
  CHECK(ToString(ops) ==
        "add-service TCP 10.96.0.10:80 rr\n"
        "add-destination TCP 10.96.0.10:80 -> 10.244.1.5:80 Masq 1\n"
        "add-destination TCP 10.96.0.10:80 -> 10.244.2.6:80 Masq 1\n");
  CHECK(t.Diff(&wanted).empty());
}

TEST_CASE("an endpoint change is one or two ops") {
  Table t;
  DesiredVirtualService wanted = Wanted({Dest("10.244.1.5")});
  t.Sync(&wanted);

  DesiredVirtualService added = Wanted({Dest("10.244.1.5"), Dest("10.244.2.6")});
  CHECK(ToString(t.Sync(&added)) == "add-destination TCP 10.96.0.10:80 -> 10.244.2.6:80 Masq 1\n");

  DesiredVirtualService replaced = Wanted({Dest("10.244.1.5"), Dest("10.244.3.7")});
  CHECK(ToString(t.Sync(&replaced)) ==
        "add-destination TCP 10.96.0.10:80 -> 10.244.3.7:80 Masq 1\n"
        "delete-destination TCP 10.96.0.10:80 -> 10.244.2.6:80\n");

  DesiredVirtualService port_changed = Wanted({Dest("10.244.1.5"), Dest("10.244.3.7", 8080)});
  CHECK(t.Sync(&port_changed).size() == 2);
  CHECK(t.Diff(&port_changed).empty());
}

TEST_CASE("changed service settings are one update, destinations untouched") {
  Table t;
  DesiredVirtualService wanted = Wanted({Dest("10.244.1.5")});
  t.Sync(&wanted);
  wanted.service.scheduler = "lc";
  wanted.service.flags = ipvs::ServiceFlags::kPersistent;
  wanted.service.timeout = 10800;
  CHECK(ToString(t.Sync(&wanted)) == "update-service TCP 10.96.0.10:80 lc persistent 10800\n");
  CHECK(t.Diff(&wanted).empty());
}

TEST_CASE("a service no longer wanted is deleted with one op") {
  Table t;
  DesiredVirtualService wanted = Wanted({Dest("10.244.1.5"), Dest("10.244.2.6")});
  t.Sync(&wanted);
  CHECK(ToString(t.Sync(nullptr)) == "delete-service TCP 10.96.0.10:80\n");
  CHECK(t.Dump().empty());
}

TEST_CASE("graceful termination: weight 0 first, delete after the period") {
  Table t;
  t.policy = {true, 30s};
  DesiredVirtualService both = Wanted({Dest("10.244.1.5"), Dest("10.244.2.6")});
  t.Sync(&both);
  DesiredVirtualService one = Wanted({Dest("10.244.1.5")});
  auto gone = Dest("10.244.2.6").key();

  CHECK(ToString(t.Sync(&one, kT0)) ==
        "update-destination TCP 10.96.0.10:80 -> 10.244.2.6:80 Masq 0\n");
  CHECK(t.tracker.DrainingSince(kVip, gone) == kT0);
  REQUIRE(t.kernel.SetDestinationCounters(kVip, gone, 2, 5, 0).ok());

  CHECK(t.Sync(&one, kT0 + 10s).empty());  // connections left, period not over
  CHECK(t.Sync(&one, kT0 + 29s).empty());
  CHECK(ToString(t.Sync(&one, kT0 + 30s)) ==
        "delete-destination TCP 10.96.0.10:80 -> 10.244.2.6:80\n");
  CHECK(t.tracker.size() == 0);
  CHECK(t.Diff(&one, kT0 + 31s).empty());
}

TEST_CASE("graceful termination: delete as soon as connections have drained") {
  Table t;
  t.policy = {true, 30s};
  DesiredVirtualService both = Wanted({Dest("10.244.1.5"), Dest("10.244.2.6")});
  t.Sync(&both);
  DesiredVirtualService one = Wanted({Dest("10.244.1.5")});
  auto gone = Dest("10.244.2.6").key();
  t.Sync(&one, kT0);
  REQUIRE(t.kernel.SetDestinationCounters(kVip, gone, 1, 0, 0).ok());
  CHECK(t.Sync(&one, kT0 + 2s).empty());
  REQUIRE(t.kernel.SetDestinationCounters(kVip, gone, 0, 0, 0).ok());
  CHECK(t.Sync(&one, kT0 + 4s).size() == 1);
  CHECK(t.Dump().at(kVip).destinations.size() == 1);
}

TEST_CASE("graceful termination: an endpoint back while draining gets its weight again") {
  Table t;
  t.policy = {true, 30s};
  DesiredVirtualService both = Wanted({Dest("10.244.1.5"), Dest("10.244.2.6")});
  t.Sync(&both);
  DesiredVirtualService one = Wanted({Dest("10.244.1.5")});
  t.Sync(&one, kT0);
  CHECK(ToString(t.Sync(&both, kT0 + 5s)) ==
        "update-destination TCP 10.96.0.10:80 -> 10.244.2.6:80 Masq 1\n");
  CHECK(t.tracker.size() == 0);
}

TEST_CASE("graceful termination after a restart: a weight-0 destination starts its period now") {
  Table t;
  t.policy = {true, 30s};
  DesiredVirtualService drained = Wanted({Dest("10.244.1.5"), Dest("10.244.2.6", 80, 0)});
  t.Sync(&drained);
  auto gone = Dest("10.244.2.6").key();
  REQUIRE(t.kernel.SetDestinationCounters(kVip, gone, 3, 0, 0).ok());
  DesiredVirtualService one = Wanted({Dest("10.244.1.5")});
  CHECK(t.Sync(&one, kT0 + 100s).empty());
  CHECK(t.Sync(&one, kT0 + 130s).size() == 1);
}

TEST_CASE("services not owned are never touched") {
  Table t;
  ipvs::Service foreign;
  foreign.key =
      ServiceKey::ForAddress(ipvs::Protocol::kTcp, IpAddress::FromString("198.51.100.7"), 443);
  REQUIRE(t.kernel.AddService(foreign).ok());
  REQUIRE(t.kernel.AddDestination(foreign.key, Dest("192.0.2.99", 443)).ok());
  ipvs::Service ours_old;
  ours_old.key =
      ServiceKey::ForAddress(ipvs::Protocol::kTcp, IpAddress::FromString("10.96.0.99"), 80);
  REQUIRE(t.kernel.AddService(ours_old).ok());

  DesiredTable desired;
  auto owned = [&](const ServiceKey& key) { return key == ours_old.key; };
  auto ops = DiffIpvs(desired, t.Dump(), owned, t.policy, t.tracker, kT0);
  CHECK(ToString(ops) == "delete-service TCP 10.96.0.99:80\n");
}

TEST_CASE("the applier reports a failed op and still runs the rest") {
  ipvs::FakeIpvsKernel kernel;
  ipvs::Service service;
  service.key = kVip;
  std::vector<IpvsOp> ops = {
      IpvsOp::AddService(service),
      IpvsOp::AddDestination(kVip, Dest("224.0.0.1")),  // multicast: the kernel says EINVAL
      IpvsOp::AddDestination(kVip, Dest("10.244.1.5")),
      IpvsOp::DeleteDestination(kVip, Dest("10.244.9.9").key()),  // ENOENT
  };
  ApplyReport report = ApplyIpvsOps(ops, kernel);
  CHECK(report.succeeded == 2);
  REQUIRE(report.failures.size() == 2);
  CHECK(report.failures[0].index == 1);
  CHECK(report.failures[0].error.code == EINVAL);
  CHECK(report.failures[1].index == 3);
  CHECK(report.failures[1].error.code == ENOENT);
  auto destinations = kernel.ListDestinations(kVip);
  REQUIRE(destinations.ok());
  CHECK(destinations->size() == 1);
}

}  // namespace
}  // namespace kr::proxyd
