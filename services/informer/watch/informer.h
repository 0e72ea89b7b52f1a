// One reflector per kind, each on its own thread with its own apiserver connection, feeding
// publishing sinks; the bus is marked in-sync once every kind has been listed completely.
//
// Threading: Start and Stop from the owning thread; everything else may be read from any
// thread (metrics).
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/base/expected.h"
#include "common/kube/api_transport.h"
#include "common/kube/reflector.h"
#include "services/informer/watch/bus_writer.h"
#include "services/informer/watch/kinds.h"
#include "services/informer/watch/publishing_sink.h"

namespace kr::informer {

class Informer {
 public:
  // Makes one apiserver connection; called once per kind so that watches never share one.
  using TransportFactory = std::function<Expected<std::unique_ptr<kube::ApiTransport>>()>;

  Informer(TransportFactory transports, BusWriter& bus, kube::ReflectorOptions options);
  ~Informer();

  Status Start();
  void Stop();

  bool in_sync() const { return in_sync_; }

  struct KindState {
    const KindInfo* info;
    const kube::ReflectorStats* reflector;
    const SinkCounters* sink;
  };
  std::vector<KindState> States() const;

 private:
  struct Watcher {
    const KindInfo* info;
    std::unique_ptr<kube::ApiTransport> transport;
    std::unique_ptr<PublishingSink> sink;
    std::unique_ptr<kube::Reflector> reflector;
    std::atomic<bool> listed{false};
    std::jthread thread;
  };
  void OnListed(Watcher& watcher);

  TransportFactory transports_;
  BusWriter& bus_;
  const kube::ReflectorOptions options_;
  std::vector<std::unique_ptr<Watcher>> watchers_;
  std::mutex in_sync_mutex_;
  std::atomic<bool> in_sync_{false};
};

}  // namespace kr::informer
