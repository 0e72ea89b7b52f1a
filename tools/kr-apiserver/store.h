// The in-memory object store: one global resourceVersion counter, objects per resource type
// kept in key order (namespace/name), a bounded history of change events for watches and for
// consistent paged lists, and the metadata the apiserver sets on every write.
//
// Threading: every public method is safe to call from any thread (one mutex). Objects are
// immutable once stored and shared by pointer with the history and with readers, so results
// stay valid after the lock is released.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tools/kr-apiserver/api_error.h"
#include "tools/kr-apiserver/resources.h"
#include "tools/kr-apiserver/selector.h"
#include "tools/kr-apiserver/service_defaults.h"

namespace kr::apiserver {

// A stored object. It carries neither kind nor apiVersion (lists do not show them on items);
// writers to the wire add them (see WithTypeMeta).
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

enum class EventType { kAdded, kModified, kDeleted };
const char* EventTypeName(EventType type);

struct StoredEvent {
  uint64_t rv = 0;
  const ResourceType* type = nullptr;
  EventType event = EventType::kAdded;
  std::string key;     // "namespace/name" ("/name" when cluster-scoped)
  ObjectPtr object;    // the new state; for kDeleted the last state, at the deleting rv
  ObjectPtr previous;  // the state before (null for kAdded)
};

struct ListOptions {
  std::string ns;  // empty: all namespaces
  LabelSelector labels;
  FieldSelector fields;
  size_t limit = 0;  // 0: no paging
  std::string continue_token;
};

struct ListResult {
  uint64_t rv = 0;
  std::vector<ObjectPtr> items;
  std::string continue_token;              // empty on the last page
  std::optional<int64_t> remaining_items;  // set when it can be computed
};

// Which part of an existing object an update may change.
enum class UpdateScope { kMain, kStatus };

struct WatchFilter {
  const ResourceType* type = nullptr;
  std::string ns;
  LabelSelector labels;
  FieldSelector fields;
};

struct WatchEvent {
  EventType event;
  ObjectPtr object;
};

struct WatchBatch {
  std::vector<WatchEvent> events;
  uint64_t cursor = 0;   // pass back to continue; also the rv a BOOKMARK may announce
  bool expired = false;  // the cursor fell out of the history window: send 410 Expired
  bool stopped = false;  // the store is shutting down
};

class Store {
 public:
  // Keeps the last `history_limit` events (at least 1).
  explicit Store(size_t history_limit);

  // The range Service ClusterIPs and NodePorts are allocated from (before any write).
  void SetServiceNetwork(const ServiceNetwork& network) { service_network_ = network; }

  // Creates the namespaces every cluster has ("default", "kube-system", ...).
  void AddDefaultNamespaces();

  ApiResult<ObjectPtr> Create(const ResourceType& type, const std::string& ns,
                              nlohmann::json object);
  ApiResult<ObjectPtr> Get(const ResourceType& type, const std::string& ns,
                           const std::string& name) const;
  // `object` replaces the stored one (minus what `scope` keeps); a non-empty
  // metadata.resourceVersion must match the stored one (409 Conflict otherwise).
  ApiResult<ObjectPtr> Update(const ResourceType& type, const std::string& ns,
                              const std::string& name, nlohmann::json object, UpdateScope scope);
  // Reads, transforms and writes atomically (the transform sees the current object).
  using Mutation = std::function<ApiResult<nlohmann::json>(const nlohmann::json& current)>;
  ApiResult<ObjectPtr> Mutate(const ResourceType& type, const std::string& ns,
                              const std::string& name, const Mutation& mutate, UpdateScope scope);
  // Preconditions (uid / resourceVersion) are checked when non-empty. Deleting a namespace
  // deletes every object in it first.
  ApiResult<ObjectPtr> Delete(const ResourceType& type, const std::string& ns,
                              const std::string& name, const std::string& precondition_uid,
                              const std::string& precondition_rv);

  ApiResult<ListResult> List(const ResourceType& type, const ListOptions& options) const;

  // For a watch without a resourceVersion: every matching object now, and the rv to
  // continue from.
  std::pair<std::vector<ObjectPtr>, uint64_t> Snapshot(const WatchFilter& filter) const;

  // Events after `cursor` that pass `filter`, waiting until `deadline` for the first one.
  WatchBatch WaitForEvents(const WatchFilter& filter, uint64_t cursor,
                           std::chrono::steady_clock::time_point deadline) const;

  uint64_t CurrentResourceVersion() const;
  // Events with rv <= this are no longer in the history.
  uint64_t CompactedResourceVersion() const;

  // Wakes every waiting watcher; later WaitForEvents return at once with stopped = true.
  void Stop();

  // Persistence: the whole state as one JSON document, and back.
  nlohmann::json Dump() const;
  Status Load(const nlohmann::json& state);
  // Changes since the last MarkClean (for periodic saving).
  bool Dirty() const;
  void MarkClean(uint64_t saved_rv);

 private:
  using ObjectMap = std::map<std::string, ObjectPtr>;

  static std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }
  ObjectMap& MapFor(const ResourceType& type);
  const ObjectMap* FindMap(const ResourceType& type) const;
  bool NamespaceExists(const std::string& ns) const;
  ApiResult<ObjectPtr> UpdateLocked(const ResourceType& type, const std::string& key,
                                    const ObjectPtr& current, nlohmann::json object,
                                    UpdateScope scope);
  // `key` and `current` are copies: callers may pass references into the map being erased.
  ObjectPtr DeleteLocked(const ResourceType& type, std::string key, ObjectPtr current);
  void Record(StoredEvent event);
  // Service defaults and allocations, against every other stored Service.
  std::optional<ApiError> DefaultServiceLocked(nlohmann::json& service,
                                               const nlohmann::json* previous);

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::map<const ResourceType*, ObjectMap> objects_;
  std::deque<StoredEvent> history_;
  size_t history_limit_;
  uint64_t rv_ = 0;
  uint64_t compacted_rv_ = 0;
  uint64_t saved_rv_ = 0;
  bool stopped_ = false;
  ServiceNetwork service_network_;
  ServiceAllocations service_allocations_;  // of every stored Service
};

// `object` serialized with kind and apiVersion first, as single-object answers carry them.
std::string WithTypeMeta(const ResourceType& type, const nlohmann::json& object);

}  // namespace kr::apiserver
