// Internal to the UPDATE decoder: checks and parses one path attribute at a time and says
// which RFC 7606 approach a problem calls for. Not part of the public API.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "services/routed/bgp/codec_options.h"
#include "services/routed/bgp/update_message.h"

namespace kr::bgp::detail {

struct WireAttribute {
  uint8_t flags = 0;  // as received, Extended Length bit included
  uint8_t type = 0;
  std::span<const uint8_t> value;
  std::span<const uint8_t> whole;  // flags, type, length and value: NOTIFICATION data
};

enum class Verdict : uint8_t { kAttributeDiscard, kTreatAsWithdraw, kSessionReset };

struct AttributeProblem {
  Verdict verdict = Verdict::kTreatAsWithdraw;
  uint8_t subcode = 0;         // UPDATE Message Error subcode RFC 4271 would use
  bool attribute_data = true;  // NOTIFICATION data is the attribute itself
  std::string reason;
};

// Fills `update` from attributes handed over one by one, then Finish() applies what needs
// the whole list (RFC 6793 AS4_PATH merge). One instance per UPDATE.
class AttributeDecoder {
 public:
  AttributeDecoder(const CodecOptions& options, UpdateMessage& update)
      : options_(options), update_(update) {}

  std::optional<AttributeProblem> Decode(const WireAttribute& attribute);
  void Finish();

 private:
  std::optional<AttributeProblem> CheckFlags(const WireAttribute& a) const;
  std::optional<AttributeProblem> DecodeKnown(const WireAttribute& a);
  std::optional<AttributeProblem> DecodeMpReach(const WireAttribute& a);
  std::optional<AttributeProblem> DecodeMpUnreach(const WireAttribute& a);

  const CodecOptions& options_;
  UpdateMessage& update_;
  std::optional<AsPath> as4_path_;
  std::optional<Aggregator> as4_aggregator_;
};

}  // namespace kr::bgp::detail
