#include "test/support/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace kr::test {
namespace {

std::string Join(const std::vector<std::string>& argv) {
  std::string joined;
  for (const auto& arg : argv) {
    if (!joined.empty()) joined += ' ';
    joined += arg;
  }
  return joined;
}

std::vector<std::string> Concat(std::vector<std::string> head,
                                const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

[[noreturn]] void ThrowErrno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("RunCommand: empty argv");
  int pipe_fds[2];
  // O_CLOEXEC: commands spawned at the same time by other threads must not hold our pipe.
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) ThrowErrno("pipe2");
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    throw std::system_error(err, std::generic_category(), "spawn " + Join(argv));
  }
  write_end = UniqueFd();  // so the read below ends when the command exits

  CommandResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(read_end.get(), buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) ThrowErrno("waitpid " + Join(argv));
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string RunCommandOrThrow(const std::vector<std::string>& argv) {
  CommandResult result = RunCommand(argv);
  if (!result.ok()) {
    throw std::runtime_error(Join(argv) + " failed (exit " + std::to_string(result.exit_status) +
                             "): " + result.output);
  }
  return std::move(result.output);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

NetNs::NetNs(std::string_view tag) {
  static std::atomic<int> counter{0};
  name_ =
      "krt-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + std::string(tag);
  RunCommandOrThrow({"ip", "netns", "add", name_});
  try {
    LinkUp("lo");
  } catch (...) {
    RunCommand({"ip", "netns", "delete", name_});
    throw;
  }
}

NetNs::~NetNs() {
  try {
    const CommandResult result = RunCommand({"ip", "netns", "delete", name_});
    if (!result.ok()) {
      std::fprintf(stderr, "ip netns delete %s failed: %s\n", name_.c_str(), result.output.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ip netns delete %s failed: %s\n", name_.c_str(), e.what());
  }
}

CommandResult NetNs::Exec(const std::vector<std::string>& argv) const {
  return RunCommand(Concat({"ip", "netns", "exec", name_}, argv));
}

std::string NetNs::ExecOrThrow(const std::vector<std::string>& argv) const {
  return RunCommandOrThrow(Concat({"ip", "netns", "exec", name_}, argv));
}

void NetNs::LinkUp(std::string_view ifname) const {
  RunCommandOrThrow({"ip", "-n", name_, "link", "set", std::string(ifname), "up"});
}

void NetNs::AddAddress(std::string_view ifname, std::string_view cidr) const {
  std::vector<std::string> argv = {
      "ip", "-n", name_, "address", "add", std::string(cidr), "dev", std::string(ifname)};
  if (cidr.find(':') != std::string_view::npos) argv.push_back("nodad");
  RunCommandOrThrow(argv);
}

bool NetNs::Exists(std::string_view name) {
  struct stat st;
  return stat(("/run/netns/" + std::string(name)).c_str(), &st) == 0;
}

void EnterNetNs(const std::string& name) {
  const std::string path = "/run/netns/" + name;
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) ThrowErrno("open " + path);
  if (setns(fd.get(), CLONE_NEWNET) != 0) ThrowErrno("setns " + path);
}

VethPair::VethPair(const NetNs& a, std::string name_a, const NetNs& b, std::string name_b)
    : netns_a_(a.name()), name_a_(std::move(name_a)) {
  RunCommandOrThrow({"ip", "link", "add", name_a_, "netns", a.name(), "type", "veth", "peer",
                     "name", name_b, "netns", b.name()});
  try {
    a.LinkUp(name_a_);
    b.LinkUp(name_b);
  } catch (...) {
    RunCommand({"ip", "-n", a.name(), "link", "delete", name_a_});
    throw;
  }
}

VethPair::~VethPair() {
  if (!NetNs::Exists(netns_a_)) return;  // the namespace took the pair with it
  try {
    const CommandResult result = RunCommand({"ip", "-n", netns_a_, "link", "delete", name_a_});
    // Also gone when the peer's namespace was deleted first.
    if (!result.ok() && result.output.find("Cannot find device") == std::string::npos) {
      std::fprintf(stderr, "deleting veth %s in %s failed: %s\n", name_a_.c_str(), netns_a_.c_str(),
                   result.output.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "deleting veth %s failed: %s\n", name_a_.c_str(), e.what());
  }
}

}  // namespace kr::test
