#include "services/routed/bgp/message_header.h"

#include <algorithm>
#include <string>

namespace kr::bgp {

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kOpen:
      return "OPEN";
    case MessageType::kUpdate:
      return "UPDATE";
    case MessageType::kNotification:
      return "NOTIFICATION";
    case MessageType::kKeepalive:
      return "KEEPALIVE";
    case MessageType::kRouteRefresh:
      return "ROUTE-REFRESH";
  }
  return "UNKNOWN";
}

namespace {

// Smallest legal length per type (RFC 4271 6.1; ROUTE-REFRESH per RFC 2918). KEEPALIVE must be
// exactly 19; ROUTE-REFRESH length errors beyond the minimum are the RFC 7313 decoder's job.
size_t MinimumLength(MessageType type) {
  switch (type) {
    case MessageType::kOpen:
      return 29;
    case MessageType::kUpdate:
      return 23;
    case MessageType::kNotification:
      return 21;
    case MessageType::kKeepalive:
      return 19;
    case MessageType::kRouteRefresh:
      return 23;
  }
  return kHeaderLength;
}

}  // namespace

DecodeResult<MessageHeader> DecodeHeader(std::span<const uint8_t> header, size_t max_length) {
  if (!std::all_of(header.begin(), header.begin() + kMarkerLength,
                   [](uint8_t b) { return b == 0xff; })) {
    return MakeDecodeError(err::kMessageHeader, err::kConnectionNotSynchronized, {},
                           "marker is not all ones");
  }
  const uint16_t length = static_cast<uint16_t>(header[16] << 8 | header[17]);
  const uint8_t raw_type = header[18];
  std::vector<uint8_t> length_data = {header[16], header[17]};
  if (length < kHeaderLength || length > max_length) {
    return MakeDecodeError(err::kMessageHeader, err::kBadMessageLength, std::move(length_data),
                           "message length " + std::to_string(length));
  }
  if (raw_type < 1 || raw_type > 5) {
    return MakeDecodeError(err::kMessageHeader, err::kBadMessageType, {raw_type},
                           "message type " + std::to_string(raw_type));
  }
  const auto type = static_cast<MessageType>(raw_type);
  const bool bad_keepalive = type == MessageType::kKeepalive && length != kHeaderLength;
  if (length < MinimumLength(type) || bad_keepalive) {
    return MakeDecodeError(
        err::kMessageHeader, err::kBadMessageLength, std::move(length_data),
        std::string(MessageTypeName(type)) + " with length " + std::to_string(length));
  }
  return MessageHeader{length, type};
}

size_t BeginMessage(std::vector<uint8_t>& out, MessageType type) {
  const size_t start = out.size();
  out.insert(out.end(), kMarkerLength, 0xff);
  out.push_back(0);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(type));
  return start;
}

bool FinishMessage(std::vector<uint8_t>& out, size_t start, size_t max_length) {
  const size_t length = out.size() - start;
  if (length > max_length) return false;
  out[start + 16] = static_cast<uint8_t>(length >> 8);
  out[start + 17] = static_cast<uint8_t>(length);
  return true;
}

}  // namespace kr::bgp
