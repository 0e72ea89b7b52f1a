#include "services/routed/advertise/prefix_delta.h"

namespace kr::routed::advertise {

std::string PrefixDelta::ToString() const {
  std::string text;
  const auto append = [&text](char sign, const route::IpPrefix& prefix) {
    if (!text.empty()) text += ' ';
    text += sign;
    text += prefix.ToString();
  };
  for (const auto& prefix : added) append('+', prefix);
  for (const auto& prefix : removed) append('-', prefix);
  return text;
}

}  // namespace kr::routed::advertise
