#include "common/metrics/process_collector.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/metrics/proc_files.h"
#include "common/metrics/registry.h"
#include "common/metrics/testing/exposition_parser.h"

namespace kr::metrics {
namespace {

using testing::ExpositionParser;

// A comm with spaces and a ')' inside, as a process may name itself.
constexpr const char* kStat =
    "4242 (kr (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 9 0 "
    "123456 100000000 5000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST_CASE("metrics /proc parsers read the fields the collector needs") {
  Expected<ProcStat> stat = ParseProcPidStat(kStat);
  REQUIRE(stat.ok());
  CHECK(stat->utime_ticks == 250);
  CHECK(stat->stime_ticks == 150);
  CHECK(stat->start_time_ticks == 123456);

  Expected<ProcStatm> statm = ParseProcStatm("2500 300 100 10 0 200 0\n");
  REQUIRE(statm.ok());
  CHECK(statm->size_pages == 2500);
  CHECK(statm->resident_pages == 300);

  Expected<uint64_t> boot = ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n");
  REQUIRE(boot.ok());
  CHECK(*boot == 1700000000u);
}

TEST_CASE("metrics /proc parsers return errors for malformed text") {
  CHECK_FALSE(ParseProcPidStat("4242 no parenthesis S 1").ok());
  CHECK_FALSE(ParseProcPidStat("4242 (short) S 1 2 3\n").ok());
  CHECK_FALSE(ParseProcStatm("12\n").ok());
  CHECK_FALSE(ParseProcStatm("a b\n").ok());
  CHECK_FALSE(ParseBootTime("cpu 1 2 3\n").ok());
  Expected<std::string> missing = ReadSmallFile("/nonexistent-kr-metrics/file");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ENOENT);
  CHECK(missing.error().message.find("/nonexistent-kr-metrics/file") != std::string::npos);
}

// A temporary fake /proc, removed again however the test ends.
class FakeProc {
 public:
  FakeProc() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kr-metrics-proc-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    root_ = pattern;
    std::filesystem::create_directories(root_ / "self" / "fd");
  }
  ~FakeProc() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  void Write(const std::string& relative, const std::string& content) {
    std::ofstream(root_ / relative) << content;
  }
  std::string root() const { return root_.string(); }

 private:
  std::filesystem::path root_;
};

TEST_CASE("metrics process collector computes the process_* values from /proc") {
  FakeProc proc;
  proc.Write("self/stat", kStat);
  proc.Write("self/statm", "2500 300 100 10 0 200 0\n");
  proc.Write("stat", "cpu 1 2 3\nbtime 1700000000\n");
  for (const char* fd : {"0", "1", "2"}) proc.Write(std::string("self/fd/") + fd, "");

  Registry registry;
  auto collector = std::make_shared<ProcessCollector>(proc.root());
  registry.AddCollector(collector);
  const auto families = ExpositionParser::ParseByName(registry.Expose());
  CHECK(collector->LastError().empty());

  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  CHECK(families.at("process_cpu_seconds_total").type == "counter");
  CHECK(families.at("process_cpu_seconds_total").samples.at(0).value == Approx(400 / ticks));
  CHECK(families.at("process_start_time_seconds").samples.at(0).value ==
        Approx(1700000000 + 123456 / ticks));
  CHECK(families.at("process_resident_memory_bytes").samples.at(0).value == 300 * page);
  CHECK(families.at("process_virtual_memory_bytes").samples.at(0).value == 2500 * page);
  CHECK(families.at("process_open_fds").samples.at(0).value == 3);
  CHECK(families.at("process_max_fds").samples.at(0).value > 0);
}

TEST_CASE("metrics process collector leaves out what it cannot read and says why") {
  FakeProc proc;
  proc.Write("self/stat", kStat);
  proc.Write("stat", "cpu 1 2 3\nbtime 1700000000\n");
  // no statm
  auto collector = std::make_shared<ProcessCollector>(proc.root());
  std::vector<FamilySnapshot> out;
  collector->Collect(out);
  bool has_resident = false, has_cpu = false;
  for (const auto& family : out) {
    has_resident |= family.name == "process_resident_memory_bytes";
    has_cpu |= family.name == "process_cpu_seconds_total";
  }
  CHECK_FALSE(has_resident);
  CHECK(has_cpu);
  CHECK(collector->LastError().find("statm") != std::string::npos);
}

TEST_CASE("metrics process collector on this process's real /proc") {
  Registry registry;
  auto collector = std::make_shared<ProcessCollector>();
  registry.AddCollector(collector);
  const auto families = ExpositionParser::ParseByName(registry.Expose());
  INFO(collector->LastError());
  CHECK(collector->LastError().empty());
  CHECK(families.at("process_resident_memory_bytes").samples.at(0).value > 1e5);
  CHECK(families.at("process_open_fds").samples.at(0).value >= 3);
  // This test binary started moments ago (btime has whole-second resolution).
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = families.at("process_start_time_seconds").samples.at(0).value;
  CHECK(started <= now + 2);
  CHECK(started > now - 600);
}

}  // namespace
}  // namespace kr::metrics
