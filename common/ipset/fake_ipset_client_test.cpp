#include "common/ipset/fake_ipset_client.h"

#include <catch2/catch.hpp>

namespace kr::ipset {
namespace {

const SetSpec kPods{"KR-pods", SetType::kHashIp, Family::kInet};
const SetSpec kPodsNext{"KR-pods-next", SetType::kHashIp, Family::kInet};
const SetSpec kBlocks6{"KR-blocks6", SetType::kHashNet, Family::kInet6};

TEST_CASE("fake_ipset: answers like the kernel") {
  FakeIpsetClient ipset;
  REQUIRE(ipset.Create(kPods).ok());
  CHECK(ipset.Create(kPods).error().code == EEXIST);
  CHECK(ipset.Create({std::string(32, 'x'), SetType::kHashIp, Family::kInet}).error().code ==
        EINVAL);

  REQUIRE(ipset.Add("KR-pods", "192.0.2.1").ok());
  CHECK(ipset.Add("KR-pods", "192.0.2.1").error().code == EEXIST);
  CHECK(ipset.Add("KR-pods", "not-an-ip").error().code == EINVAL);
  CHECK(ipset.Add("KR-missing", "192.0.2.1").error().code == ENOENT);
  CHECK(ipset.Del("KR-pods", "192.0.2.9").error().code == ENOENT);
  CHECK(ipset.Flush("KR-missing").error().code == ENOENT);
  CHECK(ipset.Destroy("KR-missing").error().code == ENOENT);

  REQUIRE(ipset.Create(kBlocks6).ok());
  REQUIRE(ipset.Add("KR-blocks6", "2001:db8::1/64").ok());
  CHECK(ipset.Swap("KR-pods", "KR-blocks6").error().code == EINVAL);
  CHECK(ipset.Swap("KR-pods", "KR-missing").error().code == ENOENT);

  auto listed = ipset.List("KR-");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0] == SetContent{kBlocks6, {"2001:db8::/64"}});
  CHECK((*listed)[1] == SetContent{kPods, {"192.0.2.1"}});
}

TEST_CASE("fake_ipset: a set referenced by a rule cannot be destroyed") {
  FakeIpsetClient ipset;
  REQUIRE(ipset.Create(kPods).ok());
  REQUIRE(ipset.AddReference("KR-pods").ok());
  CHECK(ipset.Destroy("KR-pods").error().code == EBUSY);
  REQUIRE(ipset.RemoveReference("KR-pods").ok());
  CHECK(ipset.Destroy("KR-pods").ok());
  CHECK(ipset.List("")->empty());
}

TEST_CASE("fake_ipset: swap moves members, the referenced name keeps its rules") {
  FakeIpsetClient ipset;
  IpsetBatch batch;
  batch.Create(kPods);
  batch.Add("KR-pods", "192.0.2.1");
  batch.Create(kPodsNext);
  batch.Add("KR-pods-next", "192.0.2.2");
  batch.Add("KR-pods-next", "192.0.2.3");
  REQUIRE(ipset.Restore(batch).ok());
  REQUIRE(ipset.AddReference("KR-pods").ok());

  REQUIRE(ipset.Swap("KR-pods", "KR-pods-next").ok());
  REQUIRE(ipset.Destroy("KR-pods-next").ok());
  auto listed = ipset.List("KR-");
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0] == SetContent{kPods, {"192.0.2.2", "192.0.2.3"}});
  CHECK(ipset.Destroy("KR-pods").error().code == EBUSY);
}

TEST_CASE("fake_ipset: restore stops at the first failure and names its line") {
  FakeIpsetClient ipset;
  IpsetBatch batch;
  batch.Create(kPods);
  batch.Add("KR-pods", "192.0.2.1");
  batch.Add("KR-pods", "192.0.2.1");
  batch.Add("KR-pods", "192.0.2.2");
  Status status = ipset.Restore(batch);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == EEXIST);
  CHECK(status.error().message.rfind("line 3: ", 0) == 0);
  CHECK(ipset.List("")->at(0).members == std::set<std::string>{"192.0.2.1"});
  CHECK(ipset.mutations() == 2);
}

}  // namespace
}  // namespace kr::ipset
