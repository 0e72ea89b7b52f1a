// An in-memory VipLinkKernel for unit tests: links by name, addresses per link, the kernel's
// errors (EEXIST for a second add, EADDRNOTAVAIL for deleting a missing address, ENODEV for
// an unknown index). Not thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>

#include "services/proxyd/kernel/vip_link_kernel.h"

namespace kr::proxyd {

class FakeVipLinkKernel final : public VipLinkKernel {
 public:
  struct Link {
    std::string name;
    bool up = false;
    std::set<ipvs::IpAddress> addresses;
  };

  Expected<std::optional<int>> FindLink(const std::string& name) override;
  Status CreateDummy(const std::string& name) override;
  Status SetUp(int ifindex) override;
  Status DeleteLink(int ifindex) override;
  Expected<std::vector<ipvs::IpAddress>> ListAddresses(int ifindex) override;
  Expected<std::vector<ipvs::IpAddress>> ListAllAddresses(int skip_ifindex) override;
  Status AddAddress(int ifindex, const ipvs::IpAddress& address) override;
  Status DeleteAddress(int ifindex, const ipvs::IpAddress& address) override;

  // Test set-up and inspection.
  int AddLink(const std::string& name, bool up);
  const Link* Find(const std::string& name) const;
  int writes() const { return writes_; }

 private:
  std::map<int, Link> links_;
  int next_index_ = 1;
  int writes_ = 0;
};

}  // namespace kr::proxyd
