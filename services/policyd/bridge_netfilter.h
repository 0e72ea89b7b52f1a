// What same-node pod-to-pod NetworkPolicy needs from the kernel: pods of one node share the CNI
// bridge (kube-bridge), so their traffic is switched, not routed, and reaches the iptables
// FORWARD chain only through br_netfilter with net.bridge.bridge-nf-call-iptables=1 (and
// ip6tables). kube-router sets both at start-up; so does kr-policyd. Since Linux 5.3 the
// sysctls are per network namespace: they are written in the daemon's own namespace.
//
// Start-up code only (blocks on modprobe); not thread-safe, call it from main.
#pragma once

#include <functional>
#include <string>

#include "common/base/expected.h"

namespace kr::policyd {

// Loads a kernel module by name (modprobe); the seam unit tests replace.
using ModuleLoader = std::function<Status(const std::string& module)>;

// Runs `modprobe MODULE` and waits for it.
Status ModprobeModule(const std::string& module);

struct BridgeNetfilterOptions {
  std::string proc_sys = "/proc/sys";  // the root the sysctl paths are below
  ModuleLoader load_module = ModprobeModule;
  bool dry_run = false;  // log what would be loaded and written, change nothing
};

// Loads br_netfilter when its sysctls are missing, then sets bridge-nf-call-iptables=1 and
// bridge-nf-call-ip6tables=1. Every failure is logged, saying what stops working; the first is
// returned (the firewall still runs: routed pod-to-pod traffic is filtered either way).
Status EnableBridgeNetfilter(const BridgeNetfilterOptions& options = {});

}  // namespace kr::policyd
