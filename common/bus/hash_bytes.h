// The bus's hash of keys and bodies: the subscriber's view digests and both ends' key indexes
// (slot_index.h) use it.
#pragma once

#include <cstdint>
#include <string_view>

namespace kr::bus {

// Seeded 64-bit hash of bytes (random seed per process). Not cryptographic: two different
// bodies compare equal with a probability of about 2^-64, which someone who cannot read the
// process's memory cannot steer.
uint64_t HashBytes(std::string_view bytes);

}  // namespace kr::bus
