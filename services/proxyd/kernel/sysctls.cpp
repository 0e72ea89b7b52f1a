#include "services/proxyd/kernel/sysctls.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log/log.h"

namespace kr::proxyd {

Status ProcSysctlWriter::Write(const std::string& name, const std::string& value) {
  const std::string path = root_ + "/" + name;
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error{errno, "open " + path + ": " + std::strerror(errno)};
  const std::string line = value + "\n";
  ssize_t written = write(fd, line.data(), line.size());
  int saved = errno;
  close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    return Error{saved, "write " + path + ": " + std::strerror(saved)};
  }
  return Status::Ok();
}

Status FakeSysctlWriter::Write(const std::string& name, const std::string& value) {
  if (std::find(fail.begin(), fail.end(), name) != fail.end()) {
    return Error{EACCES, "write " + name + ": permission denied"};
  }
  values[name] = value;
  return Status::Ok();
}

std::vector<SysctlSetting> IpvsSysctls(bool ipv6) {
  std::vector<SysctlSetting> settings = {
      {"net/ipv4/vs/conntrack", "1"},
      {"net/ipv4/vs/expire_nodest_conn", "1"},
      {"net/ipv4/vs/expire_quiescent_template", "1"},
      {"net/ipv4/conf/all/arp_ignore", "1"},
      {"net/ipv4/conf/all/arp_announce", "2"},
      {"net/ipv4/ip_forward", "1"},
  };
  if (ipv6) {
    // kube-router's --enable-ipv6 turns IPv6 on; forwarding is ip_forward's IPv6 side. The vs/
    // settings above live under ipv4/ but govern IPVS services of both families.
    settings.push_back({"net/ipv6/conf/all/disable_ipv6", "0"});
    settings.push_back({"net/ipv6/conf/all/forwarding", "1"});
  }
  return settings;
}

Status ApplySysctls(SysctlWriter& writer, const std::vector<SysctlSetting>& settings,
                    bool dry_run) {
  Status first_failure;
  for (const auto& setting : settings) {
    if (dry_run) {
      KR_LOG(INFO) << "dry-run: would set " << setting.name << "=" << setting.value;
      continue;
    }
    Status written = writer.Write(setting.name, setting.value);
    if (written) continue;
    KR_LOG(ERROR) << "sysctl " << setting.name << "=" << setting.value << ": "
                  << written.error().message;
    if (first_failure) first_failure = written;
  }
  return first_failure;
}

}  // namespace kr::proxyd
