#include "common/log/log.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log/line_format.h"

namespace kr::log {
namespace {

// Captures every line while alive; restores the previous sink and verbosity after.
class CapturedLines {
 public:
  CapturedLines() : previous_verbosity_(Verbosity()) {
    previous_sink_ = SetSink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  ~CapturedLines() {
    SetSink(std::move(previous_sink_));
    SetVerbosity(previous_verbosity_);
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  int previous_verbosity_;
  Sink previous_sink_;
  std::vector<std::string> lines_;  // written only under the log mutex (inside the sink)
};

const std::regex kLineRe(
    R"(^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6} [ \d]{6}\d+ [^ /:]+:\d+\] .*\n$)");

int evaluations = 0;
int CountedValue() {
  return ++evaluations;
}

TEST_CASE("log_format: a fixed time gives klog's exact layout in UTC", "[log]") {
  // 2026-11-22 18:24:37.000042 UTC
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1795371877)) +
                 std::chrono::microseconds(42);
  CHECK(FormatLine(Severity::kInfo, t, 4321, "/work/main/common/bus/publisher.cpp", 87,
                   "synced 3") == "I1122 18:24:37.000042    4321 publisher.cpp:87] synced 3\n");
  CHECK(FormatLine(Severity::kWarning, t, 12345678, "x.cpp", 1, "") ==
        "W1122 18:24:37.000042 12345678 x.cpp:1] \n");
  CHECK(FormatLine(Severity::kError, t, 1, "e.cpp", 2, "m").substr(0, 1) == "E");
  CHECK(FormatLine(Severity::kFatal, t, 1, "f.cpp", 3, "m").substr(0, 1) == "F");
}

TEST_CASE("log_format: emitted lines match the klog pattern and carry file and line", "[log]") {
  CapturedLines captured;
  const int line = __LINE__ + 1;
  KR_LOG(INFO) << "synced " << 3 << " services";
  KR_LOG(WARNING) << "w";
  KR_LOG(ERROR) << "e";
  REQUIRE(captured.lines().size() == 3);
  for (const auto& l : captured.lines()) CHECK(std::regex_match(l, kLineRe));
  CHECK(captured.lines()[0][0] == 'I');
  CHECK(captured.lines()[1][0] == 'W');
  CHECK(captured.lines()[2][0] == 'E');
  const std::string suffix = "log_test.cpp:" + std::to_string(line) + "] synced 3 services\n";
  CHECK(captured.lines()[0].ends_with(suffix));
  const std::string tid = std::to_string(::gettid());
  CHECK(captured.lines()[0].find(" " + tid + " ") != std::string::npos);
}

TEST_CASE("log_verbosity: VLOG writes only up to the verbosity and skips its arguments", "[log]") {
  CapturedLines captured;
  SetVerbosity(1);
  CHECK(Verbosity() == 1);
  evaluations = 0;
  KR_VLOG(2) << "hidden " << CountedValue();
  CHECK(evaluations == 0);
  CHECK(captured.lines().empty());
  CHECK_FALSE(KR_VLOG_IS_ON(2));

  KR_VLOG(1) << "shown " << CountedValue();
  KR_VLOG(0) << "shown " << CountedValue();
  CHECK(evaluations == 2);
  REQUIRE(captured.lines().size() == 2);
  CHECK(captured.lines()[0].ends_with("] shown 1\n"));
  CHECK(captured.lines()[0][0] == 'I');

  SetVerbosity(2);
  KR_VLOG(2) << "now " << CountedValue();
  CHECK(evaluations == 3);
  CHECK(captured.lines().size() == 3);
}

TEST_CASE("log_verbosity: VLOG in an unbraced if/else binds as written", "[log]") {
  CapturedLines captured;
  SetVerbosity(0);
  bool else_taken = false;
  if (captured.lines().empty())
    KR_VLOG(5) << "never";
  else
    else_taken = true;
  CHECK_FALSE(else_taken);
  CHECK(captured.lines().empty());
}

TEST_CASE("log_threads: N threads x M lines give exactly N*M whole lines", "[log]") {
  // A real fd sink (memfd) so the test covers the write path, not only the mutex.
  const int fd = ::memfd_create("log_threads", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  Sink previous = SetSink(FdSink(fd));
  constexpr int kThreads = 8;
  constexpr int kLines = 2000;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) {
          KR_LOG(INFO) << "thread " << t << " line " << i << " padding-padding-padding-padding";
        }
      });
    }
  }
  SetSink(std::move(previous));

  const off_t size = ::lseek(fd, 0, SEEK_END);
  std::string all(static_cast<size_t>(size), '\0');
  REQUIRE(::pread(fd, all.data(), all.size(), 0) == size);
  ::close(fd);

  std::set<std::pair<int, int>> seen;
  size_t start = 0;
  int count = 0;
  const std::regex body(R"(.*\] thread (\d+) line (\d+) padding-padding-padding-padding\n$)");
  while (start < all.size()) {
    const size_t end = all.find('\n', start);
    REQUIRE(end != std::string::npos);
    const std::string line = all.substr(start, end - start + 1);
    start = end + 1;
    ++count;
    REQUIRE(std::regex_match(line, kLineRe));
    std::smatch m;
    REQUIRE(std::regex_match(line, m, body));
    seen.emplace(std::stoi(m[1]), std::stoi(m[2]));
  }
  CHECK(count == kThreads * kLines);
  CHECK(seen.size() == static_cast<size_t>(kThreads * kLines));
}

TEST_CASE("log_fatal: FATAL and a failed CHECK write their line, then abort", "[log]") {
  for (const bool use_check : {false, true}) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const rlimit no_core{0, 0};
      ::setrlimit(RLIMIT_CORE, &no_core);  // an expected abort must not leave a core file
      std::signal(SIGABRT, SIG_DFL);       // Catch2's handler would report it as a failure
      ::close(pipe_fds[0]);
      SetSink(FdSink(pipe_fds[1]));
      const int x = 1;
      if (use_check) {
        KR_CHECK(x == 2) << "x is " << x;
      } else {
        KR_LOG(FATAL) << "broken invariant " << x;
      }
      ::_exit(0);  // not reached when abort works
    }
    ::close(pipe_fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGABRT);
    REQUIRE(std::regex_match(out, kLineRe));
    CHECK(out[0] == 'F');
    if (use_check) {
      CHECK(out.ends_with("] Check failed: x == 2 x is 1\n"));
    } else {
      CHECK(out.ends_with("] broken invariant 1\n"));
    }
  }
}

TEST_CASE("log_check: a passing CHECK writes nothing and skips its arguments", "[log]") {
  CapturedLines captured;
  evaluations = 0;
  KR_CHECK(1 + 1 == 2) << CountedValue();
  CHECK(evaluations == 0);
  CHECK(captured.lines().empty());
}

}  // namespace
}  // namespace kr::log
