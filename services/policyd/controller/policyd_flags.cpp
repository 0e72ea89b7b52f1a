#include "services/policyd/controller/policyd_flags.h"

namespace kr::policyd {

void PolicydFlags::Register(flags::FlagSet& fs) {
  fs.Duration("iptables-sync-period", &iptables_sync_period,
              "The delay between full iptables and ipset syncs, which repair drift (e.g. '5s', "
              "'1m'). Must be greater than 0.");
  fs.Bool("enable-ipv4", &enable_ipv4, "Enables IPv4 network policy rules.");
  fs.Bool("enable-ipv6", &enable_ipv6, "Enables IPv6 network policy rules.");
  fs.Bool("netpol-default-deny", &default_deny,
          "Rejects traffic to and from addresses of --pod-cidrs that are not pods known to "
          "policyd, so a pod gets no traffic before its policies are in place.");
  fs.StringSlice("pod-cidrs", &pod_cidrs,
                 "This node's pod CIDRs (IPv4 and/or IPv6), for --netpol-default-deny.");
  fs.Bool("netpol-nflog-drops", &nflog_drops,
          "Logs packets rejected by network policy to NFLOG before rejecting them.");
  fs.Int("netpol-nflog-group", &nflog_group, "NFLOG group of --netpol-nflog-drops.");
  fs.Bool("legacy-namespace-isolation", &legacy_namespace_isolation,
          "Isolates for ingress every pod of a namespace annotated "
          "net.beta.kubernetes.io/network-policy={\"ingress\":{\"isolation\":\"DefaultDeny\"}} "
          "(the pre-networking.k8s.io/v1 API), even when no policy selects the pod.");
  fs.AfterParse([this]() -> Status {
    if (iptables_sync_period <= std::chrono::nanoseconds(0)) {
      return Error{0, "--iptables-sync-period must be greater than 0"};
    }
    if (!enable_ipv4 && !enable_ipv6) {
      return Error{0, "at least one of --enable-ipv4 and --enable-ipv6 must be true"};
    }
    if (nflog_group < 0 || nflog_group > 65535) {
      return Error{0, "--netpol-nflog-group must be within 0..65535"};
    }
    if (default_deny && pod_cidrs.empty()) {
      return Error{0, "--netpol-default-deny needs --pod-cidrs"};
    }
    return Status::Ok();
  });
}

CompilerOptions PolicydFlags::ToOptions(std::string node_name) const {
  CompilerOptions options;
  options.node_name = std::move(node_name);
  options.ipv4 = enable_ipv4;
  options.ipv6 = enable_ipv6;
  options.default_deny = default_deny;
  options.pod_cidrs = pod_cidrs;
  options.nflog_drops = nflog_drops;
  options.nflog_group = nflog_group;
  options.legacy_namespace_isolation = legacy_namespace_isolation;
  return options;
}

}  // namespace kr::policyd
