// Connecting a daemon's bus subscriber to its controller loop, the same way in every daemon:
// each change is recorded by the controller on the subscriber's thread and wakes the loop
// (which coalesces), and the in-sync marker lets the controller delete stale kernel state and
// asks for a full sync (architecture.md: no deletes before in-sync).
//
//   kr::daemon::FeedLoop<kr::model::Pod>(
//       subscriber, loop, [&](const kr::model::Pod& p) { controller.UpsertPod(p); },
//       [&](const std::string& key) { controller.DeletePod(key); });
//   kr::daemon::FullSyncOnInSync(subscriber, loop, [&] { controller.MarkInSync(); });
#pragma once

#include <functional>
#include <string>

#include "common/bus/subscriber.h"
#include "common/log/log.h"
#include "common/runtime/controller_loop.h"

namespace kr::daemon {

template <typename T>
void FeedLoop(bus::Subscriber& subscriber, ControllerLoop& loop,
              std::function<void(const T& object)> upsert,
              std::function<void(const std::string& key)> remove) {
  subscriber.On<T>(
      [&loop, upsert = std::move(upsert)](const std::string&, const T& object) {
        upsert(object);
        loop.OnUpdate();
      },
      [&loop, remove = std::move(remove)](const std::string& key) {
        remove(key);
        loop.OnUpdate();
      });
}

inline void FullSyncOnInSync(bus::Subscriber& subscriber, ControllerLoop& loop,
                             std::function<void()> mark_in_sync) {
  subscriber.OnInSync([&loop, mark_in_sync = std::move(mark_in_sync)] {
    KR_LOG(INFO) << "bus in-sync: full sync";
    mark_in_sync();
    loop.RequestFullSync();
  });
}

}  // namespace kr::daemon
