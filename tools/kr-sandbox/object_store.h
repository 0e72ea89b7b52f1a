// The sandbox components' view of the apiserver: one reflector per kind fills a cache of
// whole objects, and a reconcile loop waits for changes and reads copies.
//
// Writes a component makes itself are put into the cache at once (write-through), so the next
// pass counts a pod it just created before the watch brings it back; an object it deleted is
// remembered (by uid) until the watch confirms the delete, so a late event from before the
// delete cannot bring it back in between. An upsert older (by resourceVersion, when both are
// numbers) than the cached object of the same uid is ignored for the same reason.
//
// Threading: reflector threads call the sinks; any thread may read, write through and wait.
// Everything is guarded by one mutex; List returns copies (sandbox scale: a few hundred
// objects).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/reflector.h"
#include "common/kube/rest_config.h"

namespace kr::sandbox {

class ObjectStore {
 public:
  // `kinds` names the caches ("Pod", "Node", ...), each filled by one sink.
  explicit ObjectStore(const std::vector<std::string>& kinds);
  ~ObjectStore();

  kube::ReflectorSink& SinkFor(const std::string& kind);

  // Copies of the cached objects of a kind, by "namespace/name" (or "name").
  std::map<std::string, nlohmann::json> List(const std::string& kind) const;
  // Whether every kind has been listed once.
  bool AllListed() const;

  void WriteThrough(const std::string& kind, const nlohmann::json& object);
  void ForgetDeleted(const std::string& kind, const std::string& key);

  // Marks the view changed (e.g. to retry after a failed write).
  void Poke();
  // Returns true when something changed since the last call (clearing the mark), false on
  // timeout or stop.
  bool WaitForChange(std::chrono::milliseconds timeout, const std::stop_token& stop);

 private:
  class KindSink;
  struct KindCache {
    std::map<std::string, nlohmann::json> objects;
    std::map<std::string, std::string> deleted_uids;  // key -> uid deleted by us, not yet seen
    bool listed = false;
  };
  void Upsert(const std::string& kind, const std::string& key, nlohmann::json&& object);
  void Remove(const std::string& kind, const std::string& key);
  void Listed(const std::string& kind);

  mutable std::mutex mutex_;
  std::condition_variable_any changed_cv_;
  bool changed_ = false;
  std::map<std::string, KindCache> caches_;
  std::map<std::string, std::unique_ptr<KindSink>> sinks_;
};

// Runs one reflector per (kind, path) into a store, each on its own thread with its own
// connection, until destroyed.
class StoreWatchers {
 public:
  struct Watch {
    std::string kind;
    std::string path;  // e.g. "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1"
  };
  // Connections are made here; an invalid config is an error (start-up).
  static Expected<std::unique_ptr<StoreWatchers>> Start(const kube::RestConfig& config,
                                                        ObjectStore& store,
                                                        const std::vector<Watch>& watches);
  ~StoreWatchers();  // stops and joins every reflector

 private:
  struct Running;
  std::vector<std::unique_ptr<Running>> running_;
};

}  // namespace kr::sandbox
