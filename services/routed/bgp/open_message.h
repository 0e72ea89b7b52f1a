// OPEN message (RFC 4271 4.2) with capabilities (RFC 5492) and RFC 9072 extended optional
// parameters.
//
// DecodeOpenBody checks what the message alone can tell (version, hold time 1 or 2, a zero
// BGP identifier, AS 0 (RFC 7607), unknown optional parameters, malformed capabilities).
// ValidateOpen checks it against the local configuration (peer AS, identifier collision, minimum
// hold time, required capabilities). Both return the NOTIFICATION to send on failure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "services/routed/bgp/capabilities.h"
#include "services/routed/bgp/decode_result.h"

namespace kr::bgp {

inline constexpr uint8_t kBgpVersion = 4;

struct OpenMessage {
  uint16_t my_as = 0;      // the wire field: AS_TRANS when the real AS needs 4 octets
  uint16_t hold_time = 0;  // seconds; 0 = no keepalives
  uint32_t bgp_identifier = 0;
  Capabilities capabilities;

  // The sender's AS: the 4-octet AS capability when present, else My Autonomous System.
  uint32_t PeerAs() const { return capabilities.four_octet_as.value_or(my_as); }
  bool operator==(const OpenMessage&) const = default;
};

// An OPEN for `asn`, setting My AS (AS_TRANS when needed) and the 4-octet AS capability.
OpenMessage MakeOpen(uint32_t asn, uint16_t hold_time, uint32_t bgp_identifier,
                     Capabilities capabilities);

DecodeResult<OpenMessage> DecodeOpenBody(std::span<const uint8_t> body);
void EncodeOpenBody(const OpenMessage& open, std::vector<uint8_t>& out);

struct OpenExpectations {
  uint32_t local_as = 0;
  uint32_t local_identifier = 0;
  std::optional<uint32_t> peer_as;  // nullopt: accept any AS
  uint16_t min_hold_time = 3;       // a non-zero hold time below this is unacceptable
  bool require_four_octet_as = false;
  std::vector<AfiSafi> required_families;
};

// nullopt when the peer's OPEN is acceptable, else the error to send (RFC 4271 6.2, RFC 5492
// 5: Unsupported Capability carries the missing capabilities as data).
std::optional<DecodeError> ValidateOpen(const OpenMessage& open, const OpenExpectations& local);

// RFC 4271 4.2: the smaller of the two hold times; 0 stays 0.
inline uint16_t NegotiatedHoldTime(uint16_t local, uint16_t peer) {
  return local < peer ? local : peer;
}

}  // namespace kr::bgp
