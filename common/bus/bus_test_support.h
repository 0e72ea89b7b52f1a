// Test helpers for the bus tests: a private bus directory, a consumer-side mirror of the
// state fed by a Subscriber's callbacks, and waiting on conditions (never on time alone).
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/bus/bus.h"

namespace kr::bus::testing {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kr-bus-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls `condition` until it holds or `timeout` passes; returns its last value.
template <typename Predicate>
bool WaitFor(Predicate condition, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

using State = std::map<Topic, std::map<std::string, nlohmann::json>>;

// What a consumer holds: every object reported by the subscriber, plus a log of deletes.
class Mirror {
 public:
  void Attach(Subscriber& subscriber,
              const std::vector<Topic>& topics = {kAllTopics.begin(), kAllTopics.end()}) {
    for (Topic topic : topics) {
      state_[topic];
      subscriber.OnRaw(
          topic,
          [this, topic](const std::string& key, const nlohmann::json& value) {
            std::lock_guard lock(mu_);
            state_[topic][key] = value;
            ++upserts_[key];
            return Status::Ok();
          },
          [this, topic](const std::string& key) {
            std::lock_guard lock(mu_);
            state_[topic].erase(key);
            ++deletes_[key];
          });
    }
    subscriber.OnInSync([this] {
      std::lock_guard lock(mu_);
      ++in_sync_calls_;
    });
  }

  State state() const {
    std::lock_guard lock(mu_);
    return state_;
  }
  int upserts(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = upserts_.find(key);
    return it == upserts_.end() ? 0 : it->second;
  }
  std::map<std::string, int> deletes() const {
    std::lock_guard lock(mu_);
    return deletes_;
  }
  int in_sync_calls() const {
    std::lock_guard lock(mu_);
    return in_sync_calls_;
  }
  bool Has(Topic topic, const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = state_.find(topic);
    return it != state_.end() && it->second.contains(key);
  }

 private:
  mutable std::mutex mu_;
  State state_;
  std::map<std::string, int> upserts_;
  std::map<std::string, int> deletes_;
  int in_sync_calls_ = 0;
};

// Waits until the subscriber's published stats show the publisher's current sequences for
// `topics`. Stats are refreshed after each batch of messages, so a test that has seen a
// callback must still wait for them before reading counters.
inline bool WaitForSeqs(const Subscriber& subscriber, const Publisher& publisher,
                        const std::vector<Topic>& topics = {kAllTopics.begin(), kAllTopics.end()}) {
  auto want = publisher.Stats().seqs;
  return WaitFor([&] {
    auto have = subscriber.Stats().seqs;
    for (Topic topic : topics) {
      if (have[Index(topic)] != want[Index(topic)]) return false;
    }
    return true;
  });
}

// The publisher's state restricted to `topics` (all by default), in the Mirror's shape.
inline State PublisherState(const Publisher& publisher, const std::vector<Topic>& topics = {
                                                            kAllTopics.begin(), kAllTopics.end()}) {
  auto all = publisher.CopyState();
  State out;
  for (Topic topic : topics) out[topic] = all[topic];
  return out;
}

inline PublisherOptions FastPublisher(const std::string& dir) {
  PublisherOptions options;
  options.address = BusAddress::InDirectory(dir);
  options.bus_directory = dir;
  options.heartbeat_interval = std::chrono::milliseconds(100);
  return options;
}

inline SubscriberOptions FastSubscriber(const std::string& dir) {
  SubscriberOptions options;
  options.address = BusAddress::InDirectory(dir);
  options.initial_heartbeat = std::chrono::milliseconds(100);
  options.snapshot_timeout = std::chrono::milliseconds(2000);
  return options;
}

inline model::Pod MakePod(const std::string& ns, const std::string& name, int generation) {
  model::Pod pod;
  pod.ns = ns;
  pod.name = name;
  pod.labels = {{"app", name}, {"generation", std::to_string(generation)}};
  pod.ips = {"10.244." + std::to_string(generation % 250) + ".7"};
  pod.node_name = "node-a";
  pod.phase = "Running";
  pod.ports = {model::ContainerPort{"http", "TCP", 8080}};
  return pod;
}

inline model::Service MakeService(const std::string& ns, const std::string& name, int port) {
  model::Service service;
  service.ns = ns;
  service.name = name;
  service.cluster_ips = {"10.96.0." + std::to_string(port % 250)};
  service.ports = {model::ServicePort{"http", "TCP", port, model::IntOrString{8080, ""}, 0}};
  return service;
}

}  // namespace kr::bus::testing
