#include "common/runtime/child_signals.h"

#include <signal.h>

namespace kr {

int ResetSignalsForSpawn(posix_spawnattr_t& attr) {
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  short flags = 0;
  if (int err = posix_spawnattr_getflags(&attr, &flags); err != 0) return err;
  if (int err = posix_spawnattr_setsigmask(&attr, &none); err != 0) return err;
  if (int err = posix_spawnattr_setsigdefault(&attr, &defaults); err != 0) return err;
  return posix_spawnattr_setflags(
      &attr, static_cast<short>(flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
}

}  // namespace kr
