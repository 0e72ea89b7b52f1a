// The seam between proxyd's VIP handling and the kernel's links and addresses: a dummy
// interface (kube-dummy-if) holding the service VIPs. NetlinkVipLinkKernel talks rtnetlink;
// FakeVipLinkKernel (fake_vip_link_kernel.h) answers from memory for unit tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/ipvs/ip_address.h"

namespace kr::proxyd {

class VipLinkKernel {
 public:
  virtual ~VipLinkKernel() = default;

  // The interface's index, or nullopt when there is none of that name.
  virtual Expected<std::optional<int>> FindLink(const std::string& name) = 0;
  // Creates a dummy interface, up. EEXIST when the name is taken.
  virtual Status CreateDummy(const std::string& name) = 0;
  virtual Status SetUp(int ifindex) = 0;
  virtual Status DeleteLink(int ifindex) = 0;

  // Host addresses (/32, /128) are what a VIP needs; other prefixes are listed as addresses.
  virtual Expected<std::vector<ipvs::IpAddress>> ListAddresses(int ifindex) = 0;
  // Every address of every interface (for --nodeport-bindon-all-ip), except `skip_ifindex`.
  virtual Expected<std::vector<ipvs::IpAddress>> ListAllAddresses(int skip_ifindex) = 0;
  virtual Status AddAddress(int ifindex, const ipvs::IpAddress& address) = 0;
  virtual Status DeleteAddress(int ifindex, const ipvs::IpAddress& address) = 0;
};

}  // namespace kr::proxyd
