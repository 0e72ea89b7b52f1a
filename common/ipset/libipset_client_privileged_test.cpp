// LibipsetClient against the kernel, in a fresh network namespace per test (ipsets are per
// namespace, so the host's sets are never seen or touched). The errno values checked here are
// the ones FakeIpsetClient promises.
#include <catch2/catch.hpp>

#include "common/ipset/ipset_sync_plan.h"
#include "common/ipset/libipset_client.h"
#include "test/support/netns.h"

namespace kr::ipset {
namespace {

using test::NetNs;

std::unique_ptr<LibipsetClient> OpenIn(const NetNs& ns) {
  auto client = ns.Run([] { return LibipsetClient::Open(); });
  REQUIRE(client.ok());
  return std::move(*client);
}

std::vector<SetContent> ListIn(const NetNs& ns, LibipsetClient& ipset, std::string_view prefix) {
  auto listed = ns.Run([&] { return ipset.List(prefix); });
  INFO((listed.ok() ? "" : listed.error().message));
  REQUIRE(listed.ok());
  return *listed;
}

TEST_CASE("ipset_libipset: create, add, del, list, swap, flush, destroy with kernel errors") {
  NetNs ns("ipset");
  auto ipset = OpenIn(ns);
  const SetSpec pods{"KR-pods", SetType::kHashIp, Family::kInet};
  const SetSpec next{"KR-pods-next", SetType::kHashIp, Family::kInet};
  const SetSpec nets6{"KR-nets6", SetType::kHashNet, Family::kInet6};
  ns.Run([&] {
    REQUIRE(ipset->Create(pods).ok());
    CHECK(ipset->Create(pods).error().code == EEXIST);
    REQUIRE(ipset->Add("KR-pods", "192.0.2.1").ok());
    REQUIRE(ipset->Add("KR-pods", "192.0.2.2").ok());
    CHECK(ipset->Add("KR-pods", "192.0.2.1").error().code == EEXIST);
    CHECK(ipset->Add("KR-pods", "not-an-address").error().code == EINVAL);
    CHECK(ipset->Add("KR-missing", "192.0.2.1").error().code == ENOENT);
    CHECK(ipset->Add("KR-pods", "192.0.2.1 extra").error().code == EINVAL);
    REQUIRE(ipset->Del("KR-pods", "192.0.2.2").ok());
    CHECK(ipset->Del("KR-pods", "192.0.2.2").error().code == ENOENT);
    REQUIRE(ipset->Create(nets6).ok());
    REQUIRE(ipset->Add("KR-nets6", "2001:db8::/64").ok());
    CHECK(ipset->Swap("KR-pods", "KR-nets6").error().code == EINVAL);
    CHECK(ipset->Swap("KR-pods", "KR-missing").error().code == ENOENT);
    CHECK(ipset->Destroy("KR-missing").error().code == ENOENT);
  });
  // A set outside the prefix is not listed.
  ns.ExecOrThrow({"ipset", "create", "foreign", "hash:ip"});
  CHECK(ListIn(ns, *ipset, "KR-") ==
        std::vector<SetContent>{{pods, {"192.0.2.1"}}, {nets6, {"2001:db8::/64"}}});

  // Atomic replacement: fill a second set, swap, destroy the old content.
  ns.Run([&] {
    REQUIRE(ipset->Create(next).ok());
    REQUIRE(ipset->Add("KR-pods-next", "192.0.2.7").ok());
    REQUIRE(ipset->Swap("KR-pods", "KR-pods-next").ok());
    REQUIRE(ipset->Destroy("KR-pods-next").ok());
  });
  CHECK(ListIn(ns, *ipset, "KR-pods") == std::vector<SetContent>{{pods, {"192.0.2.7"}}});

  // A set used by an iptables rule cannot be destroyed until the rule is gone.
  ns.ExecOrThrow(
      {"iptables-nft", "-A", "INPUT", "-m", "set", "--match-set", "KR-pods", "src", "-j", "DROP"});
  CHECK(ns.Run([&] { return ipset->Destroy("KR-pods"); }).error().code == EBUSY);
  ns.ExecOrThrow({"iptables-nft", "-F", "INPUT"});
  ns.Run([&] {
    REQUIRE(ipset->Flush("KR-pods").ok());
    REQUIRE(ipset->Destroy("KR-pods").ok());
    REQUIRE(ipset->Destroy("KR-nets6").ok());
  });
  CHECK(ListIn(ns, *ipset, "KR-").empty());
  CHECK(ListIn(ns, *ipset, "").size() == 1);
}

TEST_CASE("ipset_libipset: restore applies a batch and names the failing line") {
  NetNs ns("ipset");
  auto ipset = OpenIn(ns);
  IpsetBatch batch;
  batch.Create({"KR-a", SetType::kHashIpPort, Family::kInet});
  for (int i = 1; i <= 200; ++i) batch.Add("KR-a", "10.0." + std::to_string(i) + ".1,tcp:80");
  REQUIRE(ns.Run([&] { return ipset->Restore(batch); }).ok());
  CHECK(ListIn(ns, *ipset, "KR-")[0].members.size() == 200);

  IpsetBatch failing;
  failing.Add("KR-a", "10.1.0.1,udp:53");
  failing.Add("KR-a", "10.0.1.1,tcp:80");  // already there
  failing.Add("KR-a", "10.1.0.2,udp:53");
  Status status = ns.Run([&] { return ipset->Restore(failing); });
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == EEXIST);
  INFO(status.error().message);
  CHECK(status.error().message.rfind("line 2: ", 0) == 0);
  auto members = ListIn(ns, *ipset, "KR-")[0].members;
  CHECK(members.count("10.1.0.1,udp:53") == 1);
  CHECK(members.count("10.1.0.2,udp:53") == 0);

  // The client is still usable after a failed restore.
  CHECK(ns.Run([&] { return ipset->Add("KR-a", "10.1.0.3,sctp:9"); }).ok());
  CHECK(ListIn(ns, *ipset, "KR-")[0].members.count("10.1.0.3,sctp:9") == 1);
  CHECK(ns.Run([&] { return ipset->Restore(failing); }).error().message.rfind("line 1: ", 0) == 0);

  // The client stays in its namespace whichever thread calls it, also after the failures
  // above replaced its libipset handle: this call comes from the test's own thread.
  REQUIRE(ipset->Add("KR-a", "10.2.0.1,tcp:1").ok());
  CHECK(ns.ExecOrThrow({"ipset", "list", "KR-a"}).find("10.2.0.1,tcp:1") != std::string::npos);
}

TEST_CASE("ipset_libipset: canonical members read back as written, so sync plans converge") {
  NetNs ns("ipset");
  auto ipset = OpenIn(ns);
  const std::vector<SetContent> desired{
      {{"KR-ip4", SetType::kHashIp, Family::kInet}, {"192.0.2.1", "192.0.2.200"}},
      {{"KR-ip6", SetType::kHashIp, Family::kInet6}, {"2001:db8::1", "2001:db8::a:b"}},
      {{"KR-net4", SetType::kHashNet, Family::kInet}, {"10.0.0.0/8", "192.0.2.7"}},
      {{"KR-net6", SetType::kHashNet, Family::kInet6}, {"2001:db8::/64", "2001:db8:1::1"}},
      {{"KR-ipport4", SetType::kHashIpPort, Family::kInet},
       {"192.0.2.1,tcp:80", "192.0.2.1,udp:53", "192.0.2.1,sctp:9"}},
      {{"KR-ipport6", SetType::kHashIpPort, Family::kInet6}, {"2001:db8::1,tcp:443"}},
      {{"KR-netport4", SetType::kHashNetPort, Family::kInet}, {"10.0.0.0/8,tcp:8080"}},
      {{"KR-netport6", SetType::kHashNetPort, Family::kInet6}, {"2001:db8::/48,udp:5353"}},
  };
  for (auto options : {IpsetSyncOptions{false}, IpsetSyncOptions{true}}) {
    IpsetSyncPlan plan = PlanIpsetSync(desired, ListIn(ns, *ipset, "KR-"), "KR-", options);
    REQUIRE(ns.Run([&] { return ipset->Restore(plan.before_rules); }).ok());
    REQUIRE(ns.Run([&] { return ipset->Restore(plan.after_rules); }).ok());
    std::vector<SetContent> listed = ListIn(ns, *ipset, "KR-");
    std::sort(listed.begin(), listed.end(),
              [](const SetContent& a, const SetContent& b) { return a.spec.name < b.spec.name; });
    std::vector<SetContent> sorted = desired;
    std::sort(sorted.begin(), sorted.end(),
              [](const SetContent& a, const SetContent& b) { return a.spec.name < b.spec.name; });
    CHECK(listed == sorted);
    CHECK(PlanIpsetSync(desired, listed, "KR-").empty());
  }

  // A changed member list, replaced atomically, then everything removed.
  std::vector<SetContent> changed = desired;
  changed[0].members = {"192.0.2.9"};
  IpsetSyncPlan swap = PlanIpsetSync(changed, ListIn(ns, *ipset, "KR-"), "KR-", {true});
  REQUIRE(ns.Run([&] { return ipset->Restore(swap.before_rules); }).ok());
  CHECK(PlanIpsetSync(changed, ListIn(ns, *ipset, "KR-"), "KR-").empty());
  IpsetSyncPlan cleanup = PlanIpsetSync({}, ListIn(ns, *ipset, "KR-"), "KR-");
  CHECK(cleanup.after_rules.size() == desired.size());
  REQUIRE(ns.Run([&] { return ipset->Restore(cleanup.after_rules); }).ok());
  CHECK(ListIn(ns, *ipset, "").empty());
}

}  // namespace
}  // namespace kr::ipset
