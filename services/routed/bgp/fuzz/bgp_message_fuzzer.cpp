// libFuzzer entry point for the BGP message decoder (see fuzz_one_input.h). Built only by
// clang builds; run-bgp-fuzz.sh builds and runs it with ASan, UBSan and LSan.
#include <cstdio>
#include <cstdlib>

#include "services/routed/bgp/fuzz/fuzz_one_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto broken = kr::bgp::fuzz::FuzzOneInput({data, size})) {
    std::fprintf(stderr, "bgp fuzz invariant broken: %s\n", broken->c_str());
    std::abort();
  }
  return 0;
}
