// The kr-bus subcommands. Each returns the process exit status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/bus/bus.h"

namespace kr::busctl {

struct CommonOptions {
  bus::BusAddress address;
  std::vector<bus::Topic> topics;  // empty: all
  bool compact = false;            // one-line JSON instead of indented
};

struct TapOptions {
  bool heartbeats = false;        // also print "$bus" messages
  std::optional<uint64_t> count;  // exit after this many printed messages
  std::optional<double> seconds;  // exit after this long
};

int Tap(const CommonOptions& common, const TapOptions& options);
int PrintSnapshot(const CommonOptions& common, std::chrono::milliseconds timeout);
int PrintStats(const CommonOptions& common, double seconds);

// "0123456789abcdef": epochs are 64-bit, beyond what JSON readers keep exact in a number.
std::string EpochHex(uint64_t epoch);

// Set by SIGINT/SIGTERM; the loops poll it.
bool StopRequested();
void InstallStopHandlers();

}  // namespace kr::busctl
