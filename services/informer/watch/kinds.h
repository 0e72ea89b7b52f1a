// The six kinds the informer watches, where they live on the apiserver and on the bus.
#pragma once

#include <array>
#include <string_view>

#include "common/bus/topic.h"

namespace kr::informer {

enum class Kind { kNodes, kPods, kServices, kEndpointSlices, kNamespaces, kNetworkPolicies };

struct KindInfo {
  Kind kind;
  std::string_view name;  // for logs and metric labels
  std::string_view path;  // the collection on the apiserver
  bus::Topic topic;       // where its normalized objects go
};

inline constexpr std::array<KindInfo, 6> kKinds = {{
    {Kind::kNodes, "nodes", "/api/v1/nodes", bus::Topic::kNodes},
    {Kind::kPods, "pods", "/api/v1/pods", bus::Topic::kPods},
    {Kind::kServices, "services", "/api/v1/services", bus::Topic::kServices},
    {Kind::kEndpointSlices, "endpointslices", "/apis/discovery.k8s.io/v1/endpointslices",
     bus::Topic::kEndpoints},
    {Kind::kNamespaces, "namespaces", "/api/v1/namespaces", bus::Topic::kNamespaces},
    {Kind::kNetworkPolicies, "networkpolicies", "/apis/networking.k8s.io/v1/networkpolicies",
     bus::Topic::kNetworkPolicies},
}};

}  // namespace kr::informer
