// The body of the BGP decoder fuzz target, shared by the libFuzzer entry point and the unit
// test that replays the seed corpus (so the harness itself is built and checked by g++ too).
//
// Input: octet 0 selects the session options and how the rest is split into Feed() calls;
// the rest is a byte stream. Every message the StreamDecoder yields is decoded; a message that
// decodes is encoded again and must decode, without any RFC 7606 action, to an equal value.
// Returns a description of the first broken invariant, or nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "services/routed/bgp/codec_options.h"

namespace kr::bgp::fuzz {

// Control octet bits: 0 four_octet_as, 1 external_peer, 2 strict RFC 4271 policy,
// 3 enforce first AS 65001; bits 4..7 choose the Feed() chunk size.
CodecOptions OptionsFromControl(uint8_t control);
uint8_t ControlFor(bool four_octet_as, bool external_peer);

std::optional<std::string> FuzzOneInput(std::span<const uint8_t> data);

}  // namespace kr::bgp::fuzz
