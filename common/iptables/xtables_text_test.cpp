// What the xtables tools print, interpreted: restore failures and backend detection.
#include <catch2/catch.hpp>

#include "common/iptables/backend_detect.h"
#include "common/iptables/restore_failure.h"

namespace kr::iptables {
namespace {

TEST_CASE("iptables_xtables_text: restore failures name the payload line") {
  // Verbatim stderr of iptables-legacy-restore and iptables-nft-restore 1.8.9.
  constexpr std::string_view kLegacy =
      "iptables-restore v1.8.9 (legacy): Couldn't load target `NOPE':No such file or "
      "directory\n\nError occurred at line: 3\nTry `iptables-restore -h' or 'iptables-restore "
      "--help' for more information.\n";
  constexpr std::string_view kNft =
      "iptables-nft-restore v1.8.9 (nf_tables): unknown option \"--bogus\"\nError occurred at "
      "line: 4\n";
  CHECK(FailedRestoreLine(kLegacy) == 3);
  CHECK(FailedRestoreLine(kNft) == 4);
  CHECK(FailedRestoreLine("iptables-restore: line 7 failed\n") == 7);
  CHECK_FALSE(FailedRestoreLine("Another app is currently holding the xtables lock.").has_value());

  Error error = RestoreError("iptables-legacy-restore", 2, kLegacy,
                             "*filter\n:KR-B - [0:0]\n-A KR-B -j NOPE\nCOMMIT\n");
  CHECK(error.code == EINVAL);
  CHECK(error.message ==
        "iptables-legacy-restore exited with 2 at line 3 (-A KR-B -j NOPE): iptables-restore "
        "v1.8.9 (legacy): Couldn't load target `NOPE':No such file or directory");
  CHECK(RestoreError("iptables-legacy-restore", 4,
                     "Another app is currently holding the xtables "
                     "lock.\n",
                     "")
            .code == EAGAIN);
}

TEST_CASE("iptables_xtables_text: backend detection follows iptables-wrapper") {
  constexpr std::string_view kHint =
      "*mangle\n:PREROUTING ACCEPT [0:0]\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n";
  constexpr std::string_view kTwoRules =
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
  constexpr std::string_view kOneRule =
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n";
  // Kubelet's hint chain decides, whatever the rule counts say.
  CHECK(DetectBackend(kHint, kTwoRules) == Backend::kNft);
  CHECK(DetectBackend(kOneRule, std::string(kHint) + std::string(kOneRule)) == Backend::kLegacy);
  // Otherwise legacy only when it holds strictly more rules.
  CHECK(DetectBackend(kOneRule, kTwoRules) == Backend::kLegacy);
  CHECK(DetectBackend(kTwoRules, kOneRule) == Backend::kNft);
  CHECK(DetectBackend(kOneRule, kOneRule) == Backend::kNft);
  CHECK(DetectBackend("", "") == Backend::kNft);
}

}  // namespace
}  // namespace kr::iptables
