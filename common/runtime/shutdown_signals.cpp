#include "common/runtime/shutdown_signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace kr {
namespace {

std::atomic<bool> g_installed{false};

sigset_t ShutdownSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Blocked-signal mask of one thread, from the SigBlk line of /proc/self/task/<tid>/status.
// Returns all ones when the thread is gone (it cannot receive signals any more).
std::uint64_t BlockedMask(const std::filesystem::path& task) {
  std::ifstream status(task / "status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigBlk:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return ~std::uint64_t{0};
}

// Threads started before us would take SIGINT/SIGTERM with the default action (death).
// Best effort: glibc starts a thread with every signal blocked until its function runs, so a
// thread still being created passes.
void RequireNoUnblockedThreads() {
  const std::uint64_t needed =
      (std::uint64_t{1} << (SIGINT - 1)) | (std::uint64_t{1} << (SIGTERM - 1));
  const std::string self = std::to_string(gettid());
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    if (task.path().filename() == self) continue;
    if ((BlockedMask(task.path()) & needed) != needed) {
      throw std::logic_error(
          "ShutdownSignals must be constructed before any other thread starts; "
          "thread " +
          task.path().filename().string() + " does not block SIGINT/SIGTERM");
    }
  }
}

void ThrowErrno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

ShutdownSignals::ShutdownSignals(Options options) : options_(options) {
  if (g_installed.exchange(true)) {
    throw std::logic_error("only one ShutdownSignals may exist at a time");
  }
  try {
    RequireNoUnblockedThreads();
    const sigset_t set = ShutdownSet();
    if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
      throw std::system_error(err, std::generic_category(), "pthread_sigmask");
    }
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    if (sigaction(SIGPIPE, &ignore, nullptr) != 0) ThrowErrno("sigaction(SIGPIPE)");
    signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
    if (signal_fd_ < 0) ThrowErrno("signalfd");
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) ThrowErrno("eventfd");
    waiter_ = std::thread([this] { WaitForSignals(); });
  } catch (...) {
    if (signal_fd_ >= 0) close(signal_fd_);
    if (wake_fd_ >= 0) close(wake_fd_);
    g_installed = false;
    throw;
  }
}

ShutdownSignals::~ShutdownSignals() {
  const std::uint64_t one = 1;
  // An eventfd write of 1 cannot fail short of a broken invariant; the join below relies on it.
  if (write(wake_fd_, &one, sizeof one) != sizeof one) std::abort();
  waiter_.join();
  close(signal_fd_);
  close(wake_fd_);
  g_installed = false;
}

void ShutdownSignals::WaitForSignals() {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  bool signal_seen = false;
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      std::abort();  // poll on two valid descriptors cannot fail otherwise
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    signalfd_siginfo info;
    if (read(signal_fd_, &info, sizeof info) != sizeof info) continue;
    const int signo = static_cast<int>(info.ssi_signo);
    if (!signal_seen) {
      signal_seen = true;
      // Published before the stop so a thread woken by the stop sees which signal it was.
      stop_signal_ = signo;
      if (!source_.RequestStop()) stop_signal_ = 0;  // RequestStop() was first
    } else if (options_.exit_on_second_signal) {
      std::fprintf(stderr, "second shutdown signal (%d): exiting without cleanup\n", signo);
      std::_Exit(128 + signo);
    }
  }
}

}  // namespace kr
