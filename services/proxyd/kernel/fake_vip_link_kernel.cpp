#include "services/proxyd/kernel/fake_vip_link_kernel.h"

#include <cerrno>

namespace kr::proxyd {

int FakeVipLinkKernel::AddLink(const std::string& name, bool up) {
  int index = next_index_++;
  links_[index] = Link{name, up, {}};
  return index;
}

const FakeVipLinkKernel::Link* FakeVipLinkKernel::Find(const std::string& name) const {
  for (const auto& [index, link] : links_) {
    if (link.name == name) return &link;
  }
  return nullptr;
}

Expected<std::optional<int>> FakeVipLinkKernel::FindLink(const std::string& name) {
  for (const auto& [index, link] : links_) {
    if (link.name == name) return std::optional<int>(index);
  }
  return std::optional<int>();
}

Status FakeVipLinkKernel::CreateDummy(const std::string& name) {
  ++writes_;
  if (Find(name)) return Error{EEXIST, "link " + name + " exists"};
  AddLink(name, true);
  return Status::Ok();
}

Status FakeVipLinkKernel::SetUp(int ifindex) {
  ++writes_;
  auto link = links_.find(ifindex);
  if (link == links_.end()) return Error{ENODEV, "no link"};
  link->second.up = true;
  return Status::Ok();
}

Status FakeVipLinkKernel::DeleteLink(int ifindex) {
  ++writes_;
  if (links_.erase(ifindex) == 0) return Error{ENODEV, "no link"};
  return Status::Ok();
}

Expected<std::vector<ipvs::IpAddress>> FakeVipLinkKernel::ListAddresses(int ifindex) {
  auto link = links_.find(ifindex);
  if (link == links_.end()) return Error{ENODEV, "no link"};
  return std::vector<ipvs::IpAddress>(link->second.addresses.begin(), link->second.addresses.end());
}

Expected<std::vector<ipvs::IpAddress>> FakeVipLinkKernel::ListAllAddresses(int skip_ifindex) {
  std::vector<ipvs::IpAddress> all;
  for (const auto& [index, link] : links_) {
    if (index != skip_ifindex) all.insert(all.end(), link.addresses.begin(), link.addresses.end());
  }
  return all;
}

Status FakeVipLinkKernel::AddAddress(int ifindex, const ipvs::IpAddress& address) {
  ++writes_;
  auto link = links_.find(ifindex);
  if (link == links_.end()) return Error{ENODEV, "no link"};
  if (!link->second.addresses.insert(address).second) return Error{EEXIST, "address exists"};
  return Status::Ok();
}

Status FakeVipLinkKernel::DeleteAddress(int ifindex, const ipvs::IpAddress& address) {
  ++writes_;
  auto link = links_.find(ifindex);
  if (link == links_.end()) return Error{ENODEV, "no link"};
  if (link->second.addresses.erase(address) == 0) return Error{EADDRNOTAVAIL, "no address"};
  return Status::Ok();
}

}  // namespace kr::proxyd
