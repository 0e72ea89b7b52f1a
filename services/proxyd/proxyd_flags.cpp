#include "services/proxyd/proxyd_flags.h"

#include <stdexcept>

namespace kr::proxyd {
namespace {

std::vector<Cidr> ParseCidrs(const std::vector<std::string>& texts, const char* flag) {
  std::vector<Cidr> cidrs;
  for (const auto& text : texts) {
    auto cidr = Cidr::Parse(text);
    if (!cidr) {
      throw std::invalid_argument(std::string("--") + flag + ": " + cidr.error().message);
    }
    cidrs.push_back(*cidr);
  }
  return cidrs;
}

}  // namespace

void ProxydFlags::Register(flags::FlagSet& fs) {
  fs.Bool("nodeport-bindon-all-ip", &nodeport_bindon_all_ip,
          "For service of NodePort type create IPVS service that listens on all IP's of the "
          "node.");
  fs.Bool("masquerade-all", &masquerade_all, "SNAT all traffic to cluster IP/node port.");
  fs.Bool("hairpin-mode", &hairpin_mode,
          "Add iptables rules for every Service Endpoint to support hairpin traffic.");
  fs.Bool("ipvs-graceful-termination", &graceful_termination,
          "Enables the experimental IPVS graceful terminaton capability.");
  fs.Duration("ipvs-graceful-period", &graceful_period,
              "The graceful period before removing destinations from IPVS services.");
  fs.Duration("ipvs-sync-period", &sync_period,
              "The delay between ipvs config synchronizations (e.g. '5s', '1m', '2h22m').");
  fs.Bool("enable-ipv6", &enable_ipv6,
          "Enables IPv6 on the node for IPv6 services (IPv6 forwarding and disable_ipv6=0).");
  fs.String("pod-netns-dir", &pod_netns_dir,
            "Directory of the pods' named network namespaces, searched for the local endpoints "
            "of DSR services (their tunnel interface is made there).");
  fs.StringSlice("service-cluster-ip-range", &cluster_ip_ranges,
                 "CIDR values from which service cluster IPs are assigned.");
  fs.StringSlice("cluster-cidr", &cluster_cidrs,
                 "CIDR range of pods in the cluster. It is used to identify traffic originating "
                 "from and destinated to pods.");
  fs.StringSlice("excluded-cidrs", &excluded_cidrs,
                 "Excluded CIDRs are used to exclude IPVS rules from deletion.");
  fs.String("service-node-port-range", &node_port_range,
            "NodePort range specified with either a hyphen or colon.");
  fs.AfterParse([this]() -> Status {
    if (sync_period <= std::chrono::nanoseconds::zero()) {
      return Error{EINVAL, "--ipvs-sync-period must be greater than 0"};
    }
    return Status::Ok();
  });
}

ProxyOptions ProxydFlags::ToOptions(const std::string& node_name) const {
  ProxyOptions options;
  options.nodeport_bind_on_all_ip = nodeport_bindon_all_ip;
  options.masquerade_all = masquerade_all;
  options.hairpin_mode = hairpin_mode;
  options.graceful_termination = graceful_termination;
  options.graceful_period = std::chrono::duration_cast<std::chrono::seconds>(graceful_period);
  options.service_cluster_ip_ranges = ParseCidrs(cluster_ip_ranges, "service-cluster-ip-range");
  options.excluded_cidrs = ParseCidrs(excluded_cidrs, "excluded-cidrs");
  options.cluster_cidrs = ParseCidrs(cluster_cidrs, "cluster-cidr");
  const size_t separator = node_port_range.find_first_of("-:");
  try {
    if (separator == std::string::npos) throw std::invalid_argument("no separator");
    const int first = std::stoi(node_port_range.substr(0, separator));
    const int last = std::stoi(node_port_range.substr(separator + 1));
    if (first < 1 || last > 65535 || first > last) throw std::invalid_argument("bad range");
    options.node_port_range_first = static_cast<uint16_t>(first);
    options.node_port_range_last = static_cast<uint16_t>(last);
  } catch (const std::exception&) {
    throw std::invalid_argument("--service-node-port-range: \"" + node_port_range +
                                "\" is not a port range like 30000-32767");
  }
  options.node_name = node_name;
  return options;
}

}  // namespace kr::proxyd
