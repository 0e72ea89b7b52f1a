#include "services/proxyd/core/service_annotations.h"

#include <array>
#include <string_view>

#include "common/ipvs/ipvs_types.h"

namespace kr::proxyd {
namespace {

Error BadAnnotation(std::string_view name, std::string_view value, std::string_view expected) {
  return Error{EINVAL, "annotation " + std::string(name) + "=\"" + std::string(value) +
                           "\": expected " + std::string(expected)};
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

Expected<uint32_t> ParseSchedFlags(std::string_view value) {
  uint32_t flags = 0;
  while (true) {
    size_t comma = value.find(',');
    std::string_view name = Trim(value.substr(0, comma));
    if (name == "flag-1") {
      flags |= ipvs::ServiceFlags::kSched1;
    } else if (name == "flag-2") {
      flags |= ipvs::ServiceFlags::kSched2;
    } else if (name == "flag-3") {
      flags |= ipvs::ServiceFlags::kSched3;
    } else {
      return Error{EINVAL, std::string(name)};
    }
    if (comma == std::string_view::npos) return flags;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

Expected<ServiceAnnotations> ParseServiceAnnotations(const model::StringMap& annotations) {
  ServiceAnnotations parsed;
  if (auto it = annotations.find(kSchedulerAnnotation); it != annotations.end()) {
    static constexpr std::array<std::string_view, 5> kSchedulers = {"rr", "lc", "dh", "sh", "mh"};
    bool known = false;
    for (auto name : kSchedulers) known = known || it->second == name;
    if (!known) return BadAnnotation(it->first, it->second, "one of rr, lc, dh, sh, mh");
    parsed.scheduler = it->second;
  }
  if (auto it = annotations.find(kSchedFlagsAnnotation); it != annotations.end()) {
    auto flags = ParseSchedFlags(it->second);
    if (!flags) {
      return BadAnnotation(it->first, it->second,
                           "a comma-separated list of flag-1, flag-2, flag-3");
    }
    parsed.sched_flags = *flags;
  }
  if (auto it = annotations.find(kDsrAnnotation); it != annotations.end()) {
    if (it->second != "tunnel") return BadAnnotation(it->first, it->second, "\"tunnel\"");
    parsed.dsr_tunnel = true;
  }
  if (auto it = annotations.find(kLocalAnnotation); it != annotations.end()) {
    if (it->second != "true" && it->second != "false") {
      return BadAnnotation(it->first, it->second, "\"true\" or \"false\"");
    }
    parsed.local = it->second == "true";
  }
  parsed.hairpin = annotations.contains(kHairpinAnnotation);
  parsed.hairpin_external_ips = annotations.contains(kHairpinExternalIpsAnnotation);
  parsed.skip_lb_ips = annotations.contains(kSkipLbIpsAnnotation);
  return parsed;
}

}  // namespace kr::proxyd
