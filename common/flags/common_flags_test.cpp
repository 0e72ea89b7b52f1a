#include "common/flags/common_flags.h"

#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>

#include "common/log/log.h"

namespace kr::flags {
namespace {

using Strings = std::vector<std::string>;

// Restores the process-wide log verbosity that -v changes.
struct VerbosityGuard {
  int saved = kr::log::Verbosity();
  ~VerbosityGuard() { kr::log::SetVerbosity(saved); }
};

TEST_CASE("flags_common: defaults, with the daemon's own health port", "[flags]") {
  VerbosityGuard guard;
  kr::log::SetVerbosity(7);
  CommonFlags common;
  common.health_port = 20245;
  FlagSet fs("kr-proxyd", "IPVS service proxy");
  common.Register(fs);
  REQUIRE(fs.Parse(Strings{}).ok());
  CHECK(common.verbosity == 0);
  CHECK(kr::log::Verbosity() == 0);  // -v's default is applied too
  CHECK(common.health_port == 20245);
  CHECK(common.metrics_port == 0);
  CHECK(common.metrics_addr.empty());
  CHECK(common.metrics_path == "/metrics");
  CHECK(common.bus_dir == "/var/run/kr-node");
  CHECK_FALSE(common.cleanup_config);
  CHECK_FALSE(common.dry_run);
}

TEST_CASE("flags_common: -v in every kube-router spelling sets the log verbosity", "[flags]") {
  const std::vector<Strings> spellings = {
      {"-v=3"}, {"-v", "3"}, {"-v3"}, {"--v=3"}, {"--v", "3"},
  };
  for (const auto& args : spellings) {
    INFO("args: " << args.front());
    VerbosityGuard guard;
    kr::log::SetVerbosity(0);
    CommonFlags common;
    FlagSet fs("kr-test", "");
    common.Register(fs);
    REQUIRE(fs.Parse(args).ok());
    CHECK(common.verbosity == 3);
    CHECK(kr::log::Verbosity() == 3);
  }
}

TEST_CASE("flags_common: every common flag parses into its field", "[flags]") {
  VerbosityGuard guard;
  CommonFlags common;
  FlagSet fs("kr-test", "");
  common.Register(fs);
  const auto result =
      fs.Parse(Strings{"--kubeconfig=/etc/kr/kubeconfig", "--master", "https://192.0.2.1:6443",
                       "--hostname-override=node-a", "--cleanup-config", "--health-port=20246",
                       "--metrics-port=9100", "--metrics-addr=2001:db8::5", "--metrics-path=/m",
                       "--bus-dir=/run/kr", "--dry-run"});
  REQUIRE(result.ok());
  CHECK(common.kubeconfig == "/etc/kr/kubeconfig");
  CHECK(common.master == "https://192.0.2.1:6443");
  CHECK(common.hostname_override == "node-a");
  CHECK(common.cleanup_config);
  CHECK(common.health_port == 20246);
  CHECK(common.metrics_port == 9100);
  CHECK(common.metrics_addr == "2001:db8::5");
  CHECK(common.metrics_path == "/m");
  CHECK(common.bus_dir == "/run/kr");
  CHECK(common.dry_run);
}

TEST_CASE("flags_common: bad values fail with the flag's name", "[flags]") {
  struct Case {
    Strings args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"-v=-1"}, "invalid argument \"-1\" for \"-v, --v\" flag: must be 0 or more"},
      {{"-v=abc"}, "invalid argument \"abc\" for \"-v, --v\" flag: not a number"},
      {{"--metrics-addr=192.0.2.256"},
       "invalid argument \"192.0.2.256\" for \"--metrics-addr\" flag: "
       "not an IPv4 or IPv6 address"},
      {{"--health-port=65536"},
       "invalid argument \"65536\" for \"--health-port\" flag: "
       "value out of range for uint16 (0 to 65535)"},
  };
  for (const auto& c : cases) {
    INFO("args: " << c.args.front());
    VerbosityGuard guard;
    CommonFlags common;
    FlagSet fs("kr-test", "");
    common.Register(fs);
    const auto result = fs.Parse(c.args);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message == c.message);
  }
}

TEST_CASE("flags_common: --help lists every common flag with its default", "[flags]") {
  CommonFlags common;
  common.health_port = 20245;
  FlagSet fs("kr-proxyd", "IPVS service proxy");
  common.Register(fs);
  const std::string usage = fs.Usage();
  // Each flag's line: name, type and (when not zero) default on one line.
  const Strings want_lines_containing[] = {
      {"  -v, --v int ", ""},
      {"      --kubeconfig string ", ""},
      {"      --master string ", ""},
      {"      --hostname-override string ", ""},
      {"      --cleanup-config ", ""},
      {"      --health-port uint16 ", "(default 20245)"},
      {"      --metrics-port uint16 ", ""},
      {"      --metrics-addr ip ", ""},
      {"      --metrics-path string ", "(default \"/metrics\")"},
      {"      --bus-dir string ", "(default \"/var/run/kr-node\")"},
      {"      --dry-run ", ""},
      {"  -h, --help ", ""},
      {"  -V, --version ", ""},
  };
  for (const auto& want : want_lines_containing) {
    INFO(want[0]);
    const size_t at = usage.find("\n" + want[0]);
    REQUIRE(at != std::string::npos);
    const std::string line = usage.substr(at + 1, usage.find('\n', at + 1) - at - 1);
    if (!want[1].empty()) {
      CHECK_THAT(line, Catch::EndsWith(want[1]));
    } else {
      CHECK_THAT(line, !Catch::Contains("(default"));
    }
  }
}

TEST_CASE("flags_common: the node name is --hostname-override, else the host name", "[flags]") {
  CommonFlags common;
  std::array<char, 256> host{};
  REQUIRE(gethostname(host.data(), host.size() - 1) == 0);
  CHECK(common.NodeName() == host.data());
  common.hostname_override = "node-a.example";
  CHECK(common.NodeName() == "node-a.example");
}

}  // namespace
}  // namespace kr::flags
