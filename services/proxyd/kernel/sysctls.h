// The sysctls kube-router's proxy sets for IPVS, behind a small seam so unit tests need no
// /proc/sys:
//   net/ipv4/vs/conntrack=1                  keep conntrack entries for IPVS (SNAT, iptables)
//   net/ipv4/vs/expire_nodest_conn=1         drop connections whose destination was removed
//   net/ipv4/vs/expire_quiescent_template=1  persistence templates die with weight 0
//   net/ipv4/conf/all/arp_ignore=1           answer ARP only for addresses on the interface
//   net/ipv4/conf/all/arp_announce=2         ...and never announce the VIPs on kube-dummy-if
//   net/ipv4/ip_forward=1
// and with IPv6 (--enable-ipv6): net/ipv6/conf/all/disable_ipv6=0, net/ipv6/conf/all/forwarding=1.
// There are no IPv6 copies of the vs/ settings (they cover both families) nor of arp_*.
// IPv6 forwarding is not set without the flag: on a node that takes its IPv6 default route
// from router advertisements, forwarding=1 stops accepting them (accept_ra=1).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::proxyd {

class SysctlWriter {
 public:
  virtual ~SysctlWriter() = default;
  // `name` is the path below /proc/sys, e.g. "net/ipv4/vs/conntrack".
  virtual Status Write(const std::string& name, const std::string& value) = 0;
};

// Writes /proc/sys/<name> (of the calling thread's network namespace).
class ProcSysctlWriter final : public SysctlWriter {
 public:
  explicit ProcSysctlWriter(std::string root = "/proc/sys") : root_(std::move(root)) {}
  Status Write(const std::string& name, const std::string& value) override;

 private:
  std::string root_;
};

// Records writes for unit tests; names in `fail` answer with EACCES.
class FakeSysctlWriter final : public SysctlWriter {
 public:
  Status Write(const std::string& name, const std::string& value) override;
  std::map<std::string, std::string> values;
  std::vector<std::string> fail;
};

struct SysctlSetting {
  std::string name;
  std::string value;
};

// The settings above; the IPv6 ones only with `ipv6`.
std::vector<SysctlSetting> IpvsSysctls(bool ipv6);

// Writes every setting (or, with dry_run, logs it); a failure is logged and the rest are still
// written. Returns the first failure.
Status ApplySysctls(SysctlWriter& writer, const std::vector<SysctlSetting>& settings, bool dry_run);

}  // namespace kr::proxyd
