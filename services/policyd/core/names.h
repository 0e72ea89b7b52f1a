// Stable, collision-resistant names for policyd's chains and sets. As kube-router does
// (KUBE-POD-FW-<16>, KUBE-NWPLCY-<16>), a name is a fixed prefix plus the first 16 base32
// characters of the SHA-256 of what it stands for, so the same object always gets the same
// name (an iptables-save diff is exact across restarts) and names fit the kernel's limits
// (28 characters for chains, 31 for sets, 27 leaving room for a "-TMP" swap set).
//
// Every name starts with kChainPrefix / kSetPrefix: that is how the owned-chain syncer and
// the ipset sync plan recognise what belongs to policyd.
#pragma once

#include <string>
#include <string_view>

namespace kr::policyd {

inline constexpr std::string_view kChainPrefix = "KR-POL-";
inline constexpr std::string_view kSetPrefix = "KR-POL-";
inline constexpr std::string_view kCommentPrefix = "kr-node:policyd:";

// Top-level chains, jumped to from the built-in chains of the filter table.
inline constexpr std::string_view kForwardChain = "KR-POL-FORWARD";
inline constexpr std::string_view kInputChain = "KR-POL-INPUT";

// 16 base32 characters (A-Z, 2-7) of SHA-256(input).
std::string StableHash(std::string_view input);

// Per local pod: the checks of traffic to it (ingress) and from it (egress).
std::string PodIngressChain(std::string_view pod_key);  // KR-POL-PI-<16>
std::string PodEgressChain(std::string_view pod_key);   // KR-POL-PE-<16>
// Per policy: its ingress and egress rules, shared by every pod it selects.
std::string PolicyIngressChain(std::string_view policy_key);  // KR-POL-NPI-<16>
std::string PolicyEgressChain(std::string_view policy_key);   // KR-POL-NPE-<16>

// Sets; `family` is '4' or '6' (ipsets are not per family in the kernel, names must differ).
// `what` is everything that identifies the set within policyd (policy key, direction, rule
// index, ...), joined by the caller.
std::string PeerSetName(char family, std::string_view what);       // KR-POL-S4-<16>
std::string ExceptSetName(char family, std::string_view what);     // KR-POL-X4-<16>
std::string NamedPortSetName(char family, std::string_view what);  // KR-POL-N4-<16>
std::string LocalPodsSetName(char family);                         // KR-POL-LOCAL4

}  // namespace kr::policyd
