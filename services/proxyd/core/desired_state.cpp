#include "services/proxyd/core/desired_state.h"

#include <algorithm>

#include "services/proxyd/core/service_annotations.h"

namespace kr::proxyd {
namespace {

using ipvs::IpAddress;

constexpr int32_t kMaxAffinityTimeoutSeconds = 86400;  // Kubernetes' validation limit

Error Invalid(const std::string& what) {
  return Error{EINVAL, what};
}

Expected<ipvs::Protocol> ParseProtocol(const std::string& name) {
  if (name == "TCP") return ipvs::Protocol::kTcp;
  if (name == "UDP") return ipvs::Protocol::kUdp;
  if (name == "SCTP") return ipvs::Protocol::kSctp;
  return Invalid("unsupported protocol \"" + name + "\"");
}

Expected<std::vector<IpAddress>> ParseAddresses(const std::vector<std::string>& texts,
                                                const std::string& field) {
  std::vector<IpAddress> addresses;
  for (const auto& text : texts) {
    auto address = IpAddress::Parse(text);
    if (!address) return Invalid(field + " \"" + text + "\" is not an IP address");
    addresses.push_back(*address);
  }
  return addresses;
}

bool InRange(int32_t value, int32_t low, int32_t high) {
  return value >= low && value <= high;
}

// The endpoint's port that serves `port`: same name (both empty for a single unnamed port) and
// protocol. The number may differ per endpoint (named targetPort resolved per pod).
std::optional<uint16_t> ResolveTargetPort(const model::Endpoint& endpoint,
                                          const model::ServicePort& port) {
  for (const auto& candidate : endpoint.ports) {
    if (candidate.name == port.name && candidate.protocol == port.protocol &&
        InRange(candidate.port, 1, 65535)) {
      return static_cast<uint16_t>(candidate.port);
    }
  }
  return std::nullopt;
}

struct DestinationChoice {
  int family = AF_INET;
  bool local_only = false;
  ipvs::ForwardMethod forward = ipvs::ForwardMethod::kMasquerade;
};

// Ready endpoints; when none is ready, the serving and terminating ones (kube-proxy's rule, so
// connections still land somewhere while a rollout drains the last pods).
std::map<ipvs::DestinationKey, ipvs::Destination> ChooseDestinations(
    const model::Endpoints* endpoints, const model::ServicePort& port,
    const DestinationChoice& choice, const std::string& node_name) {
  std::map<ipvs::DestinationKey, ipvs::Destination> ready;
  std::map<ipvs::DestinationKey, ipvs::Destination> terminating;
  if (endpoints == nullptr) return ready;
  for (const auto& endpoint : endpoints->endpoints) {
    if (choice.local_only && endpoint.node_name != node_name) continue;
    bool usable_terminating = !endpoint.ready && endpoint.serving && endpoint.terminating;
    if (!endpoint.ready && !usable_terminating) continue;
    auto target_port = ResolveTargetPort(endpoint, port);
    if (!target_port) continue;
    for (const auto& text : endpoint.addresses) {
      auto address = IpAddress::Parse(text);
      if (!address || address->family() != choice.family) continue;
      ipvs::Destination destination;
      destination.address = *address;
      destination.port = *target_port;
      destination.forward = choice.forward;
      destination.weight = 1;
      (endpoint.ready ? ready : terminating).emplace(destination.key(), destination);
    }
  }
  if (ready.empty()) return terminating;
  return ready;
}

Status ValidatePorts(const model::Service& service) {
  for (const auto& port : service.ports) {
    auto protocol = ParseProtocol(port.protocol);
    if (!protocol) return Invalid("port \"" + port.name + "\": " + protocol.error().message);
    if (!InRange(port.port, 1, 65535)) {
      return Invalid("port \"" + port.name + "\": port " + std::to_string(port.port) +
                     " out of range 1-65535");
    }
    if (!InRange(port.node_port, 0, 65535)) {
      return Invalid("port \"" + port.name + "\": nodePort " + std::to_string(port.node_port) +
                     " out of range 0-65535");
    }
  }
  if (!InRange(service.health_check_node_port, 0, 65535)) {
    return Invalid("healthCheckNodePort " + std::to_string(service.health_check_node_port) +
                   " out of range 0-65535");
  }
  return Status::Ok();
}

}  // namespace

std::vector<IpAddress> NodePortAddresses(const ProxyOptions& options, const model::Node* node,
                                         const std::vector<IpAddress>& local_ips) {
  std::vector<IpAddress> addresses;
  if (!options.node_ips.empty()) {
    addresses = options.node_ips;
  } else if (options.nodeport_bind_on_all_ip) {
    addresses = local_ips;
  } else if (node != nullptr) {
    for (const char* type : {"InternalIP", "ExternalIP"}) {
      for (const auto& node_address : node->addresses) {
        if (node_address.type != type) continue;
        if (auto address = IpAddress::Parse(node_address.address)) addresses.push_back(*address);
      }
      if (!addresses.empty()) break;
    }
  }
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  return addresses;
}

bool IsSkippedByDesign(const model::Service& service) {
  return service.headless || service.type == "ExternalName" || !service.proxy_name.empty();
}

Expected<ServiceDesired> ComputeServiceDesired(const model::Service& service,
                                               const model::Endpoints* endpoints,
                                               const ProxyOptions& options,
                                               const std::vector<IpAddress>& nodeport_ips,
                                               DsrFwmarkAllocator& fwmarks) {
  ServiceDesired desired;
  if (IsSkippedByDesign(service)) return desired;

  auto annotations = ParseServiceAnnotations(service.annotations);
  if (!annotations) return annotations.error();

  uint32_t flags = annotations->sched_flags;
  uint32_t timeout = 0;
  if (service.session_affinity == "ClientIP") {
    int32_t seconds = service.session_affinity_timeout_seconds;
    if (seconds == 0) seconds = kDefaultAffinityTimeoutSeconds;
    if (!InRange(seconds, 1, kMaxAffinityTimeoutSeconds)) {
      return Invalid("sessionAffinity timeout " + std::to_string(seconds) +
                     " out of range 1-86400");
    }
    flags |= ipvs::ServiceFlags::kPersistent;
    timeout = static_cast<uint32_t>(seconds);
  } else if (service.session_affinity != "None" && !service.session_affinity.empty()) {
    return Invalid("unsupported sessionAffinity \"" + service.session_affinity + "\"");
  }

  std::vector<std::string> cluster_ip_texts;
  for (const auto& text : service.cluster_ips) {
    if (text != "None" && !text.empty()) cluster_ip_texts.push_back(text);
  }
  auto cluster_ips = ParseAddresses(cluster_ip_texts, "clusterIP");
  if (!cluster_ips) return cluster_ips.error();
  auto external_ips = ParseAddresses(service.external_ips, "externalIP");
  if (!external_ips) return external_ips.error();
  auto lb_ips = ParseAddresses(
      annotations->skip_lb_ips ? std::vector<std::string>{} : service.load_balancer_ips,
      "loadBalancer ingress IP");
  if (!lb_ips) return lb_ips.error();
  if (Status ports = ValidatePorts(service); !ports) return ports.error();
  // Not allocated yet (or "None" normalized away): nothing to serve.
  if (cluster_ips->empty()) return desired;

  desired.local_internal = service.internal_traffic_policy == "Local" || annotations->local;
  desired.local_external = service.external_traffic_policy == "Local" || annotations->local;
  desired.hairpin = annotations->hairpin || options.hairpin_mode;
  desired.hairpin_external_ips = annotations->hairpin_external_ips;
  if (service.type == "LoadBalancer" && desired.local_external) {
    desired.health_check_node_port = service.health_check_node_port;
  }
  std::set<IpAddress> local_addresses;  // ready endpoints on this node, for hairpin
  if (endpoints != nullptr) {
    for (const auto& endpoint : endpoints->endpoints) {
      if (endpoint.node_name != options.node_name || !endpoint.ready) continue;
      ++desired.local_ready_endpoints;
      for (const auto& text : endpoint.addresses) {
        if (auto address = IpAddress::Parse(text)) local_addresses.insert(*address);
      }
    }
  }

  std::set<int> families;
  for (const auto& ip : *cluster_ips) families.insert(ip.family());
  bool has_node_ports = service.type == "NodePort" || service.type == "LoadBalancer";
  std::vector<IpAddress> outside_ips = *external_ips;
  outside_ips.insert(outside_ips.end(), lb_ips->begin(), lb_ips->end());

  auto add = [&](const ipvs::ServiceKey& key, const model::ServicePort& port,
                 const DestinationChoice& choice, bool hairpin) {
    if (desired.virtual_services.contains(key)) return;  // e.g. an IP listed twice
    DesiredVirtualService vs;
    vs.service.key = key;
    vs.service.scheduler = annotations->scheduler;
    vs.service.flags = flags;
    vs.service.timeout = timeout;
    vs.destinations = ChooseDestinations(endpoints, port, choice, options.node_name);
    if (hairpin && desired.hairpin) {
      for (const auto& [destination_key, destination] : vs.destinations) {
        if (!local_addresses.contains(destination.address)) continue;
        desired.hairpin_rules.push_back({destination.address, key.address, key.protocol, key.port});
      }
    }
    desired.virtual_services.emplace(key, std::move(vs));
  };

  for (const auto& port : service.ports) {
    ipvs::Protocol protocol = *ParseProtocol(port.protocol);
    auto service_port = static_cast<uint16_t>(port.port);
    for (const auto& ip : *cluster_ips) {
      add(ipvs::ServiceKey::ForAddress(protocol, ip, service_port), port,
          {ip.family(), desired.local_internal, ipvs::ForwardMethod::kMasquerade}, true);
      desired.dummy_vips.insert(ip);
    }
    if (has_node_ports && port.node_port > 0) {
      for (const auto& ip : nodeport_ips) {
        if (!families.contains(ip.family())) continue;
        add(ipvs::ServiceKey::ForAddress(protocol, ip, static_cast<uint16_t>(port.node_port)), port,
            {ip.family(), desired.local_external, ipvs::ForwardMethod::kMasquerade}, true);
      }
    }
    for (const auto& ip : outside_ips) {
      if (!annotations->dsr_tunnel) {
        add(ipvs::ServiceKey::ForAddress(protocol, ip, service_port), port,
            {ip.family(), desired.local_external, ipvs::ForwardMethod::kMasquerade},
            desired.hairpin_external_ips);
        desired.dummy_vips.insert(ip);
        continue;
      }
      auto mark = fwmarks.Acquire({ip, protocol, service_port});
      if (!mark) return mark.error();
      const auto key = ipvs::ServiceKey::ForFwmark(ip.family(), *mark);
      add(key, port, {ip.family(), desired.local_external, ipvs::ForwardMethod::kTunnel}, false);
      desired.dsr_targets.push_back({ip, protocol, service_port, *mark});
      for (const auto& [destination_key, destination] :
           desired.virtual_services[key].destinations) {
        if (local_addresses.contains(destination.address)) {
          desired.dsr_pod_tunnels.push_back({destination.address, ip});
        }
      }
    }
  }
  std::sort(desired.dsr_pod_tunnels.begin(), desired.dsr_pod_tunnels.end());
  desired.dsr_pod_tunnels.erase(
      std::unique(desired.dsr_pod_tunnels.begin(), desired.dsr_pod_tunnels.end()),
      desired.dsr_pod_tunnels.end());
  std::sort(desired.hairpin_rules.begin(), desired.hairpin_rules.end());
  desired.hairpin_rules.erase(
      std::unique(desired.hairpin_rules.begin(), desired.hairpin_rules.end()),
      desired.hairpin_rules.end());
  return desired;
}

}  // namespace kr::proxyd
