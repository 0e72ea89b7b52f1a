// The reachability oracle: what networking.k8s.io/v1 NetworkPolicy says about one connection,
// evaluated directly from the policy objects. Written apart from services/policyd/core (its
// own selector and CIDR matching, no sets, no chains) so that the matrix compares the rule
// compiler with an independent reading of the API.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/model/namespace.h"
#include "common/model/network_policy.h"
#include "common/model/pod.h"

namespace kr::netpol_test {

struct OracleWorld {
  std::map<std::string, model::Pod> pods;  // the pods the firewall knows ("ns/name")
  std::map<std::string, model::Namespace> namespaces;
  std::map<std::string, model::NetworkPolicy> policies;
  bool legacy_namespace_isolation = false;
  bool default_deny = false;
  std::string pod_cidr;  // "a.b.c.d/len" or "x::/len", for default_deny
};

// One end of a connection: an address, and the pod behind it if the firewall knows it.
struct Endpoint {
  std::string ip;
  const model::Pod* pod = nullptr;
};

// Whether a connection from `src` to `dst` on `port`/`protocol` ("TCP", "UDP", "SCTP") is
// allowed: egress allowed for src and ingress allowed for dst. All pods are on this node.
bool Allowed(const OracleWorld& world, const Endpoint& src, const Endpoint& dst, int port,
             const std::string& protocol);

}  // namespace kr::netpol_test
