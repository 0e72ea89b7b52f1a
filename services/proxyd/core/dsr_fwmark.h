// Firewall marks for DSR (tunnel) services: the iptables glue marks packets to an external
// IP/protocol/port with the mark and IPVS serves them as a fwmark service.
//
// Derivation (stable across restarts, so a restart re-derives the marks already in the
// kernel): FNV-1a 32-bit of "<ip>-<protocol lower case>-<port>" (kube-router's input
// string), low 14 bits, plus kDsrFwmarkBase. Bit 24 as the base keeps clear of kube-proxy's
// 0x4000/0x8000 and of kube-router's firewall marks (0x10000, 0x20000). Every mark in
// [kDsrFwmarkBase, kDsrFwmarkBase + 0x3FFF] is ours; IPVS fwmark services outside it are not.
//
// Two tuples may hash to the same 14 bits: the allocator then probes the next free mark, so
// the second one's mark depends on which tuple was allocated first. Threading: none (owned by
// one ProxyCore).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "common/base/expected.h"
#include "common/ipvs/ipvs_types.h"

namespace kr::proxyd {

inline constexpr uint32_t kDsrFwmarkBase = 0x01000000;
inline constexpr uint32_t kDsrFwmarkMask = 0x3FFF;

// The mark before collision handling.
uint32_t DsrFwmarkHash(const ipvs::IpAddress& vip, ipvs::Protocol protocol, uint16_t port);
bool IsDsrFwmark(uint32_t mark);

class DsrFwmarkAllocator {
 public:
  struct Tuple {
    ipvs::IpAddress vip;
    ipvs::Protocol protocol = ipvs::Protocol::kTcp;
    uint16_t port = 0;
    auto operator<=>(const Tuple&) const = default;
  };

  // The tuple's mark, allocating one if needed; ENOSPC when all 16384 marks are taken.
  Expected<uint32_t> Acquire(const Tuple& tuple);
  void Release(const Tuple& tuple);
  // Releases every tuple not in `in_use`.
  void Retain(const std::set<Tuple>& in_use);
  size_t size() const { return by_tuple_.size(); }

 private:
  std::map<Tuple, uint32_t> by_tuple_;
  std::map<uint32_t, Tuple> by_mark_;
};

}  // namespace kr::proxyd
