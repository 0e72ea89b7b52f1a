// The process_* metrics every daemon exposes, read from /proc at scrape time, with the names
// client_golang uses (so existing dashboards work):
//   process_cpu_seconds_total, process_open_fds, process_max_fds,
//   process_virtual_memory_bytes, process_resident_memory_bytes, process_start_time_seconds
//
//   registry.AddCollector(std::make_shared<kr::metrics::ProcessCollector>());
//
// A metric whose source cannot be read is left out of that scrape (there is no logger here);
// LastError() tells why, for a caller that wants to log it.
// Threading: Collect and LastError are safe from any thread.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "common/metrics/sample.h"

namespace kr::metrics {

class ProcessCollector final : public Collector {
 public:
  // proc_root: "/proc" normally; a test may point it at a fake tree. pid_dir is relative to it.
  explicit ProcessCollector(std::string proc_root = "/proc", std::string pid_dir = "self");

  void Collect(std::vector<FamilySnapshot>& out) const override;

  // The message of the most recent read or parse failure, empty if the last scrape was clean.
  std::string LastError() const;

 private:
  const std::string proc_root_;
  const std::string pid_dir_;
  mutable std::mutex error_mutex_;
  mutable std::string last_error_;
};

}  // namespace kr::metrics
