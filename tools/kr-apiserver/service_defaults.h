// What kube-apiserver's Service registry adds to a Service: defaults for the fields clients
// usually leave out (type, sessionAffinity, port protocol and targetPort, IP family fields,
// traffic policies) and the allocation of a ClusterIP and of NodePorts. Values a client set
// are kept as given (not validated). Pure: the caller passes what is already allocated.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "tools/kr-apiserver/api_error.h"

namespace kr::apiserver {

struct ServiceNetwork {
  uint32_t base = 0x0a600000;  // 10.96.0.0 (host order)
  int prefix = 12;             // 10.96.0.0/12, kubeadm's default
  int node_port_min = 30000;
  int node_port_max = 32767;
};

// Parses "10.96.0.0/12" (IPv4 only).
std::optional<ServiceNetwork> ParseServiceNetwork(const std::string& cidr);

struct ServiceAllocations {
  std::set<std::string> cluster_ips;
  std::set<int> node_ports;
};

// Collects what `service` holds (for building ServiceAllocations from stored objects).
void AddAllocations(const nlohmann::json& service, ServiceAllocations& used);

// Fills defaults and allocates into `service` (a new object, or an update when `previous` is
// set: addresses and node ports the update leaves out are carried over). Fails with 422 when
// the range or the node ports are exhausted, or a requested ClusterIP is already taken.
std::optional<ApiError> DefaultService(nlohmann::json& service, const nlohmann::json* previous,
                                       const ServiceNetwork& network,
                                       const ServiceAllocations& used);

}  // namespace kr::apiserver
