// Which annotations travel on the bus: only those a dataplane honours, so the bus does not
// carry (and consumers do not re-sync on) changes to unrelated annotations.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace kr::informer {

inline std::map<std::string, std::string> KeepAnnotations(
    const std::map<std::string, std::string>& annotations,
    std::initializer_list<std::string_view> prefixes) {
  std::map<std::string, std::string> kept;
  for (const auto& [key, value] : annotations) {
    for (std::string_view prefix : prefixes) {
      if (key.compare(0, prefix.size(), prefix) == 0) {
        kept.emplace(key, value);
        break;
      }
    }
  }
  return kept;
}

inline constexpr std::string_view kKubeRouterPrefix = "kube-router.io/";
inline constexpr std::string_view kLegacyNetworkPolicy = "net.beta.kubernetes.io/network-policy";

}  // namespace kr::informer
