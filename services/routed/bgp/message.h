// One BGP message of any type, decoded from or encoded to its exact bytes (header included).
//
//   DecodeResult<DecodedMessage> m = DecodeMessage(frame, options);
//   if (!m) send(m.error().notification), close;            // RFC 4271 6 "session reset"
//   else std::visit(handler, m->message);                   // m->update: RFC 7606 actions
//
//   std::vector<uint8_t> wire;
//   if (!AppendMessage(UpdateMessage{...}, options, wire)) ... // too long for one message
//
// `options` matter for UPDATEs only (see codec_options.h). Pure functions, thread-compatible.
//
// The codec, file by file (every header documents its part):
//   stream_decoder.h   TCP bytes -> whole messages (framing, header errors)
//   message_header.h   the 19-byte header, message types, RFC 4271 6.1 checks
//   open_message.h     OPEN, ValidateOpen;  capabilities.h  MP, RR, ERR, 4-octet AS, GR, raw
//   update_message.h   UPDATE, MP_REACH/MP_UNREACH, End-of-RIB, RFC 7606 actions
//   path_attributes.h  attribute values, communities;  as_path.h  AS_PATH and AS4 merge
//   notification.h     NOTIFICATION, every error code and its name
//   route_refresh.h    ROUTE-REFRESH, BoRR/EoRR;  ip_address.h, afi_safi.h, nlri.h  basics
//   decode_result.h    DecodeResult<T> / DecodeError (the NOTIFICATION to send)
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "services/routed/bgp/codec_options.h"
#include "services/routed/bgp/decode_result.h"
#include "services/routed/bgp/message_header.h"
#include "services/routed/bgp/notification.h"
#include "services/routed/bgp/open_message.h"
#include "services/routed/bgp/route_refresh.h"
#include "services/routed/bgp/update_message.h"

namespace kr::bgp {

struct KeepaliveMessage {
  bool operator==(const KeepaliveMessage&) const = default;
};

using Message = std::variant<OpenMessage, UpdateMessage, NotificationMessage, KeepaliveMessage,
                             RouteRefreshMessage>;

MessageType TypeOf(const Message& message);

struct DecodedMessage {
  Message message = KeepaliveMessage{};
  // For UPDATEs: RFC 7606 actions applied, End-of-RIB (see update_message.h).
  std::vector<UpdateErrorAction> update_actions;
  bool treated_as_withdraw = false;
  std::optional<AfiSafi> end_of_rib;
};

// `bytes` must be exactly one message, header included (what StreamDecoder yields).
DecodeResult<DecodedMessage> DecodeMessage(std::span<const uint8_t> bytes,
                                           const CodecOptions& options,
                                           size_t max_length = kMaxMessageLength);

// Appends the encoded message. Returns false, with `out` unchanged, when it would exceed
// max_length (the caller must split the UPDATE).
[[nodiscard]] bool AppendMessage(const Message& message, const CodecOptions& options,
                                 std::vector<uint8_t>& out, size_t max_length = kMaxMessageLength);

// Convenience for messages that always fit (OPEN with few capabilities, KEEPALIVE, ...).
std::vector<uint8_t> EncodeMessage(const Message& message, const CodecOptions& options = {});

}  // namespace kr::bgp
