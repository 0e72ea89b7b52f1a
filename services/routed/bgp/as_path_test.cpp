#include "services/routed/bgp/as_path.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/test_util.h"

namespace kr::bgp {
namespace {

using testing::Hex;
using testing::ToHex;

AsPath Seq(std::vector<uint32_t> asns) {
  return AsPath{{{AsSegmentType::kSequence, asns}}};
}

TEST_CASE("bgp AS_PATH length counts sets once and confederations not at all", "[bgp]") {
  const AsPath path{{{AsSegmentType::kConfedSequence, {65100, 65101}},
                     {AsSegmentType::kSequence, {65001, 65002}},
                     {AsSegmentType::kSet, {65003, 65004, 65005}}}};
  CHECK(path.Length() == 3);
  CHECK(path.ToString() == "(65100 65101) 65001 65002 {65003,65004,65005}");
  CHECK(path.Contains(65004));
  CHECK_FALSE(path.Contains(65006));
  CHECK_FALSE(path.FirstAs());
  CHECK(Seq({65001, 65002}).FirstAs() == 65001u);
}

TEST_CASE("bgp AS_PATH 2-octet encoding substitutes AS_TRANS", "[bgp]") {
  std::vector<uint8_t> out;
  EncodeAsPath(Seq({65001, 4200000001u}), 2, out);
  CHECK(ToHex(out) == ToHex(Hex("02 02 fde9 5ba0")));
  out.clear();
  EncodeAsPath(Seq({65001, 4200000001u}), 4, out);
  CHECK(ToHex(out) == ToHex(Hex("02 02 0000fde9 fa56ea01")));
}

TEST_CASE("bgp AS_PATH longer than 255 splits on the wire and merges when decoded", "[bgp]") {
  std::vector<uint32_t> asns;
  for (uint32_t i = 0; i < 300; ++i) asns.push_back(64512 + i);
  std::vector<uint8_t> out;
  EncodeAsPath(Seq(asns), 4, out);
  REQUIRE(out.size() == 2 + 255 * 4 + 2 + 45 * 4);
  CHECK(out[1] == 255);
  CHECK(out[2 + 255 * 4 + 1] == 45);
  auto decoded = DecodeAsPath(out, 4);
  REQUIRE(decoded);
  CHECK(*decoded == Seq(asns));
}

TEST_CASE("bgp AS_PATH prepend", "[bgp]") {
  AsPath path{{{AsSegmentType::kSet, {65003}}}};
  path.Prepend(65001, 2);
  CHECK(path.ToString() == "65001 65001 {65003}");
  path.Prepend(65000);
  CHECK(path.ToString() == "65000 65001 65001 {65003}");
}

TEST_CASE("bgp AS4_PATH merge follows RFC 6793 4.2.3", "[bgp]") {
  SECTION("AS4_PATH replaces the tail of AS_PATH") {
    const AsPath as_path = Seq({65001, kAsTrans, kAsTrans, 65004});
    const AsPath as4 = Seq({4200000002u, 4200000003u, 65004});
    CHECK(MergeAs4Path(as_path, as4).ToString() == "65001 4200000002 4200000003 65004");
  }
  SECTION("a longer AS4_PATH is ignored") {
    const AsPath as_path = Seq({65001, kAsTrans});
    CHECK(MergeAs4Path(as_path, Seq({1, 2, 3})) == as_path);
  }
  SECTION("sets count as one") {
    const AsPath as_path{
        {{AsSegmentType::kSequence, {65001, kAsTrans}}, {AsSegmentType::kSet, {kAsTrans, 65005}}}};
    const AsPath as4{
        {{AsSegmentType::kSequence, {4200000002u}}, {AsSegmentType::kSet, {4200000005u, 65005}}}};
    CHECK(MergeAs4Path(as_path, as4).ToString() == "65001 4200000002 {4200000005,65005}");
  }
  SECTION("leading confederation segments are kept") {
    const AsPath as_path{
        {{AsSegmentType::kConfedSequence, {65100}}, {AsSegmentType::kSequence, {kAsTrans}}}};
    CHECK(MergeAs4Path(as_path, Seq({4200000001u})).ToString() == "(65100) 4200000001");
  }
  SECTION("confederation segments are removed from AS4_PATH") {
    const AsPath as4{{{AsSegmentType::kConfedSet, {1}}, {AsSegmentType::kSequence, {2}}}};
    CHECK(WithoutConfedSegments(as4) == Seq({2}));
  }
}

TEST_CASE("bgp AS_PATH decode rejects what RFC 7606 7.2 calls malformed", "[bgp]") {
  CHECK(DecodeAsPath(Hex(""), 4));  // empty AS_PATH is valid (iBGP)
  CHECK_FALSE(DecodeAsPath(Hex("00 01 0000fde9"), 4));
  CHECK_FALSE(DecodeAsPath(Hex("05 01 0000fde9"), 4));
  CHECK_FALSE(DecodeAsPath(Hex("02 00"), 4));
  CHECK_FALSE(DecodeAsPath(Hex("02 01 0000fd"), 4));
  CHECK_FALSE(DecodeAsPath(Hex("02 01 0000fde9 02"), 4));
  CHECK_FALSE(DecodeAsPath(Hex("02 02 0000fde9 00000000"), 4));  // RFC 7607
  CHECK(DecodeAsPath(Hex("02 01 fde9"), 2)->ToString() == "65001");
}

}  // namespace
}  // namespace kr::bgp
