#include "services/routed/bgp/fuzz/fuzz_one_input.h"

#include <algorithm>
#include <vector>

#include "services/routed/bgp/message.h"
#include "services/routed/bgp/stream_decoder.h"

namespace kr::bgp::fuzz {

CodecOptions OptionsFromControl(uint8_t control) {
  CodecOptions options;
  options.four_octet_as = (control & 0x01) != 0;
  options.external_peer = (control & 0x02) != 0;
  options.error_policy =
      (control & 0x04) != 0 ? UpdateErrorPolicy::kStrict : UpdateErrorPolicy::kRevised;
  if ((control & 0x08) != 0) options.enforce_first_as = 65001;
  return options;
}

uint8_t ControlFor(bool four_octet_as, bool external_peer) {
  return static_cast<uint8_t>((four_octet_as ? 0x01 : 0) | (external_peer ? 0x02 : 0));
}

namespace {

// Touches the logging paths too: they format peer-controlled data.
void Describe(const DecodedMessage& m) {
  if (const auto* u = std::get_if<UpdateMessage>(&m.message)) {
    if (u->attributes.as_path) (void)u->attributes.as_path->ToString();
    for (uint32_t c : u->attributes.communities) (void)CommunityToString(c);
    for (const IpPrefix& p : u->nlri) (void)p.ToString();
  } else if (const auto* n = std::get_if<NotificationMessage>(&m.message)) {
    (void)kr::bgp::Describe(*n);
  } else if (const auto* o = std::get_if<OpenMessage>(&m.message)) {
    (void)ValidateOpen(*o, OpenExpectations{65001, 0x0a000001, 65002, 3, true, {kIpv6Unicast}});
  }
}

std::optional<std::string> CheckMessage(std::span<const uint8_t> bytes,
                                        const CodecOptions& options) {
  auto first = DecodeMessage(bytes, options);
  if (!first) {
    (void)kr::bgp::Describe(first.error().notification);
    return std::nullopt;
  }
  Describe(first.value());
  std::vector<uint8_t> wire;
  // Re-encoding may legitimately outgrow one message (AS4_PATH added beside AS_PATH).
  if (!AppendMessage(first->message, options, wire)) return std::nullopt;
  auto second = DecodeMessage(wire, options);
  if (!second) return "re-encoded message fails to decode: " + second.error().reason;
  if (!second->update_actions.empty()) {
    return "re-encoded UPDATE needs RFC 7606 action: " + second->update_actions.front().reason;
  }
  if (!(second->message == first->message)) return "re-encoded message decodes differently";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> FuzzOneInput(std::span<const uint8_t> data) {
  if (data.empty()) return std::nullopt;
  const uint8_t control = data[0];
  const CodecOptions options = OptionsFromControl(control);
  const size_t chunk = 1 + static_cast<size_t>(control >> 4) * 97;
  std::span<const uint8_t> stream = data.subspan(1);
  StreamDecoder decoder;
  while (!stream.empty()) {
    const size_t n = std::min(chunk, stream.size());
    decoder.Feed(stream.first(n));
    stream = stream.subspan(n);
    for (;;) {
      StreamDecoder::Frame frame = decoder.Next();
      if (frame.status == StreamDecoder::Status::kNeedMore) break;
      if (frame.status == StreamDecoder::Status::kError) {
        (void)kr::bgp::Describe(frame.error->notification);
        return std::nullopt;
      }
      if (auto broken = CheckMessage(frame.bytes, options)) return broken;
    }
  }
  return std::nullopt;
}

}  // namespace kr::bgp::fuzz
