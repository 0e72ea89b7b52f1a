#include "common/runtime/controller_loop.h"

#include <stdexcept>
#include <utility>

namespace kr {

ControllerLoop::ControllerLoop(Controller& controller, LoopOptions options, LoopHooks hooks,
                               Clock& clock)
    : controller_(controller),
      hooks_(std::move(hooks)),
      clock_(clock),
      scheduler_(options, clock.Now()),
      clock_waker_(clock, [this] {
        std::lock_guard guard(mu_);
        wake_.notify_all();
      }) {}

ControllerLoop::~ControllerLoop() {
  Stop();
}

void ControllerLoop::Start() {
  if (thread_.joinable()) throw std::logic_error("ControllerLoop started twice");
  thread_ = std::thread([this] { Run(); });
}

void ControllerLoop::RequestSync(SyncKind kind) {
  std::lock_guard guard(mu_);
  scheduler_.Request(kind);
  wake_.notify_all();
}

void ControllerLoop::Stop() {
  // Outside mu_: stop callbacks registered by Sync may call back into this loop.
  stop_.RequestStop();
  {
    std::lock_guard guard(mu_);  // the loop is either before its stop check or asleep
    wake_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ControllerLoop::Run() {
  const StopToken stop = stop_.token();
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    const Clock::TimePoint now = clock_.Now();
    if (const auto kind = scheduler_.DueSync(now)) {
      scheduler_.SyncStarted(*kind, now);
      lock.unlock();  // requests made during the sync must not wait for it
      Status status = controller_.Sync(*kind, stop);
      const Clock::TimePoint end = clock_.Now();
      lock.lock();
      const Clock::Duration retry_after = scheduler_.SyncFinished(*kind, status.ok(), end);
      scheduler_.HeartbeatSent(end);
      const SyncReport report{*kind, std::move(status), end - now,
                              scheduler_.consecutive_failures(), retry_after};
      lock.unlock();
      if (hooks_.on_sync) hooks_.on_sync(report);
      if (hooks_.on_heartbeat) hooks_.on_heartbeat();
      lock.lock();
      continue;
    }
    if (scheduler_.HeartbeatDue(now)) {
      scheduler_.HeartbeatSent(now);
      lock.unlock();
      if (hooks_.on_heartbeat) hooks_.on_heartbeat();
      lock.lock();
      continue;
    }
    clock_.WaitUntil(lock, wake_, scheduler_.NextWake());
  }
}

}  // namespace kr
