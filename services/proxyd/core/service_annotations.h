// kube-router's per-service annotations, parsed and validated. A value kube-router would not
// understand is an error: the service is then skipped with that message rather than
// programmed with a guess.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/expected.h"
#include "common/model/common_types.h"

namespace kr::proxyd {

inline constexpr char kSchedulerAnnotation[] = "kube-router.io/service.scheduler";
inline constexpr char kSchedFlagsAnnotation[] = "kube-router.io/service.schedflags";
inline constexpr char kDsrAnnotation[] = "kube-router.io/service.dsr";
inline constexpr char kHairpinAnnotation[] = "kube-router.io/service.hairpin";
inline constexpr char kHairpinExternalIpsAnnotation[] =
    "kube-router.io/service.hairpin.externalips";
inline constexpr char kLocalAnnotation[] = "kube-router.io/service.local";
inline constexpr char kSkipLbIpsAnnotation[] = "kube-router.io/service.skiplbips";

struct ServiceAnnotations {
  std::string scheduler = "rr";  // rr, lc, dh, sh, mh
  uint32_t sched_flags = 0;      // ipvs::ServiceFlags::kSched1..3 from flag-1..flag-3
  bool dsr_tunnel = false;       // service.dsr=tunnel
  bool hairpin = false;          // service.hairpin present (any value, as kube-router)
  bool hairpin_external_ips = false;
  bool local = false;        // service.local=true
  bool skip_lb_ips = false;  // service.skiplbips present
};

// Errors (EINVAL) name the annotation and the offending value.
Expected<ServiceAnnotations> ParseServiceAnnotations(const model::StringMap& annotations);

}  // namespace kr::proxyd
