#include "services/proxyd/core/dsr_fwmark.h"

#include <algorithm>
#include <cctype>

namespace kr::proxyd {

uint32_t DsrFwmarkHash(const ipvs::IpAddress& vip, ipvs::Protocol protocol, uint16_t port) {
  std::string protocol_name = ipvs::ProtocolName(protocol);
  std::transform(protocol_name.begin(), protocol_name.end(), protocol_name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string input = vip.ToString() + "-" + protocol_name + "-" + std::to_string(port);
  uint32_t hash = 2166136261u;
  for (unsigned char c : input) {
    hash ^= c;
    hash *= 16777619u;
  }
  return kDsrFwmarkBase | (hash & kDsrFwmarkMask);
}

bool IsDsrFwmark(uint32_t mark) {
  return (mark & ~kDsrFwmarkMask) == kDsrFwmarkBase;
}

Expected<uint32_t> DsrFwmarkAllocator::Acquire(const Tuple& tuple) {
  if (auto it = by_tuple_.find(tuple); it != by_tuple_.end()) return it->second;
  uint32_t first = DsrFwmarkHash(tuple.vip, tuple.protocol, tuple.port) & kDsrFwmarkMask;
  for (uint32_t i = 0; i <= kDsrFwmarkMask; ++i) {
    uint32_t mark = kDsrFwmarkBase | ((first + i) & kDsrFwmarkMask);
    if (mark == 0 || by_mark_.contains(mark)) continue;
    by_tuple_[tuple] = mark;
    by_mark_[mark] = tuple;
    return mark;
  }
  return Error{ENOSPC, "no free DSR firewall mark"};
}

void DsrFwmarkAllocator::Release(const Tuple& tuple) {
  auto it = by_tuple_.find(tuple);
  if (it == by_tuple_.end()) return;
  by_mark_.erase(it->second);
  by_tuple_.erase(it);
}

void DsrFwmarkAllocator::Retain(const std::set<Tuple>& in_use) {
  for (auto it = by_tuple_.begin(); it != by_tuple_.end();) {
    if (in_use.contains(it->first)) {
      ++it;
      continue;
    }
    by_mark_.erase(it->second);
    it = by_tuple_.erase(it);
  }
}

}  // namespace kr::proxyd
