// What kube-apiserver's Service registry adds to a Service: defaults for the fields clients
// usually leave out (type, sessionAffinity, port protocol and targetPort, IP family fields,
// traffic policies) and the allocation of a ClusterIP and of NodePorts. Values a client set
// are kept as given (not validated). Pure: the caller passes what is already allocated.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
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

// What the stored Services hold: ClusterIPs and NodePorts, each with the number of services
// holding it (a client may set a taken address on update). Kept up to date by the store as
// services come and go, so a create costs O(log n), not a scan of every service.
class ServiceAllocations {
 public:
  void Add(const nlohmann::json& service);
  void Remove(const nlohmann::json& service);
  void Clear();

  bool HasClusterIp(const std::string& ip) const { return cluster_ips_.count(ip) > 0; }
  bool HasNodePort(int port) const { return node_ports_.count(port) > 0; }
  size_t cluster_ip_count() const { return cluster_ips_.size(); }

  // The lowest offset from 2 in `network` whose address is free (the size of the range minus
  // one when none is). Amortized O(log n): every offset below a remembered mark is taken.
  uint32_t FirstFreeOffset(const ServiceNetwork& network) const;

 private:
  std::map<std::string, int> cluster_ips_;
  std::map<int, int> node_ports_;
  // Every offset in [2, next_free_) of mark_network_ is taken.
  mutable std::optional<ServiceNetwork> mark_network_;
  mutable uint32_t next_free_ = 2;
};

// Fills defaults and allocates into `service` (a new object, or an update when `previous` is
// set: addresses and node ports the update leaves out are carried over). Fails with 422 when
// the range or the node ports are exhausted, or a requested ClusterIP is already taken.
std::optional<ApiError> DefaultService(nlohmann::json& service, const nlohmann::json* previous,
                                       const ServiceNetwork& network,
                                       const ServiceAllocations& used);

}  // namespace kr::apiserver
