#include "tools/kr-apiserver/store.h"

#include <algorithm>

#include "tools/kr-apiserver/object_meta.h"

namespace kr::apiserver {

namespace {

using nlohmann::json;

// How many history events one WaitForEvents scans while holding the lock.
constexpr size_t kMaxScanPerBatch = 4096;

const json& Meta(const json& object) {
  static const json empty = json::object();
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : empty;
}

std::string MetaString(const json& object, const char* field) {
  const json& meta = Meta(object);
  auto it = meta.find(field);
  return it != meta.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& Labels(const json& object) {
  static const json null;
  const json& meta = Meta(object);
  auto it = meta.find("labels");
  return it != meta.end() ? *it : null;
}

bool Matches(const WatchFilter& filter, const json& object) {
  if (!filter.ns.empty() && MetaString(object, "namespace") != filter.ns) return false;
  return filter.labels.Matches(Labels(object)) && filter.fields.Matches(object);
}

const json* Find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

std::string WithTypeMeta(const ResourceType& type, const json& object) {
  std::string body = object.dump();
  std::string head = "{\"kind\":\"" + type.kind + "\",\"apiVersion\":\"" + type.ApiVersion() + "\"";
  if (body.size() <= 2) return head + "}";
  return head + "," + body.substr(1);
}

Store::Store(size_t history_limit) : history_limit_(std::max<size_t>(history_limit, 1)) {}

void Store::AddDefaultNamespaces() {
  const ResourceType* ns_type = FindResourceType("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    (void)Create(*ns_type, "", {{"metadata", {{"name", name}}}});
  }
}

Store::ObjectMap& Store::MapFor(const ResourceType& type) {
  return objects_[&type];
}

const Store::ObjectMap* Store::FindMap(const ResourceType& type) const {
  auto it = objects_.find(&type);
  return it == objects_.end() ? nullptr : &it->second;
}

bool Store::NamespaceExists(const std::string& ns) const {
  const ObjectMap* namespaces = FindMap(*FindResourceType("", "v1", "namespaces"));
  return namespaces && namespaces->count(Key("", ns));
}

void Store::Record(StoredEvent event) {
  history_.push_back(std::move(event));
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  changed_.notify_all();
}

ApiResult<ObjectPtr> Store::Create(const ResourceType& type, const std::string& ns, json object) {
  object.erase("kind");
  object.erase("apiVersion");
  json& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (!MetaString(object, "resourceVersion").empty()) {
    return ApiError{500, "", "resourceVersion should not be set on objects to be created", nullptr};
  }
  // What BeforeCreate clears or fills in kube-apiserver.
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  meta.erase("resourceVersion");
  if (type.namespaced) {
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  if (type.has_generation) meta["generation"] = 1;

  std::lock_guard<std::mutex> lock(mu_);
  if (type.namespaced && !NamespaceExists(ns)) return NamespaceNotFound(ns);
  ObjectMap& map = MapFor(type);
  const std::string scope_ns = type.namespaced ? ns : "";
  std::string name = MetaString(object, "name");
  const bool generated = name.empty();
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (generated) name = MetaString(object, "generateName") + RandomNameSuffix();
    if (!map.count(Key(scope_ns, name))) break;
    if (!generated) return AlreadyExists(type, name);
  }
  std::string key = Key(scope_ns, name);
  if (map.count(key)) return AlreadyExists(type, name);
  meta["name"] = name;
  if (type.kind == "Service") {
    if (auto error = DefaultServiceLocked(object, nullptr)) return *error;
  }
  meta["uid"] = RandomUuid();
  meta["creationTimestamp"] = NowRfc3339();
  if (type.kind == "Pod" && !(object.contains("status") && object["status"].is_object() &&
                              object["status"].contains("phase"))) {
    // As PodStrategy.PrepareForCreate: a new pod is Pending until a kubelet says otherwise.
    if (!object.contains("status") || !object["status"].is_object())
      object["status"] = json::object();
    object["status"]["phase"] = "Pending";
  }
  if (type.kind == "Namespace") {
    // kube-apiserver labels every namespace with its name (NetworkPolicy selectors use it).
    meta["labels"]["kubernetes.io/metadata.name"] = name;
    if (!object.contains("status") || !object["status"].is_object())
      object["status"] = json::object();
    if (!object["status"].contains("phase")) object["status"]["phase"] = "Active";
  }
  uint64_t rv = ++rv_;
  meta["resourceVersion"] = std::to_string(rv);
  auto stored = std::make_shared<const json>(std::move(object));
  map.emplace(key, stored);
  if (type.kind == "Service") service_allocations_.Add(*stored);
  Record({rv, &type, EventType::kAdded, key, stored, nullptr});
  return ObjectPtr(stored);
}

std::optional<ApiError> Store::DefaultServiceLocked(json& service, const json* previous) {
  // Against every other service: the one being updated lends its own addresses meanwhile.
  if (previous) service_allocations_.Remove(*previous);
  auto error = DefaultService(service, previous, service_network_, service_allocations_);
  if (previous) service_allocations_.Add(*previous);
  return error;
}

ApiResult<ObjectPtr> Store::Get(const ResourceType& type, const std::string& ns,
                                const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  const ObjectMap* map = FindMap(type);
  if (map) {
    auto it = map->find(Key(type.namespaced ? ns : "", name));
    if (it != map->end()) return it->second;
  }
  return NotFound(type, name);
}

ApiResult<ObjectPtr> Store::Update(const ResourceType& type, const std::string& ns,
                                   const std::string& name, json object, UpdateScope scope) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = Key(type.namespaced ? ns : "", name);
  ObjectMap& map = MapFor(type);
  auto it = map.find(key);
  if (it == map.end()) return NotFound(type, name);
  return UpdateLocked(type, key, it->second, std::move(object), scope);
}

ApiResult<ObjectPtr> Store::Mutate(const ResourceType& type, const std::string& ns,
                                   const std::string& name, const Mutation& mutate,
                                   UpdateScope scope) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = Key(type.namespaced ? ns : "", name);
  ObjectMap& map = MapFor(type);
  auto it = map.find(key);
  if (it == map.end()) return NotFound(type, name);
  auto changed = mutate(*it->second);
  if (!changed) return changed.error();
  return UpdateLocked(type, key, it->second, std::move(*changed), scope);
}

ApiResult<ObjectPtr> Store::UpdateLocked(const ResourceType& type, const std::string& key,
                                         const ObjectPtr& current, json object, UpdateScope scope) {
  const std::string name = MetaString(*current, "name");
  std::string requested_rv = MetaString(object, "resourceVersion");
  if (!requested_rv.empty() && requested_rv != MetaString(*current, "resourceVersion")) {
    return Conflict(type, name,
                    "the object has been modified; please apply your changes to the latest "
                    "version and try again");
  }
  std::string requested_uid = MetaString(object, "uid");
  if (!requested_uid.empty() && requested_uid != MetaString(*current, "uid")) {
    return Conflict(type, name,
                    "Precondition failed: UID in precondition: " + requested_uid +
                        ", UID in object meta: " + MetaString(*current, "uid"));
  }
  object.erase("kind");
  object.erase("apiVersion");
  json result;
  if (scope == UpdateScope::kStatus) {
    result = *current;
    if (const json* status = Find(object, "status")) {
      result["status"] = *status;
    } else {
      result.erase("status");
    }
  } else {
    result = std::move(object);
    if (type.has_status) {
      if (const json* status = Find(*current, "status")) {
        result["status"] = *status;
      } else {
        result.erase("status");
      }
    }
  }
  json& meta = result["metadata"];
  if (!meta.is_object()) meta = json::object();
  const json& old_meta = Meta(*current);
  // Immutable, server-owned metadata.
  for (const char* field : {"name", "namespace", "uid", "creationTimestamp", "generateName"}) {
    if (const json* v = Find(old_meta, field)) {
      meta[field] = *v;
    } else {
      meta.erase(field);
    }
  }
  meta.erase("selfLink");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  if (type.kind == "Namespace") meta["labels"]["kubernetes.io/metadata.name"] = name;
  if (type.has_generation) {
    int64_t generation = old_meta.value("generation", int64_t{1});
    // The "spec" of an EndpointSlice is its top-level endpoints, ports and addressType.
    bool spec_changed = false;
    for (const char* field : type.kind == "EndpointSlice"
                                 ? std::vector<const char*>{"endpoints", "ports", "addressType"}
                                 : std::vector<const char*>{"spec"}) {
      const json* before = Find(*current, field);
      const json* after = Find(result, field);
      spec_changed = spec_changed || (before == nullptr) != (after == nullptr) ||
                     (before && after && *before != *after);
    }
    meta["generation"] = spec_changed ? generation + 1 : generation;
  }
  if (type.kind == "Service" && scope == UpdateScope::kMain) {
    if (auto error = DefaultServiceLocked(result, current.get())) return *error;
  }
  meta["resourceVersion"] = MetaString(*current, "resourceVersion");
  // An update that changes nothing is not written and produces no event, as with etcd.
  if (result == *current) return current;
  uint64_t rv = ++rv_;
  meta["resourceVersion"] = std::to_string(rv);
  auto stored = std::make_shared<const json>(std::move(result));
  ObjectPtr previous = current;
  MapFor(type)[key] = stored;
  if (type.kind == "Service") {
    service_allocations_.Remove(*previous);
    service_allocations_.Add(*stored);
  }
  Record({rv, &type, EventType::kModified, key, stored, previous});
  return ObjectPtr(stored);
}

ObjectPtr Store::DeleteLocked(const ResourceType& type, std::string key, ObjectPtr current) {
  uint64_t rv = ++rv_;
  json last = *current;
  last["metadata"]["resourceVersion"] = std::to_string(rv);
  auto stored = std::make_shared<const json>(std::move(last));
  ObjectPtr previous = current;
  MapFor(type).erase(key);
  if (type.kind == "Service") service_allocations_.Remove(*previous);
  Record({rv, &type, EventType::kDeleted, key, stored, previous});
  return stored;
}

ApiResult<ObjectPtr> Store::Delete(const ResourceType& type, const std::string& ns,
                                   const std::string& name, const std::string& precondition_uid,
                                   const std::string& precondition_rv) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = Key(type.namespaced ? ns : "", name);
  ObjectMap& map = MapFor(type);
  auto it = map.find(key);
  if (it == map.end()) return NotFound(type, name);
  ObjectPtr current = it->second;
  if (!precondition_uid.empty() && precondition_uid != MetaString(*current, "uid")) {
    return Conflict(type, name,
                    "Precondition failed: UID in precondition: " + precondition_uid +
                        ", UID in object meta: " + MetaString(*current, "uid"));
  }
  if (!precondition_rv.empty() && precondition_rv != MetaString(*current, "resourceVersion")) {
    return Conflict(
        type, name,
        "Precondition failed: ResourceVersion in precondition: " + precondition_rv +
            ", ResourceVersion in object meta: " + MetaString(*current, "resourceVersion"));
  }
  if (type.kind == "Namespace") {
    // The namespace controller would empty it; do that at once.
    const std::string prefix = Key(name, "");
    for (auto& [other_type, objects] : objects_) {
      if (!other_type->namespaced) continue;
      for (auto obj = objects.lower_bound(prefix);
           obj != objects.end() && obj->first.compare(0, prefix.size(), prefix) == 0;) {
        auto next = std::next(obj);
        DeleteLocked(*other_type, obj->first, obj->second);
        obj = next;
      }
    }
  }
  return DeleteLocked(type, key, current);
}

ApiResult<ListResult> Store::List(const ResourceType& type, const ListOptions& options) const {
  std::optional<ContinueToken> token;
  if (!options.continue_token.empty()) {
    token = DecodeContinueToken(options.continue_token);
    if (!token) return BadRequest("continue key is not valid: malformed continue token");
  }
  std::lock_guard<std::mutex> lock(mu_);
  static const ObjectMap kEmpty;
  const ObjectMap* found = FindMap(type);
  const ObjectMap& current = found ? *found : kEmpty;
  ListResult result;
  result.rv = token ? token->rv : rv_;
  if (token && token->rv < compacted_rv_) {
    return Expired(
        "The provided continue parameter is too old to display a consistent list result. You "
        "can start a new list without the continue parameter, or use the continue token in "
        "this response to retrieve the remainder of the results. Continuing with the provided "
        "token results in an inconsistent list - objects that were created, modified, or "
        "deleted between the time the first chunk was returned and now may show up in the "
        "list.");
  }
  // State at the snapshot rv: undo, per key, the events after it (first event's previous).
  std::map<std::string, ObjectPtr> at_snapshot;
  if (result.rv < rv_) {
    auto first = std::upper_bound(history_.begin(), history_.end(), result.rv,
                                  [](uint64_t rv, const StoredEvent& e) { return rv < e.rv; });
    for (auto ev = first; ev != history_.end(); ++ev) {
      if (ev->type == &type) at_snapshot.emplace(ev->key, ev->previous);
    }
  }
  const std::string prefix = options.ns.empty() || !type.namespaced ? "" : Key(options.ns, "");
  auto a = token ? current.upper_bound(token->last_key) : current.lower_bound(prefix);
  auto b = token ? at_snapshot.upper_bound(token->last_key) : at_snapshot.lower_bound(prefix);
  auto in_range = [&](const std::string& key) {
    return key.compare(0, prefix.size(), prefix) == 0;
  };
  std::string last_key;
  bool more = false;
  WatchFilter filter{&type, options.ns, options.labels, options.fields};
  while (true) {
    const std::string* key = nullptr;
    ObjectPtr object;
    bool a_valid = a != current.end() && in_range(a->first);
    bool b_valid = b != at_snapshot.end() && in_range(b->first);
    if (!a_valid && !b_valid) break;
    if (b_valid && (!a_valid || b->first <= a->first)) {
      if (a_valid && a->first == b->first) ++a;
      key = &b->first;
      object = b->second;
      ++b;
    } else {
      key = &a->first;
      object = a->second;
      ++a;
    }
    if (!object) continue;
    if (options.limit > 0 && result.items.size() == options.limit) {
      more = true;
      break;
    }
    last_key = *key;
    if (Matches(filter, *object)) result.items.push_back(object);
  }
  if (more) {
    int64_t seen = (token ? token->seen : 0) + int64_t(result.items.size());
    result.continue_token = EncodeContinueToken({result.rv, last_key, seen});
    if (prefix.empty() && options.labels.Empty() && options.fields.Empty()) {
      int64_t total = int64_t(current.size());
      for (const auto& [key, before] : at_snapshot) {
        total += (before ? 1 : 0) - int64_t(current.count(key));
      }
      result.remaining_items = total - seen;
    }
  }
  return result;
}

std::pair<std::vector<ObjectPtr>, uint64_t> Store::Snapshot(const WatchFilter& filter) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ObjectPtr> out;
  if (const ObjectMap* map = FindMap(*filter.type)) {
    for (const auto& [key, object] : *map) {
      if (Matches(filter, *object)) out.push_back(object);
    }
  }
  return {std::move(out), rv_};
}

WatchBatch Store::WaitForEvents(const WatchFilter& filter, uint64_t cursor,
                                std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  WatchBatch batch;
  while (true) {
    if (stopped_) {
      batch.stopped = true;
      batch.cursor = cursor;
      return batch;
    }
    if (cursor < compacted_rv_) {
      batch.expired = true;
      batch.cursor = cursor;
      return batch;
    }
    auto ev = std::upper_bound(history_.begin(), history_.end(), cursor,
                               [](uint64_t rv, const StoredEvent& e) { return rv < e.rv; });
    size_t scanned = 0;
    for (; ev != history_.end() && scanned < kMaxScanPerBatch; ++ev, ++scanned) {
      cursor = ev->rv;
      if (ev->type != filter.type) continue;
      bool now = Matches(filter, *ev->object);
      switch (ev->event) {
        case EventType::kAdded:
          if (now) batch.events.push_back({EventType::kAdded, ev->object});
          break;
        case EventType::kModified: {
          // A change in or out of the selection looks like an add or a delete to this watcher.
          bool before = Matches(filter, *ev->previous);
          if (now && before) batch.events.push_back({EventType::kModified, ev->object});
          if (now && !before) batch.events.push_back({EventType::kAdded, ev->object});
          if (!now && before) batch.events.push_back({EventType::kDeleted, ev->object});
          break;
        }
        case EventType::kDeleted:
          if (now) batch.events.push_back({EventType::kDeleted, ev->object});
          break;
      }
    }
    if (ev == history_.end()) cursor = std::max(cursor, rv_);
    batch.cursor = cursor;
    if (!batch.events.empty()) return batch;
    if (ev != history_.end()) continue;  // more history to scan without waiting
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) return batch;
  }
}

uint64_t Store::CurrentResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

uint64_t Store::CompactedResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return compacted_rv_;
}

void Store::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  changed_.notify_all();
}

json Store::Dump() const {
  std::vector<std::pair<const ResourceType*, ObjectPtr>> all;
  uint64_t rv = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rv = rv_;
    for (const auto& [type, objects] : objects_) {
      for (const auto& [key, object] : objects) all.emplace_back(type, object);
    }
  }
  json items = json::array();
  for (const auto& [type, object] : all) {
    json item = *object;
    item["kind"] = type->kind;
    item["apiVersion"] = type->ApiVersion();
    items.push_back(std::move(item));
  }
  return {{"resourceVersion", rv}, {"objects", std::move(items)}};
}

Status Store::Load(const json& state) {
  if (!state.is_object() || !state.contains("objects") || !state["objects"].is_array() ||
      !state.contains("resourceVersion") || !state["resourceVersion"].is_number_unsigned()) {
    return Error{EINVAL, "state file: expected {resourceVersion, objects[]}"};
  }
  std::lock_guard<std::mutex> lock(mu_);
  objects_.clear();
  history_.clear();
  service_allocations_.Clear();
  for (const auto& item : state["objects"]) {
    const ResourceType* type = nullptr;
    for (const auto& candidate : AllResourceTypes()) {
      if (item.value("kind", "") == candidate.kind &&
          item.value("apiVersion", "") == candidate.ApiVersion()) {
        type = &candidate;
      }
    }
    if (!type) return Error{EINVAL, "state file: unknown kind in " + item.dump().substr(0, 200)};
    json object = item;
    object.erase("kind");
    object.erase("apiVersion");
    std::string key =
        Key(type->namespaced ? MetaString(object, "namespace") : "", MetaString(object, "name"));
    auto stored = std::make_shared<const json>(std::move(object));
    if (type->kind == "Service") {
      if (auto replaced = MapFor(*type).find(key); replaced != MapFor(*type).end()) {
        service_allocations_.Remove(*replaced->second);
      }
      service_allocations_.Add(*stored);
    }
    MapFor(*type)[key] = std::move(stored);
  }
  rv_ = state["resourceVersion"].get<uint64_t>();
  compacted_rv_ = rv_;  // no history survives a restart
  saved_rv_ = rv_;
  return Status::Ok();
}

bool Store::Dirty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_ != saved_rv_;
}

void Store::MarkClean(uint64_t saved_rv) {
  std::lock_guard<std::mutex> lock(mu_);
  saved_rv_ = saved_rv;
}

}  // namespace kr::apiserver
