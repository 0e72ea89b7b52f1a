#include "services/routed/overlay/overlay_config.h"

#include <string>

namespace kr::routed::overlay {

Expected<OverlayType> ParseOverlayType(std::string_view text) {
  if (text == "subnet") return OverlayType::kSubnet;
  if (text == "full") return OverlayType::kFull;
  return Error{EINVAL, "--overlay-type \"" + std::string(text) + "\": want subnet or full"};
}

std::optional<LocalAddress> OverlayConfig::LocalFor(const route::IpAddress& address) const {
  for (const LocalAddress& candidate : local) {
    if (candidate.ip.family() == address.family()) return candidate;
  }
  return std::nullopt;
}

}  // namespace kr::routed::overlay
