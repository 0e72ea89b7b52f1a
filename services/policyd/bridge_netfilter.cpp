#include "services/policyd/bridge_netfilter.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/log/log.h"

extern char** environ;

namespace kr::policyd {
namespace {

constexpr const char* kModule = "br_netfilter";
constexpr const char* kSysctls[] = {"net/bridge/bridge-nf-call-iptables",
                                    "net/bridge/bridge-nf-call-ip6tables"};

Status WriteSysctl(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error::FromErrno(errno, "open " + path);
  const std::string line = value + "\n";
  const ssize_t written = write(fd, line.data(), line.size());
  const int saved = errno;
  close(fd);
  if (written != static_cast<ssize_t>(line.size())) return Error::FromErrno(saved, "write " + path);
  return Status::Ok();
}

}  // namespace

Status ModprobeModule(const std::string& module) {
  std::vector<char*> argv = {const_cast<char*>("modprobe"), const_cast<char*>(module.c_str()),
                             nullptr};
  pid_t pid = 0;
  if (int err = posix_spawnp(&pid, "modprobe", nullptr, nullptr, argv.data(), environ); err != 0) {
    return Error::FromErrno(err, "modprobe " + module);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error::FromErrno(errno, "waitpid modprobe");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error{0, "modprobe " + module + " failed (status " + std::to_string(status) + ")"};
  }
  return Status::Ok();
}

Status EnableBridgeNetfilter(const BridgeNetfilterOptions& options) {
  const std::string first = options.proc_sys + "/" + kSysctls[0];
  if (access(first.c_str(), F_OK) != 0) {
    if (options.dry_run) {
      KR_LOG(INFO) << "dry-run: would load kernel module " << kModule;
    } else {
      Status loaded = options.load_module(kModule);
      if (!loaded.ok() || access(first.c_str(), F_OK) != 0) {
        const std::string why =
            loaded.ok() ? "it did not provide " + first : loaded.error().message;
        KR_LOG(ERROR) << "kernel module " << kModule << " is not loaded and loading it failed ("
                      << why << "): NetworkPolicy is NOT enforced between pods on the same "
                      << "bridge; load " << kModule << " on the node";
        return Error{ENOENT, "br_netfilter unavailable: " + why};
      }
      KR_LOG(INFO) << "loaded kernel module " << kModule;
    }
  }
  Status first_failure;
  for (const char* name : kSysctls) {
    if (options.dry_run) {
      KR_LOG(INFO) << "dry-run: would set " << name << "=1";
      continue;
    }
    Status written = WriteSysctl(options.proc_sys + "/" + name, "1");
    if (written.ok()) {
      KR_LOG(INFO) << "set " << name << "=1";
      continue;
    }
    KR_LOG(ERROR) << "sysctl " << name << "=1: " << written.error().message
                  << ": NetworkPolicy may not be enforced between pods on the same bridge";
    if (first_failure.ok()) first_failure = written;
  }
  return first_failure;
}

}  // namespace kr::policyd
