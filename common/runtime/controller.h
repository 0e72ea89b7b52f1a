// What a daemon's controller implements: the seed's Sync and Cleanup verbs.
//
// The other two verbs come from ControllerLoop (controller_loop.h): Run is the loop thread
// (periodic full sync), OnUpdate is how an event asks for a sync.
//
//   class IpvsController final : public kr::Controller {
//    public:
//     kr::Status Sync(kr::SyncKind kind, const kr::StopToken& stop) override {
//       // kFull: diff everything against the kernel (repairs drift made by others).
//       // kIncremental: apply only what changed since the last sync (the dirty set the
//       //   event handlers recorded), one or two netlink messages per changed object.
//     }
//     kr::Status Cleanup() override { /* remove exactly what this daemon installed */ }
//   };
//
//   // main, for --cleanup-config: no loop is started.
//   if (flags.cleanup_config) return controller.Cleanup().ok() ? 0 : 1;
#pragma once

#include <string_view>

#include "common/base/expected.h"
#include "common/runtime/stop_token.h"

namespace kr {

enum class SyncKind {
  kFull,         // periodic or first sync: reconcile everything
  kIncremental,  // one or more coalesced events: reconcile what they changed
};

inline std::string_view ToString(SyncKind kind) {
  return kind == SyncKind::kFull ? "full" : "incremental";
}

class Controller {
 public:
  virtual ~Controller() = default;

  // Reconciles the kernel with the desired state. Called only on the loop thread, never
  // concurrently with itself. A failed sync is retried after a backoff, with the same kind
  // (merged with whatever was requested meanwhile), so an incremental Sync that fails must
  // keep the changes it has not applied. A long sync should check `stop` and return early
  // (with an error) once it is requested, so shutdown stays prompt.
  virtual Status Sync(SyncKind kind, const StopToken& stop) = 0;

  // Removes everything this controller installed (--cleanup-config). Called from main while
  // no loop runs this controller.
  virtual Status Cleanup() = 0;
};

}  // namespace kr
