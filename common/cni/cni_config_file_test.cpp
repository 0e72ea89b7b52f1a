#include "common/cni/cni_config_file.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "common/cni/atomic_file.h"
#include "test/support/temp_dir.h"

namespace kr::cni {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// The names in the directory, sorted: what a failed or finished write left behind.
std::vector<std::string> Entries(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A fresh directory, removed with everything in it.
std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Spit(const std::string& path, const std::string& contents) {
  std::ofstream(path) << contents;
}

BridgeConfigSettings Settings() {
  BridgeConfigSettings settings;
  settings.pod_cidrs = {"10.242.3.0/24"};
  return settings;
}

TEST_CASE("a missing file is created; an unchanged config is not rewritten") {
  TempDir dir;
  const std::string path = dir.File("10-kuberouter.conflist");
  auto first = UpdateBridgeConfigFile(path, Settings());
  REQUIRE(first.ok());
  CHECK(*first);
  const Json written = Json::parse(Slurp(path));
  CHECK(written["plugins"][0]["ipam"]["ranges"][0][0]["subnet"] == "10.242.3.0/24");
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  const auto mtime = fs::last_write_time(path);
  auto second = UpdateBridgeConfigFile(path, Settings());
  REQUIRE(second.ok());
  CHECK_FALSE(*second);
  CHECK(fs::last_write_time(path) == mtime);
  CHECK(Entries(dir) == std::vector<std::string>{"10-kuberouter.conflist"});
}

TEST_CASE("an existing file is merged, keeping a foreign portmap entry") {
  TempDir dir;
  const std::string path = dir.File("10-kuberouter.conflist");
  Spit(path, R"({"cniVersion": "0.3.0", "name": "mynet", "plugins": [
      {"type": "bridge", "bridge": "kube-bridge", "ipam": {"type": "host-local"}},
      {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true}]})");
  auto changed = UpdateBridgeConfigFile(path, Settings());
  REQUIRE(changed.ok());
  CHECK(*changed);
  const Json written = Json::parse(Slurp(path));
  CHECK(
      written["plugins"][1] ==
      Json::parse(R"({"type": "portmap", "capabilities": {"portMappings": true}, "snat": true})"));
  CHECK(written["plugins"][0]["ipam"]["ranges"][0][0]["subnet"] == "10.242.3.0/24");
}

TEST_CASE("a file with invalid JSON is an EINVAL error and stays as it is") {
  TempDir dir;
  const std::string path = dir.File("10-kuberouter.conflist");
  const std::string broken = R"({"cniVersion": "0.3.0", "plugins": [ {"type": "bridge",)";
  Spit(path, broken);
  auto result = UpdateBridgeConfigFile(path, Settings());
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == EINVAL);
  CHECK(result.error().message.find(path) != std::string::npos);
  CHECK(result.error().message.find("not valid JSON") != std::string::npos);
  CHECK(Slurp(path) == broken);
}

TEST_CASE("a failing write leaves the old file whole and no temporary file behind") {
  TempDir dir;
  const std::string path = dir.File("config.json");
  Spit(path, "old contents\n");

  // A real mid-file write failure: the file size limit (EFBIG instead of SIGXFSZ).
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 16;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  const Status status = WriteFileAtomically(path, std::string(4096, 'x'));
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);

  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == EFBIG);
  CHECK(Slurp(path) == "old contents\n");
  CHECK(Entries(dir) == std::vector<std::string>{"config.json"});
}

TEST_CASE("a failing rename leaves no temporary file; a missing directory is ENOENT") {
  TempDir dir;
  const std::string path = dir.File("occupied");
  fs::create_directory(path);
  Spit(dir.File("occupied/inside"), "x");
  const Status status = WriteFileAtomically(path, "new");
  REQUIRE_FALSE(status.ok());
  CHECK(Entries(dir) == std::vector<std::string>{"occupied"});

  const Status missing = WriteFileAtomically(dir.File("no/such/dir/file"), "new");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ENOENT);
}

TEST_CASE("a successful write replaces the whole contents") {
  TempDir dir;
  const std::string path = dir.File("config.json");
  Spit(path, std::string(10000, 'o'));
  REQUIRE(WriteFileAtomically(path, "short\n", 0600).ok());
  CHECK(Slurp(path) == "short\n");
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(Entries(dir) == std::vector<std::string>{"config.json"});
}

}  // namespace
}  // namespace kr::cni
