// Hashes of IPVS keys, so per-service lookups stay O(1) however many services the node has
// (a 10,000-node tree costs a dozen cache misses per lookup; see test/bench/proxyd).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "common/ipvs/ipvs_types.h"

namespace kr::proxyd {

struct IpAddressHash {
  size_t operator()(const ipvs::IpAddress& address) const {
    uint64_t hash = 1469598103934665603ull ^ static_cast<uint64_t>(address.family());
    for (uint8_t byte : address.bytes()) hash = (hash ^ byte) * 1099511628211ull;
    return static_cast<size_t>(hash);
  }
};

struct ServiceKeyHash {
  size_t operator()(const ipvs::ServiceKey& key) const {
    size_t hash = IpAddressHash()(key.address);
    hash ^= (static_cast<size_t>(key.port) << 1) ^ (static_cast<size_t>(key.protocol) << 17) ^
            (static_cast<size_t>(key.fwmark) << 24) ^ static_cast<size_t>(key.family);
    return hash * 0x9E3779B97F4A7C15ull;
  }
};

}  // namespace kr::proxyd
