// kr-proxyd's flags, with kube-router's names, turned into ProxyOptions.
//
//   ProxydFlags flags;
//   flags.Register(flag_set);            // before ParseOrExit
//   auto options = flags.ToOptions(node_name);  // after: throws std::invalid_argument
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/flags/flag_set.h"
#include "services/proxyd/core/proxy_options.h"

namespace kr::proxyd {

struct ProxydFlags {
  bool nodeport_bindon_all_ip = false;
  bool masquerade_all = false;
  bool hairpin_mode = false;
  bool graceful_termination = false;
  bool enable_ipv6 = false;
  std::string pod_netns_dir = "/run/netns";
  std::chrono::nanoseconds graceful_period = std::chrono::seconds(30);
  std::chrono::nanoseconds sync_period = std::chrono::minutes(5);
  std::vector<std::string> cluster_ip_ranges = {"10.96.0.0/12"};
  std::vector<std::string> excluded_cidrs;
  std::vector<std::string> cluster_cidrs;
  std::string node_port_range = "30000-32767";

  void Register(flags::FlagSet& fs);
  // Throws std::invalid_argument for a bad CIDR or port range (start-up only).
  ProxyOptions ToOptions(const std::string& node_name) const;
};

}  // namespace kr::proxyd
