// UPDATE message (RFC 4271 4.3, RFC 4760 MP-BGP) with RFC 7606 revised error handling.
//
// Decoding an UPDATE has three outcomes:
//   - a DecodeError: the session must send its NOTIFICATION and close ("session reset");
//   - a DecodedUpdate with no actions: use it as is;
//   - a DecodedUpdate with actions: attributes were discarded ("attribute discard") or, when
//     treated_as_withdraw is set, every prefix the message announced has been moved to the
//     withdrawn lists and the attributes cleared ("treat-as-withdraw"), so a RIB can apply
//     the message without looking at the actions. Each action names the RFC 4271 NOTIFICATION
//     it replaces, for logs and counters.
// IPv4 unicast withdrawals may come in `withdrawn` or in MP_UNREACH_NLRI; a RIB should read
// both. Only IPv4 and IPv6 unicast NLRI are parsed; MP attributes of other families are
// discarded with an action. Nothing here does I/O or keeps state between messages.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "services/routed/bgp/afi_safi.h"
#include "services/routed/bgp/codec_options.h"
#include "services/routed/bgp/decode_result.h"
#include "services/routed/bgp/path_attributes.h"

namespace kr::bgp {

struct MpReachNlri {
  AfiSafi family;
  IpAddress next_hop;                            // global next hop
  std::optional<IpAddress> link_local_next_hop;  // IPv6: the second, link-local next hop
  std::vector<IpPrefix> nlri;
  bool operator==(const MpReachNlri&) const = default;
};

struct MpUnreachNlri {
  AfiSafi family;
  std::vector<IpPrefix> withdrawn;
  bool operator==(const MpUnreachNlri&) const = default;
};

struct UpdateMessage {
  std::vector<IpPrefix> withdrawn;  // IPv4 unicast, Withdrawn Routes field
  PathAttributes attributes;
  std::vector<IpPrefix> nlri;  // IPv4 unicast, NLRI field
  std::optional<MpReachNlri> mp_reach;
  std::optional<MpUnreachNlri> mp_unreach;
  bool operator==(const UpdateMessage&) const = default;
};

// RFC 4724 End-of-RIB: an empty UPDATE (IPv4 unicast) or one holding only an empty
// MP_UNREACH_NLRI for the family.
std::optional<AfiSafi> EndOfRibFamily(const UpdateMessage& update);
UpdateMessage MakeEndOfRib(AfiSafi family);

enum class ErrorApproach : uint8_t {
  kAttributeDiscard,  // the attribute was dropped; the rest of the UPDATE stands
  kTreatAsWithdraw,   // the announced prefixes are withdrawn instead
};

std::string_view ErrorApproachName(ErrorApproach approach);  // "attribute-discard", ...

struct UpdateErrorAction {
  ErrorApproach approach = ErrorApproach::kAttributeDiscard;
  uint8_t attribute_type = 0;         // 0 when the attribute list as a whole was bad
  NotificationMessage rfc4271_error;  // what RFC 4271 alone would have sent
  std::string reason;
};

struct DecodedUpdate {
  UpdateMessage update;
  std::vector<UpdateErrorAction> actions;
  bool treated_as_withdraw = false;
  // Set when the message was an End-of-RIB marker as sent (no attribute was discarded).
  std::optional<AfiSafi> end_of_rib;
};

// `body` is the message after its 19-byte header.
DecodeResult<DecodedUpdate> DecodeUpdateBody(std::span<const uint8_t> body,
                                             const CodecOptions& options);

// Appends the body (withdrawn, attributes, NLRI). MP_REACH/MP_UNREACH are written first, then
// the other attributes by type code (RFC 7606 5.1).
void EncodeUpdateBody(const UpdateMessage& update, const CodecOptions& options,
                      std::vector<uint8_t>& out);

// Appends just the encoded path attributes (no MP attributes): an Adj-RIB-Out can encode an
// attribute set once and reuse it for every UPDATE that carries it.
void EncodePathAttributes(const PathAttributes& attributes, const CodecOptions& options,
                          std::vector<uint8_t>& out);

}  // namespace kr::bgp
