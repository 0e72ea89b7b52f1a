#include "services/policyd/bridge_netfilter.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

// A stand-in for /proc/sys in a temporary directory, removed with the object.
struct FakeProcSys {
  FakeProcSys() {
    char dir[] = "/tmp/kr-policyd-procsys-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    root = dir;
  }
  ~FakeProcSys() { fs::remove_all(root); }
  // What br_netfilter provides once loaded: both sysctls, off.
  void AddBridgeSysctls() const {
    fs::create_directories(root / "net/bridge");
    std::ofstream(root / "net/bridge/bridge-nf-call-iptables") << "0\n";
    std::ofstream(root / "net/bridge/bridge-nf-call-ip6tables") << "0\n";
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(root / name);
    std::string value;
    std::getline(in, value);
    return value;
  }
  fs::path root;
};

}  // namespace

TEST_CASE("policyd-bridge-netfilter: sets both sysctls when the module is loaded") {
  FakeProcSys sys;
  sys.AddBridgeSysctls();
  int loads = 0;
  kr::policyd::BridgeNetfilterOptions options;
  options.proc_sys = sys.root.string();
  options.load_module = [&](const std::string&) {
    ++loads;
    return kr::Status::Ok();
  };
  REQUIRE(kr::policyd::EnableBridgeNetfilter(options).ok());
  CHECK(loads == 0);
  CHECK(sys.Read("net/bridge/bridge-nf-call-iptables") == "1");
  CHECK(sys.Read("net/bridge/bridge-nf-call-ip6tables") == "1");
}

TEST_CASE("policyd-bridge-netfilter: loads br_netfilter when its sysctls are missing") {
  FakeProcSys sys;
  std::string loaded;
  kr::policyd::BridgeNetfilterOptions options;
  options.proc_sys = sys.root.string();
  options.load_module = [&](const std::string& module) {
    loaded = module;
    sys.AddBridgeSysctls();
    return kr::Status::Ok();
  };
  REQUIRE(kr::policyd::EnableBridgeNetfilter(options).ok());
  CHECK(loaded == "br_netfilter");
  CHECK(sys.Read("net/bridge/bridge-nf-call-iptables") == "1");
  CHECK(sys.Read("net/bridge/bridge-nf-call-ip6tables") == "1");
}

TEST_CASE("policyd-bridge-netfilter: a module that cannot be loaded is an error") {
  FakeProcSys sys;
  kr::policyd::BridgeNetfilterOptions options;
  options.proc_sys = sys.root.string();
  SECTION("modprobe fails") {
    options.load_module = [](const std::string&) {
      return kr::Status(kr::Error{0, "modprobe br_netfilter failed (status 256)"});
    };
    kr::Status enabled = kr::policyd::EnableBridgeNetfilter(options);
    REQUIRE_FALSE(enabled.ok());
    CHECK(enabled.error().message.find("modprobe br_netfilter failed") != std::string::npos);
  }
  SECTION("modprobe succeeds but the sysctls do not appear") {
    options.load_module = [](const std::string&) { return kr::Status::Ok(); };
    REQUIRE_FALSE(kr::policyd::EnableBridgeNetfilter(options).ok());
  }
  CHECK_FALSE(fs::exists(sys.root / "net/bridge"));
}

TEST_CASE("policyd-bridge-netfilter: dry run changes nothing") {
  FakeProcSys sys;
  sys.AddBridgeSysctls();
  kr::policyd::BridgeNetfilterOptions options;
  options.proc_sys = sys.root.string();
  options.dry_run = true;
  REQUIRE(kr::policyd::EnableBridgeNetfilter(options).ok());
  CHECK(sys.Read("net/bridge/bridge-nf-call-iptables") == "0");
}
