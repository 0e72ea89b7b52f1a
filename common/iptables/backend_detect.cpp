#include "common/iptables/backend_detect.h"

#include <cstddef>
#include <string>

namespace kr::iptables {
namespace {

bool HasKubeletHint(std::string_view save) {
  return save.find("\n:KUBE-IPTABLES-HINT ") != std::string_view::npos ||
         save.find("\n:KUBE-KUBELET-CANARY ") != std::string_view::npos ||
         save.rfind(":KUBE-IPTABLES-HINT ", 0) == 0 || save.rfind(":KUBE-KUBELET-CANARY ", 0) == 0;
}

std::size_t CountRules(std::string_view save) {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < save.size()) {
    auto end = save.find('\n', pos);
    if (end == std::string_view::npos) end = save.size();
    if (save.substr(pos, 3) == "-A ") ++count;
    pos = end + 1;
  }
  return count;
}

std::string SaveOrEmpty(Backend backend) {
  XtablesRunner runner(backend);
  std::string text;
  for (IpFamily family : {IpFamily::kIPv4, IpFamily::kIPv6}) {
    if (auto saved = runner.Save(family)) text += *saved;
  }
  return text;
}

}  // namespace

Backend DetectBackend(std::string_view nft_save, std::string_view legacy_save) {
  if (HasKubeletHint(nft_save)) return Backend::kNft;
  if (HasKubeletHint(legacy_save)) return Backend::kLegacy;
  if (CountRules(legacy_save) > CountRules(nft_save)) return Backend::kLegacy;
  return Backend::kNft;
}

Backend DetectBackendFromSystem() {
  return DetectBackend(SaveOrEmpty(Backend::kNft), SaveOrEmpty(Backend::kLegacy));
}

}  // namespace kr::iptables
