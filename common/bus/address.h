// Where the bus lives (proto/SPEC.md section 1): two ZeroMQ endpoints, by default ipc://
// sockets in one directory that only the publisher's user may enter.
#pragma once

#include <string>

#include "common/base/expected.h"

namespace kr::bus {

struct BusAddress {
  std::string updates;   // PUB/SUB endpoint, e.g. ipc:///run/kr-node/bus/updates.sock
  std::string snapshot;  // ROUTER/DEALER endpoint, e.g. ipc:///run/kr-node/bus/snapshot.sock

  static BusAddress InDirectory(const std::string& dir);
};

inline constexpr const char* kDefaultBusDirectory = "/run/kr-node/bus";

// Publisher side: creates `dir` (and missing parents) with mode 0700, or sets an existing
// directory owned by this user to 0700; refuses a directory owned by someone else.
Status PrepareBusDirectory(const std::string& dir);

// Publisher side, after bind: sets an ipc:// socket file to mode 0600. No-op for other
// transports.
Status RestrictSocketFile(const std::string& endpoint);

}  // namespace kr::bus
