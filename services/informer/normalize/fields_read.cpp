#include "services/informer/normalize/fields_read.h"

#include "services/informer/normalize/annotations.h"

namespace kr::informer {

using kube::FieldFilter;

namespace {

// ReadName's fields, read by every normalizer.
FieldFilter Named(std::initializer_list<std::string_view> more) {
  FieldFilter filter = FieldFilter::Only({"metadata.name", "metadata.namespace"});
  for (std::string_view path : more) filter.Keep(path);
  return filter;
}

}  // namespace

FieldFilter ServiceFieldsRead() {
  return Named({"metadata.labels", "spec", "status.loadBalancer"})
      .KeepMembersWithPrefix("metadata.annotations", kKubeRouterPrefix);
}

FieldFilter PodFieldsRead() {
  return Named({"metadata.labels", "spec.nodeName", "spec.hostNetwork", "spec.containers.ports",
                "status.phase", "status.podIP", "status.podIPs"});
}

FieldFilter NodeFieldsRead() {
  return Named({"metadata.labels", "spec.podCIDRs", "spec.podCIDR", "status.addresses"})
      .KeepMembersWithPrefix("metadata.annotations", kKubeRouterPrefix);
}

FieldFilter NamespaceFieldsRead() {
  return Named({"metadata.labels"})
      .KeepMembersWithPrefix("metadata.annotations", kKubeRouterPrefix)
      .KeepMembersWithPrefix("metadata.annotations", kLegacyNetworkPolicy);
}

FieldFilter NetworkPolicyFieldsRead() {
  return Named({"spec"});
}

FieldFilter EndpointSliceFieldsRead() {
  return Named({"metadata.labels", "addressType", "ports", "endpoints.addresses",
                "endpoints.conditions", "endpoints.nodeName", "endpoints.zone",
                "endpoints.hostname"});
}

}  // namespace kr::informer
