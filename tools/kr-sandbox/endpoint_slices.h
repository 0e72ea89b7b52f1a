// The EndpointSlices the sandbox controller keeps for a Service with a selector, as the
// EndpointSlice controller does in a simpler form: the pods the selector matches that have an
// IP, one endpoint each (address, ready/serving from the pod's Ready condition, nodeName,
// targetRef), ports resolved per pod (a named targetPort is looked up in the pod's container
// ports). Pods whose ports resolve alike share a slice; one slice per address family and port
// set, named <service>-<hash of family and ports>. A selector that matches no pod with an IP
// gives one slice without endpoints and ports (as upstream), of the service's first IP family.
// Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kr::sandbox {

using Json = nlohmann::json;

inline constexpr const char* kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "kr-sandbox-controller";
inline constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

// Whether the service gets slices from us: it has a non-empty selector and is not an
// ExternalName service.
bool ServiceWantsSlices(const Json& service);

// Whether the pod's labels satisfy the selector (a map of equalities).
bool SelectorMatches(const Json& selector, const Json& pod);

// `pods` are the pods of the service's namespace. Slices are complete objects without
// resourceVersion, sorted by name; endpoints are sorted by pod name.
std::vector<Json> DesiredEndpointSlices(const Json& service, const std::vector<Json>& pods);

// Whether `existing` differs from `desired` in what we own (labels we set, addressType,
// endpoints, ports, ownerReferences).
bool SliceNeedsUpdate(const Json& existing, const Json& desired);

}  // namespace kr::sandbox
