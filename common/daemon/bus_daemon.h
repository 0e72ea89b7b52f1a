// The start and the end that every bus-fed daemon (kr-proxyd, kr-policyd, kr-routed) has
// alike, so that each main() holds only what is its own:
//
//   kr::ShutdownSignals signals;  // first: every later thread inherits the blocked signals
//   kr::flags::CommonFlags common;
//   common.health_port = 20243;
//   kr::policyd::PolicydFlags own;
//   kr::daemon::ParseFlagsOrExit(argc, argv, "kr-policyd", "NetworkPolicy firewall ...",
//                                common, own);
//   ... kernel seams, DaemonStatus, controller, ControllerLoop, Subscriber, FeedLoop ...
//   if (!kr::daemon::StartFeed(loop, subscriber, status)) return 1;
//   kr::daemon::WaitThenStopFeed(signals, subscriber, loop);
//   status.Stop();
//
// Threading: main thread only.
#pragma once

#include <string>

#include "common/bus/subscriber.h"
#include "common/daemon/daemon_status.h"
#include "common/flags/common_flags.h"
#include "common/flags/flag_set.h"
#include "common/runtime/controller_loop.h"
#include "common/runtime/shutdown_signals.h"

namespace kr::daemon {

// The common flags and the daemon's own (any type with Register(FlagSet&)) on one command
// line; prints usage and exits on --help or a bad flag, as every kube-router daemon does.
template <typename OwnFlags>
void ParseFlagsOrExit(int argc, char** argv, const std::string& program,
                      const std::string& description, flags::CommonFlags& common, OwnFlags& own) {
  flags::FlagSet set(program, description);
  common.Register(set);
  own.Register(set);
  set.ParseOrExit(argc, argv);
}

// Starts the loop, then the subscriber that feeds it (the loop first, so that no update finds
// it stopped). When the subscriber cannot start, logs why, stops the loop and `status` again
// and returns false: main() then exits with 1.
bool StartFeed(ControllerLoop& loop, bus::Subscriber& subscriber, DaemonStatus& status);

// Blocks until SIGTERM or SIGINT, then stops the subscriber and then the loop it feeds. What
// the daemon owns beyond these (status, speakers, sockets) it stops itself afterwards.
void WaitThenStopFeed(const ShutdownSignals& signals, bus::Subscriber& subscriber,
                      ControllerLoop& loop);

}  // namespace kr::daemon
