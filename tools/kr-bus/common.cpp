#include <csignal>
#include <cstdio>

#include "tools/kr-bus/commands.h"

namespace kr::busctl {
namespace {

volatile std::sig_atomic_t stop_requested = 0;

void OnStopSignal(int) {
  stop_requested = 1;
}

}  // namespace

std::string EpochHex(uint64_t epoch) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(epoch));
  return buffer;
}

bool StopRequested() {
  return stop_requested != 0;
}

void InstallStopHandlers() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

}  // namespace kr::busctl
