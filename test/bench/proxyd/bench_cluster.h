// The synthetic cluster both proxyd benchmarks program: service i has ClusterIP 10.96.x.y:80
// and `count` endpoints on node-b at 10.(100+j).x.y:8080, so both measure the same table.
#pragma once

#include <string>

#include "common/model/endpoints.h"
#include "common/model/service.h"

namespace kr::proxyd::bench {

inline std::string ClusterIp(int i) {
  return "10.96." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
}

inline std::string PodIp(int i, int j) {
  return "10." + std::to_string(100 + j) + "." + std::to_string(i / 250) + "." +
         std::to_string(i % 250 + 1);
}

inline model::Service Service(int i) {
  model::Service service;
  service.ns = "bench";
  service.name = "svc-" + std::to_string(i);
  service.cluster_ips = {ClusterIp(i)};
  model::ServicePort port;
  port.port = 80;
  port.target_port.number = 8080;
  service.ports.push_back(port);
  return service;
}

// `first_address` shifts the endpoints' addresses: 1 replaces one endpoint of the set.
inline model::Endpoints Endpoints(int i, int count, int first_address = 0) {
  model::Endpoints endpoints;
  endpoints.ns = "bench";
  endpoints.name = "svc-" + std::to_string(i);
  for (int j = 0; j < count; ++j) {
    model::Endpoint endpoint;
    endpoint.addresses = {PodIp(i, first_address + j)};
    endpoint.ready = endpoint.serving = true;
    endpoint.node_name = "node-b";
    endpoint.ports.push_back({"", "TCP", 8080});
    endpoints.endpoints.push_back(endpoint);
  }
  return endpoints;
}

}  // namespace kr::proxyd::bench
