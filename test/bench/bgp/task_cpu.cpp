#include "test/bench/bgp/task_cpu.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace kr::bench {

std::map<pid_t, double> ThreadCpuSeconds(pid_t pid) {
  std::map<pid_t, double> cpu;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(entry.path() / "schedstat");
    double nanoseconds = 0;
    if (in >> nanoseconds) {
      cpu[static_cast<pid_t>(std::stol(entry.path().filename().string()))] = nanoseconds / 1e9;
    }
  }
  return cpu;
}

double LiveCpuSeconds(pid_t pid) {
  double sum = 0;
  for (const auto& [tid, seconds] : ThreadCpuSeconds(pid)) sum += seconds;
  return sum;
}

}  // namespace kr::bench
