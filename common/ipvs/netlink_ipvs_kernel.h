// IpvsKernel over generic netlink (family "IPVS", libnl-genl-3), the interface ipvsadm uses.
//
// One request at a time: each call sends one message and reads until the kernel's ack or the
// end of the dump, so a call costs one round trip. Not thread-safe; use one instance per thread.
// The kernel's errno comes back unchanged in Error::code (libnl's own error codes would merge
// ENOENT and ESRCH).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/ipvs/ipvs_kernel.h"

struct nl_sock;
struct nl_cb;
struct nl_msg;
struct nlattr;

namespace kr::ipvs {

class NetlinkIpvsKernel final : public IpvsKernel {
 public:
  // Connects and resolves the IPVS family; ENOENT when the kernel has no IPVS (ip_vs not
  // loaded), EPERM-like errors surface on the first request without CAP_NET_ADMIN.
  static Expected<std::unique_ptr<NetlinkIpvsKernel>> Open();
  ~NetlinkIpvsKernel() override;
  NetlinkIpvsKernel(const NetlinkIpvsKernel&) = delete;
  NetlinkIpvsKernel& operator=(const NetlinkIpvsKernel&) = delete;

  Status AddService(const Service& service) override;
  Status UpdateService(const Service& service) override;
  Status DeleteService(const ServiceKey& key) override;
  Status Flush() override;
  Expected<ServiceEntry> GetService(const ServiceKey& key) override;
  Expected<std::vector<ServiceEntry>> ListServices() override;
  Status AddDestination(const ServiceKey& service, const Destination& destination) override;
  Status UpdateDestination(const ServiceKey& service, const Destination& destination) override;
  Status DeleteDestination(const ServiceKey& service, const DestinationKey& key) override;
  Expected<std::vector<DestinationEntry>> ListDestinations(const ServiceKey& service) override;

  // Requests sent since Open(), for "one change is one message" checks and metrics.
  uint64_t messages_sent() const { return messages_sent_; }

 private:
  // Called with the top-level attributes (indexed by IPVS_CMD_ATTR_*) of each reply message.
  using ReplyHandler = std::function<Status(nlattr** attrs)>;
  // Adds the command's attributes to a fresh message.
  using Filler = std::function<Status(nl_msg* msg)>;

  NetlinkIpvsKernel(nl_sock* sock, nl_cb* cb, int family_id);
  Status Request(uint8_t command, bool dump, const std::string& what, const Filler& fill,
                 const ReplyHandler& on_reply);

  nl_sock* sock_;
  nl_cb* cb_;
  int family_id_;
  uint64_t messages_sent_ = 0;
};

}  // namespace kr::ipvs
