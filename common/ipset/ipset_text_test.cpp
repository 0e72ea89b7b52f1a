// The text formats at the libipset boundary: restore batches, `ipset save` output, and the
// error sentences libipset reports.
#include <catch2/catch.hpp>

#include "common/ipset/ipset_batch.h"
#include "common/ipset/ipset_errors.h"
#include "common/ipset/ipset_save_parser.h"

namespace kr::ipset {
namespace {

TEST_CASE("ipset_text: a batch renders as ipset restore lines in order") {
  IpsetBatch batch;
  batch.Create({"KR-a", SetType::kHashNetPort, Family::kInet6});
  batch.Add("KR-a", "2001:db8::/64,tcp:80");
  batch.Del("KR-a", "2001:db8::/64,tcp:81");
  batch.Flush("KR-b");
  batch.Swap("KR-a", "KR-b");
  batch.Destroy("KR-b");
  CHECK(batch.size() == 6);
  CHECK(batch.ToRestoreText() ==
        "create KR-a hash:net,port family inet6\n"
        "add KR-a 2001:db8::/64,tcp:80\n"
        "del KR-a 2001:db8::/64,tcp:81\n"
        "flush KR-b\n"
        "swap KR-a KR-b\n"
        "destroy KR-b\n");
}

// Captured from `ipset save` (ipset v7.17) with a foreign set in between.
constexpr std::string_view kSave =
    "create KR-a hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval "
    "0xd0e8dd31\n"
    "add KR-a 10.0.0.1\n"
    "create other bitmap:port range 1-1024\n"
    "add other 80\n"
    "create KR-n hash:net family inet6 hashsize 1024 maxelem 65536 bucketsize 12 initval "
    "0xee7a361c\n"
    "add KR-n 2001:db8:1::1\n"
    "add KR-n 2001:db8::/64\n"
    "create KR-p hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval "
    "0x8c5e229e\n"
    "add KR-p 10.0.0.2,udp:53\n";

TEST_CASE("ipset_text: ipset save output parses into owned sets only") {
  auto sets = ParseIpsetSave(kSave, "KR-");
  REQUIRE(sets.ok());
  REQUIRE(sets->size() == 3);
  CHECK((*sets)[0] == SetContent{{"KR-a", SetType::kHashIp, Family::kInet}, {"10.0.0.1"}});
  CHECK((*sets)[1] == SetContent{{"KR-n", SetType::kHashNet, Family::kInet6},
                                 {"2001:db8:1::1", "2001:db8::/64"}});
  CHECK((*sets)[2] ==
        SetContent{{"KR-p", SetType::kHashIpPort, Family::kInet}, {"10.0.0.2,udp:53"}});
}

TEST_CASE("ipset_text: an owned set of an unsupported type is an error, not skipped") {
  auto sets = ParseIpsetSave(kSave, "");
  REQUIRE_FALSE(sets.ok());
  CHECK(sets.error().code == EPROTONOSUPPORT);
  CHECK(sets.error().message.find("bitmap:port") != std::string::npos);
}

TEST_CASE("ipset_text: libipset's sentences map to the kernel's errno values") {
  CHECK(ErrnoFromIpsetMessage("Element cannot be added to the set: it's already added") == EEXIST);
  CHECK(ErrnoFromIpsetMessage("Set cannot be created: set with the same name already exists") ==
        EEXIST);
  CHECK(ErrnoFromIpsetMessage("Element cannot be deleted from the set: it's not added") == ENOENT);
  CHECK(ErrnoFromIpsetMessage("The set with the given name does not exist") == ENOENT);
  CHECK(ErrnoFromIpsetMessage("Sets cannot be swapped: the second set does not exist") == ENOENT);
  CHECK(ErrnoFromIpsetMessage("The sets cannot be swapped: their type does not match") == EINVAL);
  CHECK(ErrnoFromIpsetMessage("Set cannot be destroyed: it is in use by a kernel component") ==
        EBUSY);
  CHECK(ErrnoFromIpsetMessage("Syntax error: cannot parse bogus") == EINVAL);
}

TEST_CASE("ipset_text: restore errors name the failing line") {
  CHECK(LineFromIpsetMessage("Error in line 5: Element cannot be added") == 5);
  CHECK_FALSE(LineFromIpsetMessage("The set with the given name does not exist").has_value());
}

}  // namespace
}  // namespace kr::ipset
