#include "common/http/health_registry.h"

#include <catch2/catch.hpp>
#include <optional>

#include "common/http/testing/fake_clock.h"

namespace kr::http {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

TEST_CASE("http health is fine with no checks and with fresh ones") {
  FakeClock clock;
  HealthRegistry health(clock.AsHealthClock());
  CHECK(health.Check().healthy());
  auto check = health.Register("proxyd-sync", 30s);
  REQUIRE(check.ok());
  CHECK(check->name() == "proxyd-sync");
  CHECK(health.Check().healthy());
}

TEST_CASE("http a check goes stale after max silence and recovers on Beat") {
  FakeClock clock;
  HealthRegistry health(clock.AsHealthClock());
  auto sync = health.Register("proxyd-sync", 30s);
  auto bgp = health.Register("routed-bgp", 10s);
  REQUIRE(sync.ok());
  REQUIRE(bgp.ok());

  clock.Advance(10s);  // exactly the limit: still fine
  CHECK(health.Check().healthy());

  clock.Advance(1s);
  HealthReport report = health.Check();
  REQUIRE(report.stale.size() == 1);
  CHECK(report.stale[0].name == "routed-bgp");
  CHECK(report.stale[0].silent_for == 11s);
  CHECK(report.stale[0].max_silence == 10s);

  bgp->Beat();
  CHECK(health.Check().healthy());

  clock.Advance(25s);  // sync silent 36s, bgp 25s
  report = health.Check();
  REQUIRE(report.stale.size() == 2);
  CHECK(report.stale[0].name == "proxyd-sync");  // sorted by name
  CHECK(report.stale[1].name == "routed-bgp");

  sync->Beat();
  bgp->Beat();
  CHECK(health.Check().healthy());
}

TEST_CASE("http health registration errors are values") {
  FakeClock clock;
  HealthRegistry health(clock.AsHealthClock());
  auto first = health.Register("loop", 1s);
  REQUIRE(first.ok());
  auto again = health.Register("loop", 1s);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == EEXIST);
  CHECK(again.error().message.find("loop") != std::string::npos);
  CHECK(health.Register("", 1s).error().code == EINVAL);
  CHECK(health.Register("zero", 0s).error().code == EINVAL);
}

TEST_CASE("http destroying a handle unregisters its check; moving keeps it") {
  FakeClock clock;
  HealthRegistry health(clock.AsHealthClock());
  {
    auto check = health.Register("short-lived", 1s);
    REQUIRE(check.ok());
    HealthCheck moved = std::move(*check);
    clock.Advance(2s);
    REQUIRE(health.Check().stale.size() == 1);
    CHECK(health.Check().stale[0].name == "short-lived");
  }
  CHECK(health.Check().healthy());
  // The name is free again.
  CHECK(health.Register("short-lived", 1s).ok());
}

TEST_CASE("http a handle may outlive its registry") {
  FakeClock clock;
  std::optional<HealthCheck> check;
  {
    HealthRegistry health(clock.AsHealthClock());
    auto registered = health.Register("orphan", 1s);
    REQUIRE(registered.ok());
    check.emplace(std::move(*registered));
  }
  check->Beat();  // must not touch freed memory
  CHECK(check->name() == "orphan");
  check.reset();
}

}  // namespace
}  // namespace kr::http
