#include "common/metrics/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "common/metrics/proc_files.h"

namespace kr::metrics {
namespace {

void AddSingleSample(std::vector<FamilySnapshot>& out, const char* name, const char* help,
                     double value, MetricType type = MetricType::kGauge) {
  out.push_back(FamilySnapshot{name, help, type, {Sample{name, {}, value}}});
}

// Entries of the fd directory, minus "." and "..". The count includes the descriptor opendir
// itself holds, as client_golang's does.
Expected<double> CountOpenFds(const std::string& fd_dir) {
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return Error::FromErrno(errno, "opendir " + fd_dir);
  double count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") ++count;
  }
  ::closedir(dir);
  return count;
}

}  // namespace

ProcessCollector::ProcessCollector(std::string proc_root, std::string pid_dir)
    : proc_root_(std::move(proc_root)), pid_dir_(std::move(pid_dir)) {}

void ProcessCollector::Collect(std::vector<FamilySnapshot>& out) const {
  std::string error;
  const auto note = [&error](const Error& e) {
    if (error.empty()) error = e.message;
  };
  const std::string pid_path = proc_root_ + "/" + pid_dir_;
  const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page_size = static_cast<double>(::sysconf(_SC_PAGESIZE));

  Expected<std::string> stat_text = ReadSmallFile(pid_path + "/stat");
  Expected<std::string> boot_text = ReadSmallFile(proc_root_ + "/stat");
  if (!stat_text) {
    note(stat_text.error());
  } else if (Expected<ProcStat> stat = ParseProcPidStat(*stat_text); !stat) {
    note(stat.error());
  } else {
    AddSingleSample(out, "process_cpu_seconds_total",
                    "Total user and system CPU time spent in seconds.",
                    static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks_per_second,
                    MetricType::kCounter);
    Expected<uint64_t> boot_time =
        boot_text ? ParseBootTime(*boot_text) : Expected<uint64_t>(boot_text.error());
    if (!boot_time) {
      note(boot_time.error());
    } else {
      AddSingleSample(out, "process_start_time_seconds",
                      "Start time of the process since unix epoch in seconds.",
                      static_cast<double>(*boot_time) +
                          static_cast<double>(stat->start_time_ticks) / ticks_per_second);
    }
  }

  if (Expected<std::string> statm_text = ReadSmallFile(pid_path + "/statm"); !statm_text) {
    note(statm_text.error());
  } else if (Expected<ProcStatm> statm = ParseProcStatm(*statm_text); !statm) {
    note(statm.error());
  } else {
    AddSingleSample(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
                    static_cast<double>(statm->size_pages) * page_size);
    AddSingleSample(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
                    static_cast<double>(statm->resident_pages) * page_size);
  }

  if (Expected<double> fds = CountOpenFds(pid_path + "/fd"); !fds) {
    note(fds.error());
  } else {
    AddSingleSample(out, "process_open_fds", "Number of open file descriptors.", *fds);
  }

  // Only meaningful for this process; a fake proc tree in tests still gets the real limit.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    AddSingleSample(out, "process_max_fds", "Maximum number of open file descriptors.",
                    limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                                    : static_cast<double>(limit.rlim_cur));
  }

  std::lock_guard lock(error_mutex_);
  last_error_ = std::move(error);
}

std::string ProcessCollector::LastError() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

}  // namespace kr::metrics
