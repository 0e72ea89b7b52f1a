#include "services/routed/bgp/message.h"

namespace kr::bgp {

MessageType TypeOf(const Message& message) {
  struct Visitor {
    MessageType operator()(const OpenMessage&) const { return MessageType::kOpen; }
    MessageType operator()(const UpdateMessage&) const { return MessageType::kUpdate; }
    MessageType operator()(const NotificationMessage&) const { return MessageType::kNotification; }
    MessageType operator()(const KeepaliveMessage&) const { return MessageType::kKeepalive; }
    MessageType operator()(const RouteRefreshMessage&) const { return MessageType::kRouteRefresh; }
  };
  return std::visit(Visitor{}, message);
}

DecodeResult<DecodedMessage> DecodeMessage(std::span<const uint8_t> bytes,
                                           const CodecOptions& options, size_t max_length) {
  if (bytes.size() < kHeaderLength) {
    return MakeDecodeError(err::kMessageHeader, err::kBadMessageLength, {},
                           "shorter than a header");
  }
  auto header = DecodeHeader(bytes, max_length);
  if (!header) return header.error();
  if (header->length != bytes.size()) {
    return MakeDecodeError(err::kMessageHeader, err::kBadMessageLength, {bytes[16], bytes[17]},
                           "length field " + std::to_string(header->length) + " but " +
                               std::to_string(bytes.size()) + " octets");
  }
  const std::span<const uint8_t> body = bytes.subspan(kHeaderLength);
  DecodedMessage out;
  switch (header->type) {
    case MessageType::kOpen: {
      auto open = DecodeOpenBody(body);
      if (!open) return open.error();
      out.message.emplace<OpenMessage>(std::move(open).value());
      break;
    }
    case MessageType::kUpdate: {
      auto update = DecodeUpdateBody(body, options);
      if (!update) return update.error();
      DecodedUpdate& u = update.value();
      out.message.emplace<UpdateMessage>(std::move(u.update));
      out.update_actions = std::move(u.actions);
      out.treated_as_withdraw = u.treated_as_withdraw;
      out.end_of_rib = u.end_of_rib;
      break;
    }
    case MessageType::kNotification:
      out.message.emplace<NotificationMessage>(DecodeNotificationBody(body));
      break;
    case MessageType::kKeepalive:
      out.message.emplace<KeepaliveMessage>();
      break;
    case MessageType::kRouteRefresh: {
      auto rr = DecodeRouteRefresh(bytes);
      if (!rr) return rr.error();
      out.message.emplace<RouteRefreshMessage>(rr.value());
      break;
    }
  }
  return out;
}

bool AppendMessage(const Message& message, const CodecOptions& options, std::vector<uint8_t>& out,
                   size_t max_length) {
  const size_t start = BeginMessage(out, TypeOf(message));
  struct Visitor {
    const CodecOptions& options;
    std::vector<uint8_t>& out;
    void operator()(const OpenMessage& m) const { EncodeOpenBody(m, out); }
    void operator()(const UpdateMessage& m) const { EncodeUpdateBody(m, options, out); }
    void operator()(const NotificationMessage& m) const { EncodeNotificationBody(m, out); }
    void operator()(const KeepaliveMessage&) const {}
    void operator()(const RouteRefreshMessage& m) const { EncodeRouteRefreshBody(m, out); }
  };
  std::visit(Visitor{options, out}, message);
  if (!FinishMessage(out, start, max_length)) {
    out.resize(start);
    return false;
  }
  return true;
}

std::vector<uint8_t> EncodeMessage(const Message& message, const CodecOptions& options) {
  std::vector<uint8_t> out;
  if (!AppendMessage(message, options, out)) out.clear();
  return out;
}

}  // namespace kr::bgp
