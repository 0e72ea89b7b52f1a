// Vocabulary of the ipset seam: which set types the project uses and how a set is described.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace kr::ipset {

// The kernel limits set names to IPSET_MAXNAMELEN - 1 characters.
inline constexpr std::size_t kMaxSetNameLength = 31;

// Only the hash types a NetworkPolicy firewall needs: pods (ip), ipBlocks (net) and
// named/numbered ports per peer (ip,port / net,port).
enum class SetType { kHashIp, kHashNet, kHashIpPort, kHashNetPort };
enum class Family { kInet, kInet6 };

std::string_view SetTypeName(SetType type);  // "hash:ip", ...
std::optional<SetType> ParseSetType(std::string_view name);
std::string_view FamilyName(Family family);  // "inet" / "inet6"
std::optional<Family> ParseFamily(std::string_view name);

struct SetSpec {
  std::string name;
  SetType type = SetType::kHashIp;
  Family family = Family::kInet;

  bool operator==(const SetSpec&) const = default;
};

// A set as listed from the kernel: members in canonical form (see ipset_member.h), sorted.
struct SetContent {
  SetSpec spec;
  std::set<std::string> members;

  bool operator==(const SetContent&) const = default;
};

}  // namespace kr::ipset
