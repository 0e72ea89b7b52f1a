#include "tools/kr-apiserver/logging.h"

#include <sys/time.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace kr::apiserver {

namespace {

std::atomic<int> g_verbosity{0};
std::mutex g_mu;

void Write(char severity, const std::string& message) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  localtime_r(&tv.tv_sec, &tm);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "%c%02d%02d %02d:%02d:%02d.%06ld kr-apiserver] %s\n", severity,
               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
               static_cast<long>(tv.tv_usec), message.c_str());
}

}  // namespace

void SetVerbosity(int level) {
  g_verbosity = level;
}
int Verbosity() {
  return g_verbosity;
}
void LogInfo(const std::string& message) {
  Write('I', message);
}
void LogWarning(const std::string& message) {
  Write('W', message);
}
void LogError(const std::string& message) {
  Write('E', message);
}
void LogVerbose(int level, const std::string& message) {
  if (g_verbosity >= level) Write('I', message);
}

}  // namespace kr::apiserver
