// Valid BGP message streams, built with the encoders, that seed the fuzzer's corpus and that
// the unit tests replay through the fuzz harness.
//
// Each seed is the fuzzer's input format: one control octet (see fuzz_one_input.h) followed
// by the bytes of one or more whole messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kr::bgp::fuzz {

struct Seed {
  std::string name;  // file name in the corpus directory
  std::vector<uint8_t> input;
};

std::vector<Seed> SeedCorpus();

}  // namespace kr::bgp::fuzz
