#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "common/flags/flag_set.h"

namespace kr::flags {
namespace {

using Strings = std::vector<std::string>;

struct Demo {
  bool bool_on = true;
  bool bool_off = false;
  uint16_t health_port = 20244;
  std::string kubeconfig;
  std::string metrics_addr = "127.0.0.1";
  std::string metrics_path = "/metrics";
  Strings peers{"a", "b,c"};
  std::vector<uint32_t> ports;
  std::chrono::nanoseconds sync = std::chrono::minutes(5);
  int v = 0;
  FlagSet fs{"kr-demo", "demo daemon", "0.0.1"};

  Demo() {
    fs.Bool("bool-on", &bool_on, "On by default.");
    fs.Bool("bool-off", &bool_off, "Off by default.");
    fs.Uint16("health-port", &health_port, "Health check port, 0 = Disabled.");
    fs.String("kubeconfig", &kubeconfig, "Path to the kubeconfig `file`.");
    fs.Ip("metrics-addr", &metrics_addr, "Metrics address.");
    fs.String("metrics-path", &metrics_path, "Metrics path.");
    fs.StringSlice("peers", &peers, "Peers.");
    fs.UintSlice("ports", &ports, "Ports.");
    fs.Duration("sync", &sync, "Delay between syncs.\nMust be greater than 0.");
    fs.Int("v", &v, "Log level.").Shorthand('v');
  }
};

TEST_CASE("flags_usage: pflag layout, sorted, with types and non-zero defaults", "[flags]") {
  Demo d;
  // The usage column is three spaces after the longest left part ("--metrics-path string").
  const std::string want =
      "kr-demo: demo daemon\n"
      "\n"
      "Usage:\n"
      "  kr-demo [flags]\n"
      "\n"
      "Flags:\n"
      "      --bool-off              Off by default.\n"
      "      --bool-on               On by default. (default true)\n"
      "      --health-port uint16    Health check port, 0 = Disabled. (default 20244)\n"
      "  -h, --help                  Print usage information.\n"
      "      --kubeconfig file       Path to the kubeconfig file.\n"
      "      --metrics-addr ip       Metrics address. (default 127.0.0.1)\n"
      "      --metrics-path string   Metrics path. (default \"/metrics\")\n"
      "      --peers strings         Peers. (default [a,\"b,c\"])\n"
      "      --ports uints           Ports.\n"
      "      --sync duration         Delay between syncs.\n"
      "                              Must be greater than 0. (default 5m0s)\n"
      "  -v, --v int                 Log level.\n"
      "  -V, --version               Print version information.\n";
  CHECK(d.fs.Usage() == want);
}

TEST_CASE("flags_usage: defaults are the values at declaration, not after parsing", "[flags]") {
  Demo d;
  REQUIRE(d.fs.Parse(Strings{"--health-port=1", "--sync=1s", "--peers=x"}).ok());
  const std::string usage = d.fs.Usage();
  CHECK_THAT(usage, Catch::Contains("(default 20244)"));
  CHECK_THAT(usage, Catch::Contains("(default 5m0s)"));
  CHECK_THAT(usage, Catch::Contains("(default [a,\"b,c\"])"));
}

// Runs ParseOrExit in a child process; returns its exit status, stdout and stderr.
struct ExitOutcome {
  int status = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

ExitOutcome RunParseOrExit(const Strings& args) {
  int out_pipe[2];
  int err_pipe[2];
  REQUIRE(::pipe(out_pipe) == 0);
  REQUIRE(::pipe(err_pipe) == 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    Demo d;
    std::vector<const char*> argv{"kr-demo"};
    for (const auto& a : args) argv.push_back(a.c_str());
    const Strings positional = d.fs.ParseOrExit(static_cast<int>(argv.size()), argv.data());
    std::printf("ran v=%d positional=%zu\n", d.v, positional.size());
    std::fflush(stdout);
    ::_exit(0);  // skip the test framework's exit handlers
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ExitOutcome outcome;
  outcome.out = ReadAll(out_pipe[0]);  // small outputs: fits the pipe, no deadlock on stderr
  outcome.err = ReadAll(err_pipe[0]);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  outcome.status = WEXITSTATUS(status);
  return outcome;
}

TEST_CASE("flags_exit: ParseOrExit prints help, version and errors and exits", "[flags]") {
  const auto help = RunParseOrExit({"--help"});
  CHECK(help.status == 0);
  CHECK(help.out == Demo().fs.Usage());
  CHECK(help.err.empty());

  const auto version = RunParseOrExit({"-V"});
  CHECK(version.status == 0);
  CHECK(version.out == "kr-demo version 0.0.1\n");

  const auto error = RunParseOrExit({"--health-port=abc"});
  CHECK(error.status == 2);
  CHECK(error.out.empty());
  CHECK(error.err ==
        "kr-demo: invalid argument \"abc\" for \"--health-port\" flag: not a number\n"
        "Run 'kr-demo --help' for usage.\n");

  const auto run = RunParseOrExit({"-v", "2", "x"});
  CHECK(run.status == 0);
  CHECK(run.out == "ran v=2 positional=1\n");
}

}  // namespace
}  // namespace kr::flags
