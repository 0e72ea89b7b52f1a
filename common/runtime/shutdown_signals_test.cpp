// Signals reach the whole process, so these tests run in their own binary, one at a time.
#include "common/runtime/shutdown_signals.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <thread>

#include "common/runtime/child_signals.h"

namespace kr {
namespace {

using namespace std::chrono_literals;

bool BlockedInThisThread(int signo) {
  sigset_t current;
  pthread_sigmask(SIG_BLOCK, nullptr, &current);
  return sigismember(&current, signo) == 1;
}

TEST_CASE("runtime_signals SIGTERM requests stop; later threads block it; SIGPIPE ignored") {
  ShutdownSignals signals;
  CHECK_FALSE(signals.stop_requested());
  bool blocked_in_new_thread = false;
  std::thread([&] {
    blocked_in_new_thread = BlockedInThisThread(SIGTERM) && BlockedInThisThread(SIGINT);
  }).join();
  CHECK(blocked_in_new_thread);
  struct sigaction pipe_action = {};
  sigaction(SIGPIPE, nullptr, &pipe_action);
  CHECK(pipe_action.sa_handler == SIG_IGN);

  REQUIRE(kill(getpid(), SIGTERM) == 0);
  CHECK(signals.token().WaitFor(30s));
  CHECK(signals.stop_signal() == SIGTERM);
}

// Exit status of `sh -c script`, spawned with or without the signal reset.
int SpawnShell(const char* script, bool reset) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (reset) REQUIRE(ResetSignalsForSpawn(attr) == 0);
  const char* argv[] = {"sh", "-c", script, nullptr};
  pid_t pid = -1;
  const int err = posix_spawnp(&pid, "sh", nullptr, &attr, const_cast<char**>(argv), environ);
  posix_spawnattr_destroy(&attr);
  REQUIRE(err == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

TEST_CASE("runtime_signals children get default SIGTERM and SIGPIPE back") {
  ShutdownSignals signals;
  // Inherited as is, the child cannot be terminated and ignores broken pipes.
  const int inherited = SpawnShell("kill -TERM $$; exit 3", false);
  CHECK(WIFEXITED(inherited));
  for (const int signo : {SIGTERM, SIGPIPE, SIGINT}) {
    const std::string script = "kill -" + std::to_string(signo) + " $$; exit 3";
    const int status = SpawnShell(script.c_str(), true);
    INFO("signal " << signo);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == signo);
  }
}

TEST_CASE("runtime_signals RequestStop stops without a signal") {
  ShutdownSignals signals;
  const StopToken token = signals.token();
  signals.RequestStop();
  CHECK(token.WaitFor(30s));
  CHECK(signals.stop_signal() == 0);
}

TEST_CASE("runtime_signals only one instance at a time") {
  ShutdownSignals signals;
  CHECK_THROWS_AS(ShutdownSignals(), std::logic_error);
}

TEST_CASE("runtime_signals refuses a thread started before it") {
  // In a child process, so the thread that lacks the block cannot disturb the other tests.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
    StopSource release;
    std::promise<void> running;
    std::thread early([&running, token = release.token()] {
      running.set_value();  // glibc starts a thread with all signals blocked until here
      token.Wait();
    });
    running.get_future().wait();
    int status = 1;
    try {
      ShutdownSignals signals;
    } catch (const std::logic_error&) {
      status = 0;
    }
    release.RequestStop();
    early.join();
    _exit(status);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("runtime_signals a second signal ends the process at once") {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ShutdownSignals signals;
    kill(getpid(), SIGINT);
    signals.token().Wait();
    kill(getpid(), SIGTERM);
    std::this_thread::sleep_for(60s);  // the waiter thread exits the process before this ends
    _exit(1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGTERM);
}

}  // namespace
}  // namespace kr
