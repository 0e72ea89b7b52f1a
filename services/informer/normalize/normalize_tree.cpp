// The nlohmann::json entry points: the tree laid out as a flat view, then the one set of rules.
#include "services/informer/normalize/normalize.h"

namespace kr::informer {

namespace {

template <typename Normalizer>
auto FromTree(const nlohmann::json& object, Normalizer normalize) {
  kube::JsonDoc doc;
  doc.Assign(object);
  return normalize(doc.root());
}

}  // namespace

Expected<model::Service> NormalizeService(const nlohmann::json& object) {
  return FromTree(object, [](kube::JsonView view) { return NormalizeService(view); });
}
Expected<model::Pod> NormalizePod(const nlohmann::json& object) {
  return FromTree(object, [](kube::JsonView view) { return NormalizePod(view); });
}
Expected<model::Node> NormalizeNode(const nlohmann::json& object) {
  return FromTree(object, [](kube::JsonView view) { return NormalizeNode(view); });
}
Expected<model::Namespace> NormalizeNamespace(const nlohmann::json& object) {
  return FromTree(object, [](kube::JsonView view) { return NormalizeNamespace(view); });
}
Expected<model::NetworkPolicy> NormalizeNetworkPolicy(const nlohmann::json& object) {
  return FromTree(object, [](kube::JsonView view) { return NormalizeNetworkPolicy(view); });
}
Expected<EndpointSliceShare> NormalizeEndpointSlice(const nlohmann::json& object) {
  return FromTree(object, [](kube::JsonView view) { return NormalizeEndpointSlice(view); });
}

}  // namespace kr::informer
