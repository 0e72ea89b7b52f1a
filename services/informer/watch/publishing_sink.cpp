#include "services/informer/watch/publishing_sink.h"

#include "common/log/log.h"
#include "common/model/cbor_encode.h"
#include "services/informer/normalize/normalize.h"

namespace kr::informer {

namespace {

// Normalizes one object of a kind other than EndpointSlice into (key, CBOR body, schema).
struct Normalized {
  std::string key;
  std::string cbor;
  model::SchemaVersion schema;
};

template <typename T>
Expected<Normalized> Wrap(Expected<T> object) {
  if (!object.ok()) return object.error();
  return Normalized{object->Key(), model::EncodeCbor(*object), T::kSchema};
}

Expected<Normalized> NormalizeAny(Kind kind, kube::JsonView object) {
  switch (kind) {
    case Kind::kNodes:
      return Wrap(NormalizeNode(object));
    case Kind::kPods:
      return Wrap(NormalizePod(object));
    case Kind::kServices:
      return Wrap(NormalizeService(object));
    case Kind::kNamespaces:
      return Wrap(NormalizeNamespace(object));
    case Kind::kNetworkPolicies:
      return Wrap(NormalizeNetworkPolicy(object));
    case Kind::kEndpointSlices:
      break;
  }
  return Error{EINVAL, "EndpointSlices are merged, not normalized one by one"};
}

}  // namespace

PublishingSink::PublishingSink(const KindInfo& kind, BusWriter& bus,
                               std::function<void()> on_listed)
    : kind_(kind), bus_(bus), on_listed_(std::move(on_listed)) {}

void PublishingSink::OnUpsert(const std::string& key, nlohmann::json&& object) {
  tree_layout_.Assign(object);
  OnUpsertView(key, tree_layout_.root());
}

void PublishingSink::OnUpsertView(const std::string& key, kube::JsonView object) {
  if (kind_.kind == Kind::kEndpointSlices) {
    auto share = NormalizeEndpointSlice(object);
    if (!share.ok()) return Reject(key, share.error().message);
    ApplyEndpointChanges(endpoints_.Upsert(key, std::move(*share)));
    return;
  }
  auto normalized = NormalizeAny(kind_.kind, object);
  if (!normalized.ok()) return Reject(key, normalized.error().message);
  Publish(normalized->key, std::move(normalized->cbor), normalized->schema);
}

void PublishingSink::OnDelete(const std::string& key) {
  if (kind_.kind == Kind::kEndpointSlices) {
    ApplyEndpointChanges(endpoints_.Delete(key));
    return;
  }
  // The reflector's key (namespace/name or name) is the bus key of every other kind.
  Remove(key);
}

void PublishingSink::OnListSize(std::uint64_t objects) {
  // EndpointSlices merge per service: their count bounds the services' from above.
  bus_.Reserve(kind_.topic, static_cast<size_t>(objects));
}

void PublishingSink::OnListed() {
  if (on_listed_) on_listed_();
}

void PublishingSink::OnDecodeError(const std::string& what) {
  ++counters_.rejected;
  KR_LOG(WARNING) << kind_.name << ": " << what;
}

void PublishingSink::Publish(const std::string& key, std::string cbor,
                             model::SchemaVersion schema) {
  if (Status status = bus_.Upsert(kind_.topic, key, std::move(cbor), schema); !status.ok()) {
    ++counters_.publish_errors;
    KR_LOG(ERROR) << "publishing " << kind_.name << " " << key << ": " << status.error().message;
    return;
  }
  ++counters_.published;
}

void PublishingSink::Remove(const std::string& key) {
  if (Status status = bus_.Delete(kind_.topic, key); !status.ok()) {
    ++counters_.publish_errors;
    KR_LOG(ERROR) << "deleting " << kind_.name << " " << key << ": " << status.error().message;
    return;
  }
  ++counters_.published;
}

void PublishingSink::Reject(const std::string& key, const std::string& reason) {
  ++counters_.rejected;
  KR_LOG(WARNING) << "skipping " << kind_.name << " " << key << ": " << reason;
}

void PublishingSink::ApplyEndpointChanges(const std::vector<EndpointsMerger::Change>& changes) {
  for (const EndpointsMerger::Change& change : changes) {
    if (change.merged) {
      Publish(change.service_key, model::EncodeCbor(*change.merged), model::Endpoints::kSchema);
    } else {
      Remove(change.service_key);
    }
  }
}

}  // namespace kr::informer
