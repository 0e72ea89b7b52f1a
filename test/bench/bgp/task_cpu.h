// CPU time of a process's threads from /proc/<pid>/task/*/schedstat: nanoseconds on a CPU,
// where /proc/<pid>/stat counts 10 ms ticks. A thread that has exited is no longer counted.
#pragma once

#include <sys/types.h>

#include <map>

namespace kr::bench {

// Seconds on a CPU by thread id.
std::map<pid_t, double> ThreadCpuSeconds(pid_t pid);
// Their sum.
double LiveCpuSeconds(pid_t pid);

}  // namespace kr::bench
