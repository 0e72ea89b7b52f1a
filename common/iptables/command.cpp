#include "common/iptables/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

extern char** environ;

namespace kr::iptables {
namespace {

// Owns a pipe end; closing on scope exit keeps every error path leak-free.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

Expected<CommandResult> RunCommand(const std::vector<std::string>& argv, std::string_view input) {
  if (argv.empty()) return Error{EINVAL, "RunCommand: empty argv"};
  std::array<int, 2> in{}, out{}, err{};
  if (pipe2(in.data(), O_CLOEXEC) != 0) return Error::FromErrno(errno, "pipe2");
  Fd in_read(in[0]), in_write(in[1]);
  if (pipe2(out.data(), O_CLOEXEC) != 0) return Error::FromErrno(errno, "pipe2");
  Fd out_read(out[0]), out_write(out[1]);
  if (pipe2(err.data(), O_CLOEXEC) != 0) return Error::FromErrno(errno, "pipe2");
  Fd err_read(err[0]), err_write(err[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error::FromErrno(rc, "spawn " + argv[0]);
  in_read.Close();
  out_write.Close();
  err_write.Close();

  // A child that dies early must not kill us with SIGPIPE; MSG_NOSIGNAL does not apply to
  // pipes, so the write end is fed through poll and EPIPE is tolerated.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &old);

  CommandResult result;
  std::size_t written = 0;
  if (input.empty()) in_write.Close();
  if (in_write.get() >= 0) fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
  std::array<char, 65536> buffer{};
  while (out_read.get() >= 0 || err_read.get() >= 0) {
    std::array<pollfd, 3> fds{
        {{in_write.get(), POLLOUT, 0}, {out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}}};
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::write(in_write.get(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) in_write.Close();  // EPIPE: child gone
      if (written == input.size()) in_write.Close();
    }
    for (int i = 1; i <= 2; ++i) {
      if (fds[static_cast<std::size_t>(i)].revents == 0) continue;
      Fd& fd = i == 1 ? out_read : err_read;
      ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n > 0) {
        (i == 1 ? result.out : result.err).append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.Close();
      }
    }
  }
  in_write.Close();
  // Drain a pending SIGPIPE raised while it was blocked, then restore the mask.
  timespec zero{0, 0};
  while (sigtimedwait(&block, nullptr, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error::FromErrno(errno, "waitpid " + argv[0]);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace kr::iptables
