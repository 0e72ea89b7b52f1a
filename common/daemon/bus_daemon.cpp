#include "common/daemon/bus_daemon.h"

#include "common/log/log.h"

namespace kr::daemon {

bool StartFeed(ControllerLoop& loop, bus::Subscriber& subscriber, DaemonStatus& status) {
  loop.Start();
  if (Status started = subscriber.Start(); !started.ok()) {
    KR_LOG(ERROR) << "bus: " << started.error().message;
    loop.Stop();
    status.Stop();
    return false;
  }
  return true;
}

void WaitThenStopFeed(const ShutdownSignals& signals, bus::Subscriber& subscriber,
                      ControllerLoop& loop) {
  signals.token().Wait();
  KR_LOG(INFO) << "stopping";
  subscriber.Stop();
  loop.Stop();
}

}  // namespace kr::daemon
