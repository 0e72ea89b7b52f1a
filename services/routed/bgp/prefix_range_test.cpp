#include "services/routed/bgp/prefix_range.h"

#include <catch2/catch.hpp>

namespace kr::bgp {
namespace {

IpPrefix P(const char* text) {
  return *IpPrefix::Parse(text);
}

TEST_CASE("bgp prefix range: exact, le, ge and both", "[bgp]") {
  auto exact = PrefixRange::Parse("192.0.2.0/24");
  REQUIRE(exact);
  CHECK(exact->Matches(P("192.0.2.0/24")));
  CHECK_FALSE(exact->Matches(P("192.0.2.0/25")));
  CHECK_FALSE(exact->Matches(P("192.0.0.0/16")));

  auto le = PrefixRange::Parse("10.0.0.0/8 le 32");
  REQUIRE(le);
  CHECK(le->Matches(P("10.0.0.0/8")));
  CHECK(le->Matches(P("10.1.2.3/32")));
  CHECK_FALSE(le->Matches(P("11.0.0.0/8")));
  CHECK_FALSE(le->Matches(P("0.0.0.0/0")));

  auto ge = PrefixRange::Parse("10.0.0.0/8 ge 24");
  REQUIRE(ge);
  CHECK_FALSE(ge->Matches(P("10.1.0.0/16")));
  CHECK(ge->Matches(P("10.1.2.0/24")));
  CHECK(ge->Matches(P("10.1.2.3/32")));

  auto both = PrefixRange::Parse("2001:db8::/32 ge 48 le 64");
  REQUIRE(both);
  CHECK(both->Matches(P("2001:db8:5::/48")));
  CHECK(both->Matches(P("2001:db8:5:1::/64")));
  CHECK_FALSE(both->Matches(P("2001:db8:5:1::/80")));
  CHECK_FALSE(both->Matches(P("192.0.2.0/24")));
}

TEST_CASE("bgp prefix range: malformed text is refused", "[bgp]") {
  CHECK_FALSE(PrefixRange::Parse(""));
  CHECK_FALSE(PrefixRange::Parse("10.0.0.0/8 le"));
  CHECK_FALSE(PrefixRange::Parse("10.0.0.0/8 le 33"));
  CHECK_FALSE(PrefixRange::Parse("10.0.0.0/8 le 4"));
  CHECK_FALSE(PrefixRange::Parse("10.0.0.0/8 ge 24 le 16"));
  CHECK_FALSE(PrefixRange::Parse("10.0.0.0/8 le 24 ge 16"));
  CHECK_FALSE(PrefixRange::Parse("10.0.0.0/8 eq 24"));
  CHECK_FALSE(PrefixRange::Parse("10.0.0.1/8"));
}

}  // namespace
}  // namespace kr::bgp
