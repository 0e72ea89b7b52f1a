// The 19-byte BGP message header (RFC 4271 4.1) and the checks of RFC 4271 6.1.
//
// DecodeHeader is what the stream framer runs on every message before it waits for the body,
// so a bad marker or length is reported as soon as 19 bytes have arrived. Encoders write a
// header with BeginMessage() and fix its length with FinishMessage() once the body is known.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "services/routed/bgp/decode_result.h"

namespace kr::bgp {

inline constexpr size_t kHeaderLength = 19;
inline constexpr size_t kMarkerLength = 16;
inline constexpr size_t kMaxMessageLength = 4096;  // RFC 4271; RFC 8654 raises it when negotiated

enum class MessageType : uint8_t {
  kOpen = 1,
  kUpdate = 2,
  kNotification = 3,
  kKeepalive = 4,
  kRouteRefresh = 5,
};

std::string_view MessageTypeName(MessageType type);

struct MessageHeader {
  uint16_t length = 0;  // of the whole message, header included
  MessageType type = MessageType::kKeepalive;
};

// Checks the marker, the length bounds (19..max_length, and the per-type minimums of 6.1) and
// the type. `header` must hold at least kHeaderLength bytes.
DecodeResult<MessageHeader> DecodeHeader(std::span<const uint8_t> header,
                                         size_t max_length = kMaxMessageLength);

// Appends marker, a placeholder length and the type; returns the offset of the message start.
size_t BeginMessage(std::vector<uint8_t>& out, MessageType type);
// Patches the length of the message begun at `start`; false when it exceeds max_length.
bool FinishMessage(std::vector<uint8_t>& out, size_t start, size_t max_length = kMaxMessageLength);

}  // namespace kr::bgp
