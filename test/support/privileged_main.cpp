// Catch2 (v2) entry point for the privileged and vm tiers.
//
// Tests in these tiers create network namespaces, interfaces and kernel state, so they need
// root (CAP_NET_ADMIN in the initial user namespace). Without it the whole binary reports
// "skipped" to meson with exit status 77, as libcamera's device tests do; Catch2 v2 has no
// per-test skip.
#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

int main(int argc, char* argv[]) {
  if (geteuid() != 0) {
    std::fprintf(stderr, "skipped: this test needs root (network namespaces, netlink)\n");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
