// BGP capabilities (RFC 5492) carried in OPEN optional parameter type 2.
//
// Known capabilities are decoded into fields; anything else is kept raw (code + value) so it
// can be logged and compared. Decoding normalizes: duplicate flags collapse, duplicate
// multiprotocol families appear once, and unknown capabilities keep their arrival order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "services/routed/bgp/afi_safi.h"
#include "services/routed/bgp/decode_result.h"

namespace kr::bgp {

namespace cap {
inline constexpr uint8_t kMultiprotocol = 1;          // RFC 4760
inline constexpr uint8_t kRouteRefresh = 2;           // RFC 2918
inline constexpr uint8_t kGracefulRestart = 64;       // RFC 4724
inline constexpr uint8_t kFourOctetAs = 65;           // RFC 6793
inline constexpr uint8_t kEnhancedRouteRefresh = 70;  // RFC 7313
}  // namespace cap

struct GracefulRestartFamily {
  AfiSafi family;
  bool forwarding_preserved = false;  // F bit: the sender kept forwarding state for it
  bool operator==(const GracefulRestartFamily&) const = default;
};

struct GracefulRestartCapability {
  bool restarting = false;    // R bit: the sender has just restarted
  bool notification = false;  // N bit (RFC 8538): GR also applies after a NOTIFICATION
  uint16_t restart_time = 0;  // seconds, 12 bits on the wire
  std::vector<GracefulRestartFamily> families;
  bool operator==(const GracefulRestartCapability&) const = default;
};

struct RawCapability {
  uint8_t code = 0;
  std::vector<uint8_t> value;
  bool operator==(const RawCapability&) const = default;
};

struct Capabilities {
  std::vector<AfiSafi> multiprotocol;
  bool route_refresh = false;
  bool enhanced_route_refresh = false;
  std::optional<uint32_t> four_octet_as;
  std::optional<GracefulRestartCapability> graceful_restart;
  std::vector<RawCapability> unknown;

  bool Supports(AfiSafi family) const;
  bool operator==(const Capabilities&) const = default;
};

// Decodes the value of one optional parameter of type 2 (a sequence of capability TLVs) and
// merges it into `into`. A malformed capability yields OPEN Message Error / Unspecific.
DecodeResult<bool> DecodeCapabilities(std::span<const uint8_t> value, Capabilities& into);

// One TLV (code, length, value) per capability, in a fixed order.
std::vector<RawCapability> EncodeCapabilities(const Capabilities& capabilities);

}  // namespace kr::bgp
