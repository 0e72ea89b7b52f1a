// Builders of bus objects for proxyd's unit tests (test-only header). Addresses come from
// documentation ranges: cluster IPs 10.96.0.0/16 stand for --service-cluster-ip-range.
#pragma once

#include <string>
#include <vector>

#include "common/ipvs/ipvs_kernel.h"
#include "common/model/endpoints.h"
#include "common/model/node.h"
#include "common/model/service.h"
#include "services/proxyd/core/proxy_options.h"

namespace kr::proxyd::testing {

inline constexpr char kNodeName[] = "node-a";
inline constexpr char kNodeIp[] = "192.0.2.10";

inline model::Service MakeService(const std::string& name, const std::string& cluster_ip,
                                  int32_t port = 80, const std::string& port_name = "") {
  model::Service service;
  service.ns = "default";
  service.name = name;
  service.cluster_ips = {cluster_ip};
  model::ServicePort service_port;
  service_port.name = port_name;
  service_port.port = port;
  service_port.target_port.number = port;
  service.ports.push_back(service_port);
  return service;
}

inline model::Endpoint MakeEndpoint(const std::string& address, int32_t port,
                                    const std::string& node = kNodeName,
                                    const std::string& port_name = "") {
  model::Endpoint endpoint;
  endpoint.addresses = {address};
  endpoint.ready = true;
  endpoint.serving = true;
  endpoint.node_name = node;
  model::EndpointPort endpoint_port;
  endpoint_port.name = port_name;
  endpoint_port.port = port;
  endpoint.ports.push_back(endpoint_port);
  return endpoint;
}

inline model::Endpoints MakeEndpoints(const std::string& name,
                                      std::vector<model::Endpoint> endpoints) {
  model::Endpoints result;
  result.ns = "default";
  result.name = name;
  result.endpoints = std::move(endpoints);
  return result;
}

inline model::Node MakeNode(std::vector<std::string> internal_ips = {kNodeIp}) {
  model::Node node;
  node.name = kNodeName;
  for (auto& ip : internal_ips) node.addresses.push_back({"InternalIP", ip});
  return node;
}

inline ProxyOptions MakeOptions() {
  ProxyOptions options;
  options.node_name = kNodeName;
  options.service_cluster_ip_ranges = {*Cidr::Parse("10.96.0.0/16")};
  return options;
}

// The kernel's table as `ipvsadm -Ln` lists it (one service line, then "  -> dest Masq 1"
// lines), so tests compare with the seed walkthroughs' text.
inline std::string IpvsadmText(ipvs::IpvsKernel& kernel) {
  std::string text;
  auto services = kernel.ListServices();
  if (!services) return "ListServices failed: " + services.error().message;
  for (const auto& entry : *services) {
    const ipvs::Service& service = entry.service;
    text += service.key.ToString() + " " + service.scheduler;
    if (service.flags & ipvs::ServiceFlags::kPersistent) {
      text += " persistent " + std::to_string(service.timeout);
    }
    if (uint32_t other = service.flags & ~ipvs::ServiceFlags::kPersistent) {
      text += " flags " + std::to_string(other);
    }
    text += "\n";
    auto destinations = kernel.ListDestinations(service.key);
    if (!destinations) return "ListDestinations failed: " + destinations.error().message;
    for (const auto& destination : *destinations) {
      text += "  -> " + destination.destination.key().ToString() + " " +
              ipvs::ForwardMethodName(destination.destination.forward) + " " +
              std::to_string(destination.destination.weight) + "\n";
    }
  }
  return text;
}

}  // namespace kr::proxyd::testing
