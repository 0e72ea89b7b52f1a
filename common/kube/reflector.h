// A reflector keeps a consumer in step with one kind of object on the apiserver, as client-go's
// Reflector does: a paged list, then a watch from the list's resourceVersion with bookmarks,
// and again on every failure.
//
// - Watches get a random timeout in [min, 2*min) so that many clients do not reconnect at once.
// - A watch that ends normally resumes from the last resourceVersion seen (events or bookmarks).
// - 410 Gone / an in-stream Expired error, an expired continue token, or an unreadable event
//   lead to a relist; the relist reports only real differences to the sink: upserts for objects
//   whose resourceVersion changed, deletes for keys that are gone. Nothing that still exists is
//   deleted, so a consumer never drops live state because a watch broke.
// - Transport errors are retried with exponential backoff and full jitter.
//
// The reflector keeps only key -> resourceVersion, never the objects: the sink normalizes and
// stores what it needs. Objects are parsed with the options' FieldFilter (plus the metadata the
// reflector reads), items handed over one by one as a page is read, and the next page is
// requested (on a helper thread) while the current one is parsed.
//
// Threading: Run() blocks on the calling thread until the stop token fires, which also cancels
// a request in progress. The sink is called on that thread. Stats may be read from any thread.
//
//   Reflector pods("/api/v1/pods", *transport, sink, {});
//   std::jthread t([&](std::stop_token stop) { pods.Run(stop); });
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "common/kube/api_objects.h"
#include "common/kube/api_transport.h"
#include "common/kube/field_filter.h"

namespace kr::kube {

class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // An object is new, or its resourceVersion changed.
  virtual void OnUpsert(const std::string& key, nlohmann::json&& object) = 0;
  // The same from a list page, as a view valid during the call only (filtered_parse.h). Sinks
  // that read objects in place override it to save building a tree per object.
  virtual void OnUpsertView(const std::string& key, JsonView object) {
    OnUpsert(key, object.ToJson());
  }
  virtual void OnDelete(const std::string& key) = 0;
  // A list (the first, or a relist) finished: the sink has seen the whole collection.
  virtual void OnListed() = 0;
  // A line of the stream or an item of a list that could not be read (already counted).
  virtual void OnDecodeError(const std::string& what) { (void)what; }
  // Around the objects of one list page and of one chunk read from a watch stream, so the
  // sink may hand them on together. In pairs, never nested, nothing waits between them.
  virtual void OnBatchBegin() {}
  virtual void OnBatchEnd() {}
  // A list starts and will hold about this many objects (from its first page).
  virtual void OnListSize(std::uint64_t objects) { (void)objects; }
};

struct ReflectorOptions {
  int page_size = 500;
  std::chrono::seconds min_watch_timeout{300};
  std::chrono::milliseconds initial_backoff{800};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::seconds request_timeout{60};
  std::uint64_t seed = std::random_device{}();
  // The fields the sink reads; metadata.name, .namespace and .resourceVersion are added.
  FieldFilter fields = FieldFilter::Everything();
};

struct ReflectorStats {
  std::atomic<std::uint64_t> lists{0};           // complete lists, the first included
  std::atomic<std::uint64_t> relists{0};         // lists caused by expiry or unreadable streams
  std::atomic<std::uint64_t> watch_restarts{0};  // watches opened after the first
  std::atomic<std::uint64_t> events{0};          // watch events applied
  std::atomic<std::uint64_t> decode_errors{0};
  std::atomic<std::uint64_t> request_errors{0};  // transport failures and unexpected statuses
  std::atomic<double> last_list_seconds{0};
};

class Reflector {
 public:
  Reflector(std::string resource_path, ApiTransport& transport, ReflectorSink& sink,
            ReflectorOptions options);

  void Run(std::stop_token stop);

  const ReflectorStats& stats() const { return stats_; }
  const std::string& resource_path() const { return path_; }

 private:
  enum class WatchEnd { kTimedOut, kExpired, kFailed, kStopped };

  Status List(std::stop_token stop);
  std::string PagePath(const std::string& continue_token) const;
  // On kFailed, `failure` says why.
  WatchEnd Watch(std::stop_token stop, std::string& failure);
  bool ApplyEvent(WatchEvent&& event, WatchEnd& end);
  // Sleeps for the next backoff step; returns false when stopped meanwhile.
  bool Backoff(std::stop_token stop);
  // Counts a failed request and logs it; a repeat of the previous failure is not logged again
  // until a request succeeds, so that an outage does not flood the log.
  void RequestFailed(const std::string& what);

  const std::string path_;
  ApiTransport& transport_;
  ReflectorSink& sink_;
  const ReflectorOptions options_;
  const FieldFilter list_filter_;   // options_.fields and the metadata the reflector reads
  const FieldFilter watch_filter_;  // and the members of a Status (ERROR events)
  std::mt19937_64 random_;
  std::chrono::milliseconds backoff_;

  // 16 bytes per object instead of a string: this map holds every object of the kind.
  struct Known {
    std::uint64_t version = 0;  // VersionTag of the resourceVersion
    std::uint64_t pass = 0;     // the last list pass that saw it
  };
  std::unordered_map<std::string, Known> versions_;  // by key
  // The resourceVersion as a number: itself when it is a canonical decimal below 2^63 (etcd's
  // revisions, so exact), else a hash with the top bit set (an apiserver with opaque versions;
  // a collision would only hide an update that a relist would otherwise have re-sent).
  static std::uint64_t VersionTag(std::string_view version);
  std::uint64_t list_pass_ = 0;
  std::string resource_version_;  // where the next watch starts
  std::string last_failure_;      // empty after a success
  ReflectorStats stats_;
};

}  // namespace kr::kube
