// --dry-run: kernel seams that read the real kernel but log every write instead of making it.
// The iptables runner logs each restore payload; the ipset client logs each batch in
// `ipset restore` syntax. Reads pass through, so the plans (and logs) are the real ones.
//
// Threading: as the wrapped seam; both wrapped objects must outlive the wrappers.
#pragma once

#include "common/ipset/ipset_client.h"
#include "common/iptables/iptables_runner.h"

namespace kr::policyd {

class DryRunIptablesRunner final : public iptables::IptablesRunner {
 public:
  explicit DryRunIptablesRunner(iptables::IptablesRunner& real) : real_(real) {}
  Expected<std::string> Save(iptables::IpFamily family) override { return real_.Save(family); }
  Status Restore(iptables::IpFamily family, std::string_view payload) override;

 private:
  iptables::IptablesRunner& real_;
};

class DryRunIpsetClient final : public ipset::IpsetClient {
 public:
  explicit DryRunIpsetClient(ipset::IpsetClient& real) : real_(real) {}
  Status Create(const ipset::SetSpec& spec) override;
  Status Add(std::string_view set, std::string_view member) override;
  Status Del(std::string_view set, std::string_view member) override;
  Status Flush(std::string_view set) override;
  Status Swap(std::string_view set, std::string_view other) override;
  Status Destroy(std::string_view set) override;
  Expected<std::vector<ipset::SetContent>> List(std::string_view name_prefix) override {
    return real_.List(name_prefix);
  }
  Status Restore(const ipset::IpsetBatch& batch) override;

 private:
  ipset::IpsetClient& real_;
};

}  // namespace kr::policyd
