// The pod side of DSR, as kube-router does it: in the network namespace of every local
// endpoint of a DSR service, an IP-in-IP interface ("kube-tunnel-if", local = the pod's own
// address, any remote; "kube-tunnel-v6" for IPv6) holding the service's external IPs, with
// rp_filter off on it and on "all". IPVS's tunnel mode encapsulates the client's packet to the
// pod; the pod decapsulates it, finds the external IP on its own interface, and answers the
// client straight from that address, past the node's IPVS.
//
// Finding the pod: kube-router asks the container runtime for the pod's process and enters
// its namespace. Here there is no runtime: pods are named network namespaces (CNI's and the
// sandbox's /run/netns/<name>, as `ip netns` makes them). The endpoint's namespace is the one
// in `netns_dir` (other than ours) that holds the endpoint's address on an interface; the
// answer is cached and checked again on every use.
//
//   PodTunnels tunnels({.netns_dir = "/run/netns"});
//   tunnels.Sync({{endpoint, {vip1, vip2}}}, /*full=*/false);  // tunnels, VIPs, rp_filter
//   tunnels.Cleanup();  // kube-tunnel-if / kube-tunnel-v6 removed from every namespace
//
// An endpoint whose namespace is not found is an error for that endpoint only (logged,
// retried by the next Sync). An endpoint no longer listed loses its tunnel interface.
// Threading: not thread-safe; one owner. Each namespace is entered on a short-lived thread of
// its own (setns changes only the calling thread).
#pragma once

#include <map>
#include <set>
#include <string>

#include "common/base/expected.h"
#include "common/ipvs/ip_address.h"

namespace kr::proxyd {

inline constexpr char kPodTunnelName[] = "kube-tunnel-if";
inline constexpr char kPodTunnelNameV6[] = "kube-tunnel-v6";

struct PodTunnelsOptions {
  std::string netns_dir = "/run/netns";
  bool dry_run = false;
};

class PodTunnels {
 public:
  // endpoint address -> the external IPs (of its family) its tunnel interface holds
  using Wanted = std::map<ipvs::IpAddress, std::set<ipvs::IpAddress>>;

  explicit PodTunnels(PodTunnelsOptions options);

  // Programs the endpoints whose VIPs changed (every endpoint when `full`) and removes the
  // tunnels of endpoints no longer wanted. Returns the first failure.
  Status Sync(const Wanted& wanted, bool full);
  Status Cleanup();

  // The namespace path last found for an endpoint (tests, logs); empty when unknown.
  std::string NetnsOf(const ipvs::IpAddress& endpoint) const;

 private:
  // The namespace holding `endpoint`, from the cache when `use_cache`.
  Expected<std::string> FindNetns(const ipvs::IpAddress& endpoint, bool use_cache);
  Status Program(const ipvs::IpAddress& endpoint, const std::set<ipvs::IpAddress>& vips);

  PodTunnelsOptions options_;
  Wanted applied_;
  std::map<ipvs::IpAddress, std::string> netns_of_;
};

}  // namespace kr::proxyd
