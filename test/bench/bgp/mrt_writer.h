// Writes an MRT TABLE_DUMP_V2 file (RFC 6396) of IPv4 unicast routes, the format
// `gobgp mrt inject global FILE` loads: tens of thousands of routes per second, where
// `gobgp global rib add` forks a client per route.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/expected.h"

namespace kr::bench {

struct MrtTable {
  uint32_t count = 0;          // routes: consecutive prefixes of `length` from `first`
  uint32_t first = 10u << 24;  // host order
  uint8_t length = 24;
  uint32_t next_hop = 0xc0000202;  // host order
  uint32_t peer_as = 65002;        // the peer the dump says the routes came from
  uint32_t distinct_paths = 1000;  // route i has AS path [4200000000 + i % distinct_paths]
  // Routes 0, 1, ... written again after the last one. `gobgp mrt inject` (3.10) exits before
  // gobgpd has taken the tail of its stream, losing up to a third of a file's last records;
  // the tail then only repeats routes gobgpd already has.
  uint32_t repeat_first = 0;
};

Status WriteMrt(const std::string& path, const MrtTable& table);

}  // namespace kr::bench
