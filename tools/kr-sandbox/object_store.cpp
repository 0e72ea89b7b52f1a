#include "tools/kr-sandbox/object_store.h"

#include <charconv>

#include "common/kube/rest_client.h"
#include "common/log/log.h"

namespace kr::sandbox {
namespace {

std::string Uid(const nlohmann::json& object) {
  return object.value("/metadata/uid"_json_pointer, std::string());
}

// resourceVersion as a number, or -1 when it is not one (they are opaque in general).
long long NumericVersion(const nlohmann::json& object) {
  const std::string rv = kube::ObjectResourceVersion(object);
  long long value = -1;
  auto [end, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), value);
  if (ec != std::errc() || end != rv.data() + rv.size()) return -1;
  return value;
}

}  // namespace

class ObjectStore::KindSink : public kube::ReflectorSink {
 public:
  KindSink(ObjectStore& store, std::string kind) : store_(store), kind_(std::move(kind)) {}
  void OnUpsert(const std::string& key, nlohmann::json&& object) override {
    store_.Upsert(kind_, key, std::move(object));
  }
  void OnDelete(const std::string& key) override { store_.Remove(kind_, key); }
  void OnListed() override { store_.Listed(kind_); }
  void OnDecodeError(const std::string& what) override { KR_LOG(WARNING) << kind_ << ": " << what; }

 private:
  ObjectStore& store_;
  const std::string kind_;
};

ObjectStore::ObjectStore(const std::vector<std::string>& kinds) {
  for (const auto& kind : kinds) {
    caches_[kind];
    sinks_[kind] = std::make_unique<KindSink>(*this, kind);
  }
}

ObjectStore::~ObjectStore() = default;

kube::ReflectorSink& ObjectStore::SinkFor(const std::string& kind) {
  return *sinks_.at(kind);
}

std::map<std::string, nlohmann::json> ObjectStore::List(const std::string& kind) const {
  std::lock_guard lock(mutex_);
  return caches_.at(kind).objects;
}

bool ObjectStore::AllListed() const {
  std::lock_guard lock(mutex_);
  for (const auto& [kind, cache] : caches_) {
    if (!cache.listed) return false;
  }
  return true;
}

void ObjectStore::Upsert(const std::string& kind, const std::string& key, nlohmann::json&& object) {
  std::lock_guard lock(mutex_);
  KindCache& cache = caches_.at(kind);
  const std::string uid = Uid(object);
  if (auto gone = cache.deleted_uids.find(key); gone != cache.deleted_uids.end()) {
    if (gone->second == uid) return;  // an event from before our delete
    cache.deleted_uids.erase(gone);
  }
  if (auto cached = cache.objects.find(key); cached != cache.objects.end()) {
    if (Uid(cached->second) == uid && NumericVersion(object) >= 0 &&
        NumericVersion(object) < NumericVersion(cached->second)) {
      return;  // older than what we wrote through
    }
  }
  cache.objects[key] = std::move(object);
  changed_ = true;
  changed_cv_.notify_all();
}

void ObjectStore::Remove(const std::string& kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  KindCache& cache = caches_.at(kind);
  cache.deleted_uids.erase(key);
  cache.objects.erase(key);
  changed_ = true;
  changed_cv_.notify_all();
}

void ObjectStore::Listed(const std::string& kind) {
  std::lock_guard lock(mutex_);
  caches_.at(kind).listed = true;
  changed_ = true;
  changed_cv_.notify_all();
}

void ObjectStore::WriteThrough(const std::string& kind, const nlohmann::json& object) {
  const std::string key = kube::ObjectKey(object);
  if (key.empty()) return;
  nlohmann::json copy = object;
  Upsert(kind, key, std::move(copy));
}

void ObjectStore::ForgetDeleted(const std::string& kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  KindCache& cache = caches_.at(kind);
  auto cached = cache.objects.find(key);
  if (cached == cache.objects.end()) return;
  cache.deleted_uids[key] = Uid(cached->second);
  cache.objects.erase(cached);
}

void ObjectStore::Poke() {
  std::lock_guard lock(mutex_);
  changed_ = true;
  changed_cv_.notify_all();
}

bool ObjectStore::WaitForChange(std::chrono::milliseconds timeout, const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  changed_cv_.wait_for(lock, stop, timeout, [this] { return changed_; });
  const bool was = changed_;
  changed_ = false;
  return was && !stop.stop_requested();
}

struct StoreWatchers::Running {
  std::unique_ptr<kube::RestClient> client;
  std::unique_ptr<kube::Reflector> reflector;
  std::jthread thread;
};

Expected<std::unique_ptr<StoreWatchers>> StoreWatchers::Start(const kube::RestConfig& config,
                                                              ObjectStore& store,
                                                              const std::vector<Watch>& watches) {
  auto watchers = std::make_unique<StoreWatchers>();
  kube::ReflectorOptions options;
  options.min_watch_timeout = std::chrono::seconds(60);
  options.initial_backoff = std::chrono::milliseconds(200);
  options.max_backoff = std::chrono::milliseconds(5000);
  for (const Watch& watch : watches) {
    auto client = kube::RestClient::Create(config);
    if (!client) return client.error();
    auto running = std::make_unique<Running>();
    running->client = std::move(*client);
    running->reflector = std::make_unique<kube::Reflector>(watch.path, *running->client,
                                                           store.SinkFor(watch.kind), options);
    kube::Reflector* reflector = running->reflector.get();
    running->thread = std::jthread([reflector](std::stop_token stop) { reflector->Run(stop); });
    watchers->running_.push_back(std::move(running));
  }
  return watchers;
}

StoreWatchers::~StoreWatchers() {
  for (auto& running : running_) running->thread.request_stop();
  for (auto& running : running_) {
    if (running->thread.joinable()) running->thread.join();
  }
}

}  // namespace kr::sandbox
