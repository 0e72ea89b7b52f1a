#include "common/ipset/ipset_types.h"

#include <array>
#include <utility>

namespace kr::ipset {
namespace {

constexpr std::array<std::pair<SetType, std::string_view>, 4> kTypeNames{{
    {SetType::kHashIp, "hash:ip"},
    {SetType::kHashNet, "hash:net"},
    {SetType::kHashIpPort, "hash:ip,port"},
    {SetType::kHashNetPort, "hash:net,port"},
}};

}  // namespace

std::string_view SetTypeName(SetType type) {
  for (const auto& [t, name] : kTypeNames) {
    if (t == type) return name;
  }
  return "hash:ip";
}

std::optional<SetType> ParseSetType(std::string_view name) {
  for (const auto& [t, n] : kTypeNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string_view FamilyName(Family family) {
  return family == Family::kInet ? "inet" : "inet6";
}

std::optional<Family> ParseFamily(std::string_view name) {
  if (name == "inet") return Family::kInet;
  if (name == "inet6") return Family::kInet6;
  return std::nullopt;
}

}  // namespace kr::ipset
