// Replays the seed corpus through the fuzz harness under every option combination and split
// size, plus mutations of each seed (truncated, one octet flipped): the harness's invariants
// (no crash, re-encoding is stable) hold for g++ builds too, not only in the clang fuzz run.
#include <catch2/catch.hpp>

#include "services/routed/bgp/fuzz/fuzz_one_input.h"
#include "services/routed/bgp/fuzz/seed_messages.h"
#include "services/routed/bgp/message.h"
#include "services/routed/bgp/stream_decoder.h"

namespace kr::bgp::fuzz {
namespace {

TEST_CASE("bgp fuzz seeds are valid messages that decode without errors", "[bgp]") {
  const auto seeds = SeedCorpus();
  REQUIRE(seeds.size() >= 10);
  for (const Seed& seed : seeds) {
    INFO(seed.name);
    REQUIRE(seed.input.size() > 19);
    StreamDecoder decoder;
    decoder.Feed(std::span<const uint8_t>(seed.input).subspan(1));
    int messages = 0;
    for (auto f = decoder.Next(); f.status == StreamDecoder::Status::kMessage; f = decoder.Next()) {
      auto decoded = DecodeMessage(f.bytes, OptionsFromControl(seed.input[0]));
      REQUIRE(decoded.ok());
      CHECK(decoded->update_actions.empty());
      ++messages;
    }
    CHECK(messages >= 1);
    CHECK(decoder.buffered() == 0);
  }
}

TEST_CASE("bgp fuzz harness holds its invariants on seeds and their mutations", "[bgp]") {
  size_t runs = 0;
  for (const Seed& seed : SeedCorpus()) {
    for (int control = 0; control < 256; control += 17) {
      std::vector<uint8_t> input = seed.input;
      input[0] = static_cast<uint8_t>(control);
      INFO(seed.name << " control " << control);
      auto broken = FuzzOneInput(input);
      CHECK_FALSE(broken.has_value());
      for (size_t at = 1; at < input.size(); at += 5) {
        std::vector<uint8_t> flipped = input;
        flipped[at] ^= static_cast<uint8_t>(0x5a + at);
        INFO("flipped octet " << at);
        broken = FuzzOneInput(flipped);
        CHECK_FALSE(broken.has_value());
        broken = FuzzOneInput(std::span<const uint8_t>(input).first(at));
        CHECK_FALSE(broken.has_value());
        ++runs;
      }
    }
  }
  CHECK(runs > 1000);
}

}  // namespace
}  // namespace kr::bgp::fuzz
