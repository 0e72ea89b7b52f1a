// VipLinkKernel over rtnetlink (libmnl, common/route's NetlinkSocket).
//
// Threading: not thread-safe; one owner. The socket belongs to the network namespace of the
// thread that called Open().
#pragma once

#include <memory>

#include "common/route/netlink_socket.h"
#include "services/proxyd/kernel/vip_link_kernel.h"

namespace kr::proxyd {

class NetlinkVipLinkKernel final : public VipLinkKernel {
 public:
  static Expected<std::unique_ptr<NetlinkVipLinkKernel>> Open();

  Expected<std::optional<int>> FindLink(const std::string& name) override;
  Status CreateDummy(const std::string& name) override;
  Status SetUp(int ifindex) override;
  Status DeleteLink(int ifindex) override;
  Expected<std::vector<ipvs::IpAddress>> ListAddresses(int ifindex) override;
  Expected<std::vector<ipvs::IpAddress>> ListAllAddresses(int skip_ifindex) override;
  Status AddAddress(int ifindex, const ipvs::IpAddress& address) override;
  Status DeleteAddress(int ifindex, const ipvs::IpAddress& address) override;

 private:
  explicit NetlinkVipLinkKernel(route::NetlinkSocket socket) : socket_(std::move(socket)) {}
  Status TransactOne(std::vector<uint8_t> request);
  // Addresses of ifindex, or of every interface but -ifindex when `all` is set.
  Expected<std::vector<ipvs::IpAddress>> DumpAddresses(int ifindex, bool all);

  route::NetlinkSocket socket_;
};

}  // namespace kr::proxyd
