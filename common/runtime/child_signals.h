// Signal state for child processes of a daemon that uses ShutdownSignals.
//
// A spawned program inherits the blocked signal mask, and an ignored SIGPIPE survives exec:
// without a reset, iptables-restore & co. would ignore SIGTERM and broken pipes. Give every
// posix_spawn the defaults:
//
//   posix_spawnattr_t attr;
//   posix_spawnattr_init(&attr);
//   if (int err = kr::ResetSignalsForSpawn(attr); err != 0) { /* errno value */ }
//   posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ);
//   posix_spawnattr_destroy(&attr);
#pragma once

#include <spawn.h>

namespace kr {

// Sets an empty signal mask and default SIGINT, SIGTERM and SIGPIPE handling for the child.
// Returns 0 or an errno value.
int ResetSignalsForSpawn(posix_spawnattr_t& attr);

}  // namespace kr
