// kr-apiserver's own log lines (klog-like: "I1122 18:30:00.123456 message"), to stderr.
// Kept to three functions so that the program can move to common/log without touching
// its call sites beyond this header. Thread-safe.
#pragma once

#include <string>

namespace kr::apiserver {

void SetVerbosity(int level);
int Verbosity();
void LogInfo(const std::string& message);
void LogWarning(const std::string& message);
void LogError(const std::string& message);
// Only printed at verbosity >= level.
void LogVerbose(int level, const std::string& message);

}  // namespace kr::apiserver
