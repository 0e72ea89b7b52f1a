#include "tools/kr-sandbox/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

extern char** environ;

namespace kr::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

int ExitStatus(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Spawns argv with the given fds as stdin/stdout/stderr (-1: /dev/null for stdin, inherit for
// the others). posix_spawnp searches PATH.
Expected<pid_t> Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                      int in_fd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  // The child must not inherit our blocked SIGTERM/SIGINT (ShutdownSignals blocks them).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all_default;
  sigemptyset(&none);
  sigemptyset(&all_default);
  sigaddset(&all_default, SIGTERM);
  sigaddset(&all_default, SIGINT);
  sigaddset(&all_default, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all_default);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  auto args = CStrings(argv);
  auto envp = CStrings(env);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(),
                              env.empty() ? environ : envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Error::FromErrno(rc, "starting " + argv[0]);
  return pid;
}

}  // namespace

Expected<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                   const std::vector<std::string>& env, const std::string& input,
                                   std::chrono::milliseconds timeout) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) return Error::FromErrno(errno, "pipe");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    return Error::FromErrno(errno, "pipe");
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    return Error::FromErrno(errno, "pipe");
  }
  auto pid = Spawn(argv, env, in[0], out[1], err[1]);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (!pid) {
    close(in[1]), close(out[0]), close(err[0]);
    return pid.error();
  }

  // Inputs are small (a CNI config): written at once, below the pipe's buffer size, or the
  // child reads it while we wait below.
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  int in_fd = in[1];
  ProcessResult result;
  int fds[2] = {out[0], err[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  while (fds[0] >= 0 || fds[1] >= 0 || in_fd >= 0) {
    if (in_fd >= 0) {
      while (written < input.size()) {
        ssize_t n = write(in_fd, input.data() + written, input.size() - written);
        if (n <= 0) break;
        written += static_cast<size_t>(n);
      }
      if (written == input.size()) CloseFd(in_fd);
    }
    pollfd polls[3];
    int count = 0;
    for (int fd : fds) {
      if (fd >= 0) polls[count++] = {fd, POLLIN, 0};
    }
    if (in_fd >= 0) polls[count++] = {in_fd, POLLOUT, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (poll(polls, count, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0) continue;
      char buffer[4096];
      const ssize_t n = read(fds[i], buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        CloseFd(fds[i]);
      }
    }
    if (fds[0] < 0 && fds[1] < 0 && in_fd >= 0) CloseFd(in_fd);  // it will not read any more
  }
  CloseFd(in_fd);
  CloseFd(fds[0]);
  CloseFd(fds[1]);
  if (timed_out) kill(*pid, SIGKILL);
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Error{ETIMEDOUT,
                 argv[0] + " did not finish within " + std::to_string(timeout.count()) + " ms"};
  }
  result.exit_status = ExitStatus(status);
  return result;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), stdout_fd_(std::exchange(other.stdout_fd_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = std::exchange(other.pid_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  Stop();
}

Expected<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Error::FromErrno(errno, "pipe");
  auto pid = Spawn(argv, {}, -1, out[1], -1);
  close(out[1]);
  if (!pid) {
    close(out[0]);
    return pid.error();
  }
  ChildProcess child;
  child.pid_ = *pid;
  child.stdout_fd_ = out[0];
  return child;
}

Expected<std::string> ChildProcess::ReadLine(std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Error{ETIMEDOUT, "no line from the child within the timeout"};
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR)
      return Error::FromErrno(errno, "poll");
    char c;
    const ssize_t n = read(stdout_fd_, &c, 1);
    if (n == 0) return Error{EPIPE, "the child closed its output before a line: " + line};
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Error::FromErrno(errno, "read");
    }
    if (c == '\n') return line;
    line += c;
  }
}

void ChildProcess::Stop(std::chrono::milliseconds grace) {
  CloseFd(stdout_fd_);
  if (pid_ < 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + grace;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || (done < 0 && errno != EINTR)) break;
    if (Clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    usleep(10'000);  // polling the child's exit; waitpid has no timeout
  }
  pid_ = -1;
}

}  // namespace kr::sandbox
