// Turning raw apiserver objects into the bus's normalized objects (proto/schemas/): only the
// fields the dataplanes need, defaults applied as the apiserver would, values the kernel will
// receive validated. An object that cannot be normalized yields an Error whose message names
// the field; the caller logs it with the object's namespace/name, counts it and skips it.
//
// The rules are written once, over flat views (common/kube/json_view.h), which is how list
// pages arrive (kube::ScanListPage). The nlohmann::json overloads (watch events, tests) lay the
// tree out as a view first and apply the very same code.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/kube/json_view.h"
#include "common/model/model.h"

namespace kr::informer {

Expected<model::Service> NormalizeService(kube::JsonView object);
Expected<model::Pod> NormalizePod(kube::JsonView object);
Expected<model::Node> NormalizeNode(kube::JsonView object);
Expected<model::Namespace> NormalizeNamespace(kube::JsonView object);
Expected<model::NetworkPolicy> NormalizeNetworkPolicy(kube::JsonView object);

Expected<model::Service> NormalizeService(const nlohmann::json& object);
Expected<model::Pod> NormalizePod(const nlohmann::json& object);
Expected<model::Node> NormalizeNode(const nlohmann::json& object);
Expected<model::Namespace> NormalizeNamespace(const nlohmann::json& object);
Expected<model::NetworkPolicy> NormalizeNetworkPolicy(const nlohmann::json& object);

// One EndpointSlice's share of its service's endpoints (merged by EndpointsMerger).
// The slice's ports are held once, not per endpoint (a slice has up to 1,000 endpoints sharing
// them): an endpoint whose own ports are empty has the slice's.
struct EndpointSliceShare {
  std::string service_key;  // namespace/service, from the kubernetes.io/service-name label
  std::vector<model::Endpoint> endpoints;
  std::vector<model::EndpointPort> ports;
};
// FQDN slices carry no addresses a proxy can use: they yield an empty share.
Expected<EndpointSliceShare> NormalizeEndpointSlice(kube::JsonView object);
Expected<EndpointSliceShare> NormalizeEndpointSlice(const nlohmann::json& object);

}  // namespace kr::informer
