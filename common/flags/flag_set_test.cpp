#include "common/flags/flag_set.h"

#include <catch2/catch.hpp>
#include <functional>
#include <stdexcept>

namespace kr::flags {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using Strings = std::vector<std::string>;

// One variable of every flag type, with kube-router-like defaults.
struct Config {
  bool run_firewall = true;
  bool masquerade_all = false;
  bool dry = false;
  int count = 3;
  int64_t big = 0;
  uint8_t ttl = 0;
  uint16_t metrics_port = 0;
  uint32_t asn = 0;
  uint64_t huge = 0;
  std::string master;
  nanoseconds sync = minutes(5);
  std::string router_ip;
  Strings passwords{"default-pw"};
  std::vector<uint32_t> ports{179};
  Strings peers;
};

// A FlagSet declaring every type; shorthands: -p metrics-port, -m masquerade-all, -d dry.
struct Fixture {
  Config cfg;
  FlagSet fs{"kr-test", "flag parser under test", "1.2.3"};
  Fixture() {
    fs.Bool("run-firewall", &cfg.run_firewall, "Enables Network Policy.");
    fs.Bool("masquerade-all", &cfg.masquerade_all, "SNAT all traffic.").Shorthand('m');
    fs.Bool("dry", &cfg.dry, "Dry run.").Shorthand('d');
    fs.Int("count", &cfg.count, "A count.");
    fs.Int64("big", &cfg.big, "A 64-bit number.");
    fs.Uint8("peer-router-multihop-ttl", &cfg.ttl, "eBGP multihop TTL.");
    fs.Uint16("metrics-port", &cfg.metrics_port, "Prometheus metrics port.").Shorthand('p');
    fs.Uint32("cluster-asn", &cfg.asn, "ASN of the cluster.");
    fs.Uint64("huge", &cfg.huge, "A large number.");
    fs.String("master", &cfg.master, "API server address.");
    fs.Duration("iptables-sync-period", &cfg.sync, "The delay between syncs.");
    fs.Ip("router-id", &cfg.router_ip, "BGP router id.");
    fs.StringSlice("peer-router-passwords", &cfg.passwords, "Peer passwords.");
    fs.UintSlice("peer-router-ports", &cfg.ports, "Peer ports.");
    fs.IpSlice("peer-router-ips", &cfg.peers, "Peer addresses.");
  }
};

struct SyntaxCase {
  Strings args;
  std::function<void(const Config&)> check;
  Strings positional;
};

TEST_CASE("flags_parse: every accepted syntax sets the bound variable", "[flags]") {
  const std::vector<SyntaxCase> cases = {
      // No arguments: every default stays.
      {{},
       [](const Config& c) {
         CHECK(c.run_firewall);
         CHECK(c.count == 3);
         CHECK(c.sync == minutes(5));
         CHECK(c.ports == std::vector<uint32_t>{179});
       }},
      // --name=value and --name value.
      {{"--metrics-port=8080"}, [](const Config& c) { CHECK(c.metrics_port == 8080); }},
      {{"--metrics-port", "8080"}, [](const Config& c) { CHECK(c.metrics_port == 8080); }},
      {{"--master=https://192.0.2.1:6443"},
       [](const Config& c) { CHECK(c.master == "https://192.0.2.1:6443"); }},
      {{"--master", "x=y"}, [](const Config& c) { CHECK(c.master == "x=y"); }},
      {{"--master="}, [](const Config& c) { CHECK(c.master.empty()); }},
      // pflag takes the next argument as the value even when it starts with '-'.
      {{"--master", "-v"}, [](const Config& c) { CHECK(c.master == "-v"); }},
      {{"--count=-5"}, [](const Config& c) { CHECK(c.count == -5); }},
      {{"--count", "-5"}, [](const Config& c) { CHECK(c.count == -5); }},
      {{"--count=0x10"}, [](const Config& c) { CHECK(c.count == 16); }},
      {{"--big=-9223372036854775808"}, [](const Config& c) { CHECK(c.big == INT64_MIN); }},
      {{"--peer-router-multihop-ttl=255"}, [](const Config& c) { CHECK(c.ttl == 255); }},
      {{"--cluster-asn=4294967295"}, [](const Config& c) { CHECK(c.asn == 4294967295u); }},
      {{"--huge=18446744073709551615"}, [](const Config& c) { CHECK(c.huge == UINT64_MAX); }},
      {{"--metrics-port=65535"}, [](const Config& c) { CHECK(c.metrics_port == 65535); }},
      // Booleans.
      {{"--masquerade-all"}, [](const Config& c) { CHECK(c.masquerade_all); }},
      {{"--run-firewall=false"}, [](const Config& c) { CHECK_FALSE(c.run_firewall); }},
      {{"--run-firewall=true"}, [](const Config& c) { CHECK(c.run_firewall); }},
      {{"--run-firewall=0"}, [](const Config& c) { CHECK_FALSE(c.run_firewall); }},
      {{"--run-firewall=f"}, [](const Config& c) { CHECK_FALSE(c.run_firewall); }},
      {{"--run-firewall=F"}, [](const Config& c) { CHECK_FALSE(c.run_firewall); }},
      {{"--run-firewall=FALSE"}, [](const Config& c) { CHECK_FALSE(c.run_firewall); }},
      {{"--run-firewall=False"}, [](const Config& c) { CHECK_FALSE(c.run_firewall); }},
      {{"--masquerade-all=1"}, [](const Config& c) { CHECK(c.masquerade_all); }},
      {{"--masquerade-all=t"}, [](const Config& c) { CHECK(c.masquerade_all); }},
      {{"--masquerade-all=T"}, [](const Config& c) { CHECK(c.masquerade_all); }},
      {{"--masquerade-all=TRUE"}, [](const Config& c) { CHECK(c.masquerade_all); }},
      {{"--masquerade-all=True"}, [](const Config& c) { CHECK(c.masquerade_all); }},
      // A bool without '=' is true and never takes the next argument.
      {{"--run-firewall", "false"}, [](const Config& c) { CHECK(c.run_firewall); }, {"false"}},
      {{"--masquerade-all", "false"}, [](const Config& c) { CHECK(c.masquerade_all); }, {"false"}},
      // The last of a repeated scalar wins.
      {{"--count=1", "--count=2"}, [](const Config& c) { CHECK(c.count == 2); }},
      // Durations.
      {{"--iptables-sync-period=300ms"},
       [](const Config& c) { CHECK(c.sync == milliseconds(300)); }},
      {{"--iptables-sync-period", "2h22m"},
       [](const Config& c) { CHECK(c.sync == hours(2) + minutes(22)); }},
      {{"--iptables-sync-period=1.5h"}, [](const Config& c) { CHECK(c.sync == minutes(90)); }},
      {{"--iptables-sync-period=0"}, [](const Config& c) { CHECK(c.sync == nanoseconds(0)); }},
      {{"--iptables-sync-period=-5s"}, [](const Config& c) { CHECK(c.sync == -seconds(5)); }},
      // IP addresses, v4 and v6, stored canonically.
      {{"--router-id=192.0.2.10"}, [](const Config& c) { CHECK(c.router_ip == "192.0.2.10"); }},
      {{"--router-id", "2001:DB8::0:10"},
       [](const Config& c) { CHECK(c.router_ip == "2001:db8::10"); }},
      // Slices: comma-separated; the first use replaces the default; repeats append.
      {{"--peer-router-passwords=a,b"},
       [](const Config& c) {
         CHECK(c.passwords == Strings{"a", "b"});
       }},
      {{"--peer-router-passwords=a", "--peer-router-passwords", "b,c"},
       [](const Config& c) {
         CHECK(c.passwords == Strings{"a", "b", "c"});
       }},
      {{R"(--peer-router-passwords="x,y",z)"},
       [](const Config& c) {
         CHECK(c.passwords == Strings{"x,y", "z"});
       }},
      {{"--peer-router-passwords="}, [](const Config& c) { CHECK(c.passwords.empty()); }},
      {{"--peer-router-ports=1790,1791"},
       [](const Config& c) {
         CHECK(c.ports == std::vector<uint32_t>{1790, 1791});
       }},
      {{"--peer-router-ports=1790", "--peer-router-ports=1791"},
       [](const Config& c) {
         CHECK(c.ports == std::vector<uint32_t>{1790, 1791});
       }},
      {{"--peer-router-ips=192.0.2.1,2001:db8::1", "--peer-router-ips", "198.51.100.1"},
       [](const Config& c) {
         CHECK(c.peers == Strings{"192.0.2.1", "2001:db8::1", "198.51.100.1"});
       }},
      // Shorthands.
      {{"-p", "9090"}, [](const Config& c) { CHECK(c.metrics_port == 9090); }},
      {{"-p9090"}, [](const Config& c) { CHECK(c.metrics_port == 9090); }},
      {{"-p=9090"}, [](const Config& c) { CHECK(c.metrics_port == 9090); }},
      {{"-m"}, [](const Config& c) { CHECK(c.masquerade_all); }},
      {{"-m=false"}, [](const Config& c) { CHECK_FALSE(c.masquerade_all); }},
      {{"-md"}, [](const Config& c) { CHECK((c.masquerade_all && c.dry)); }},
      {{"-dp", "7"}, [](const Config& c) { CHECK((c.dry && c.metrics_port == 7)); }},
      {{"-dp7"}, [](const Config& c) { CHECK((c.dry && c.metrics_port == 7)); }},
      // Positional arguments anywhere, "-" is one, "--" ends the flags.
      {{"a", "--count=4", "b"}, [](const Config& c) { CHECK(c.count == 4); }, {"a", "b"}},
      {{"-", "--count=4"}, [](const Config& c) { CHECK(c.count == 4); }, {"-"}},
      {{"--count=4", "--", "--count=5", "-m"},
       [](const Config& c) {
         CHECK(c.count == 4);
         CHECK_FALSE(c.masquerade_all);
       },
       {"--count=5", "-m"}},
  };
  for (const auto& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    INFO("args: " << joined);
    Fixture f;
    const auto result = f.fs.Parse(c.args);
    if (!result.ok()) FAIL(result.error().message);
    CHECK(result->action == ParseResult::Action::kRun);
    CHECK(result->args == c.positional);
    c.check(f.cfg);
  }
}

TEST_CASE("flags_parse: every error names the flag and leaves a clear message", "[flags]") {
  struct ErrorCase {
    Strings args;
    std::string message;
  };
  const std::vector<ErrorCase> cases = {
      {{"--foo"}, "unknown flag: --foo"},
      {{"--foo=bar"}, "unknown flag: --foo"},
      {{"-x"}, "unknown shorthand flag: 'x' in -x"},
      {{"-mx"}, "unknown shorthand flag: 'x' in -mx"},
      {{"---count=1"}, "bad flag syntax: ---count=1"},
      {{"--=1"}, "bad flag syntax: --=1"},
      {{"--metrics-port"}, "flag needs an argument: --metrics-port"},
      {{"--count=1", "--master"}, "flag needs an argument: --master"},
      {{"-p"}, "flag needs an argument: 'p' in -p"},
      {{"--metrics-port=abc"},
       "invalid argument \"abc\" for \"-p, --metrics-port\" flag: "
       "not a number"},
      {{"--metrics-port="},
       "invalid argument \"\" for \"-p, --metrics-port\" flag: "
       "not a number"},
      {{"--metrics-port=65536"},
       "invalid argument \"65536\" for \"-p, --metrics-port\" flag: "
       "value out of range for uint16 (0 to 65535)"},
      {{"--metrics-port=-1"},
       "invalid argument \"-1\" for \"-p, --metrics-port\" flag: "
       "value out of range for uint16 (0 to 65535)"},
      {{"-p", "70000"},
       "invalid argument \"70000\" for \"-p, --metrics-port\" flag: "
       "value out of range for uint16 (0 to 65535)"},
      {{"--peer-router-multihop-ttl=256"},
       "invalid argument \"256\" for \"--peer-router-multihop-ttl\" flag: "
       "value out of range for uint8 (0 to 255)"},
      {{"--cluster-asn=4294967296"},
       "invalid argument \"4294967296\" for \"--cluster-asn\" "
       "flag: value out of range for uint32 (0 to 4294967295)"},
      {{"--count=2147483648"},
       "invalid argument \"2147483648\" for \"--count\" flag: "
       "value out of range for int (-2147483648 to 2147483647)"},
      {{"--count=1.5"}, "invalid argument \"1.5\" for \"--count\" flag: not a number"},
      {{"--run-firewall=yes"},
       "invalid argument \"yes\" for \"--run-firewall\" flag: "
       "not a boolean (use true or false)"},
      {{"--run-firewall="},
       "invalid argument \"\" for \"--run-firewall\" flag: "
       "not a boolean (use true or false)"},
      {{"--iptables-sync-period=5"},
       "invalid argument \"5\" for \"--iptables-sync-period\" flag: "
       "invalid duration \"5\": missing unit (ns, us, ms, s, m, h)"},
      {{"--iptables-sync-period", "1d"},
       "invalid argument \"1d\" for \"--iptables-sync-period\" flag: "
       "invalid duration \"1d\": unknown unit \"d\""},
      {{"--router-id=192.0.2.300"},
       "invalid argument \"192.0.2.300\" for \"--router-id\" "
       "flag: not an IPv4 or IPv6 address"},
      {{"--router-id=192.0.2.0/24"},
       "invalid argument \"192.0.2.0/24\" for \"--router-id\" "
       "flag: not an IPv4 or IPv6 address"},
      {{"--peer-router-ips=192.0.2.1,nope"},
       "invalid argument \"192.0.2.1,nope\" for \"--peer-router-ips\" flag: "
       "element \"nope\": not an IPv4 or IPv6 address"},
      {{"--peer-router-ports=179,x"},
       "invalid argument \"179,x\" for \"--peer-router-ports\" "
       "flag: element \"x\": not a number"},
      {{"--peer-router-passwords=\"open"},
       "invalid argument \"\"open\" for \"--peer-router-passwords\" flag: unterminated quote"},
  };
  for (const auto& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    INFO("args: " << joined);
    Fixture f;
    const auto result = f.fs.Parse(c.args);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message == c.message);
  }
}

TEST_CASE("flags_parse: a failed value leaves the variable at its default", "[flags]") {
  Fixture f;
  REQUIRE_FALSE(f.fs.Parse(Strings{"--metrics-port=99999"}).ok());
  CHECK(f.cfg.metrics_port == 0);
  CHECK_FALSE(f.fs.Changed("metrics-port"));
}

TEST_CASE("flags_parse: Changed reports only flags given on the command line", "[flags]") {
  Fixture f;
  REQUIRE(f.fs.Parse(Strings{"--count=3", "-m"}).ok());
  CHECK(f.fs.Changed("count"));  // set, even to its default value
  CHECK(f.fs.Changed("masquerade-all"));
  CHECK_FALSE(f.fs.Changed("master"));
  CHECK_FALSE(f.fs.Changed("no-such-flag"));
  REQUIRE(f.fs.Lookup("count") != nullptr);
  CHECK(f.fs.Lookup("count")->default_text() == "3");
}

TEST_CASE("flags_parse: help and version stop parsing and are reported", "[flags]") {
  struct Case {
    Strings args;
    ParseResult::Action action;
  };
  const std::vector<Case> cases = {
      {{"--help"}, ParseResult::Action::kShowHelp},
      {{"-h"}, ParseResult::Action::kShowHelp},
      {{"--count=1", "--help", "--bogus"}, ParseResult::Action::kShowHelp},
      {{"--version"}, ParseResult::Action::kShowVersion},
      {{"-V"}, ParseResult::Action::kShowVersion},
      {{"--help=false"}, ParseResult::Action::kRun},
  };
  for (const auto& c : cases) {
    INFO("first arg: " << c.args.front());
    Fixture f;
    const auto result = f.fs.Parse(c.args);
    REQUIRE(result.ok());
    CHECK(result->action == c.action);
  }
  Fixture f;
  CHECK(f.fs.VersionLine() == "kr-test version 1.2.3");
  CHECK_FALSE(f.fs.Parse(Strings{"--bogus", "--help"}).ok());  // errors before help still count
}

TEST_CASE("flags_parse: AfterParse checks run in order and their error is Parse's", "[flags]") {
  Fixture f;
  std::vector<int> order;
  f.fs.AfterParse([&]() -> Status {
    order.push_back(1);
    return {};
  });
  f.fs.AfterParse([&]() -> Status {
    order.push_back(2);
    if (f.cfg.sync <= nanoseconds(0)) return Error{0, "--iptables-sync-period must be > 0"};
    return {};
  });
  const auto bad = f.fs.Parse(Strings{"--iptables-sync-period=0"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "--iptables-sync-period must be > 0");
  CHECK(order == std::vector<int>{1, 2});

  Fixture g;
  bool ran = false;
  g.fs.AfterParse([&]() -> Status {
    ran = true;
    return {};
  });
  REQUIRE(g.fs.Parse(Strings{"--help"}).ok());
  CHECK_FALSE(ran);  // not for --help
  REQUIRE(g.fs.Parse(Strings{}).ok());
}

TEST_CASE("flags_parse: Parse(argc, argv) skips the program name", "[flags]") {
  Fixture f;
  const char* argv[] = {"/usr/bin/kr-test", "--count=9", "pos"};
  const auto result = f.fs.Parse(3, argv);
  REQUIRE(result.ok());
  CHECK(f.cfg.count == 9);
  CHECK(result->args == Strings{"pos"});
}

TEST_CASE("flags_declare: programming errors throw at declaration", "[flags]") {
  Fixture f;
  int x = 0;
  std::string bad_ip = "not-an-ip";
  Strings bad_ips{"192.0.2.1", "nope"};
  CHECK_THROWS_AS(f.fs.Int("count", &x, "again"), std::logic_error);
  CHECK_THROWS_AS(f.fs.Int("help", &x, "taken by the FlagSet"), std::logic_error);
  CHECK_THROWS_AS(f.fs.Int("", &x, "empty"), std::logic_error);
  CHECK_THROWS_AS(f.fs.Int("-x", &x, "dash"), std::logic_error);
  CHECK_THROWS_AS(f.fs.Int("a=b", &x, "equals"), std::logic_error);
  CHECK_THROWS_AS(f.fs.Int("other", &x, "shorthand taken").Shorthand('p'), std::logic_error);
  CHECK_THROWS_AS(f.fs.Int("other2", &x, "bad shorthand").Shorthand('-'), std::logic_error);
  CHECK_THROWS_AS(f.fs.Ip("bad-ip", &bad_ip, "bad default"), std::logic_error);
  CHECK_THROWS_AS(f.fs.IpSlice("bad-ips", &bad_ips, "bad default"), std::logic_error);
}

}  // namespace
}  // namespace kr::flags
