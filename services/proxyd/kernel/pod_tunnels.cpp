#include "services/proxyd/kernel/pod_tunnels.h"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "common/log/log.h"
#include "common/route/netlink_socket.h"
#include "services/proxyd/kernel/netlink_vip_link_kernel.h"
#include "services/proxyd/kernel/sysctls.h"

namespace kr::proxyd {
namespace {

// Runs fn on a fresh thread inside the namespace at `path` (a thread that changed namespace
// never goes back to other work).
template <typename T, typename F>
Expected<T> InNetns(const std::string& path, F fn) {
  std::promise<Expected<T>> result;
  std::thread thread([&] {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      result.set_value(Error::FromErrno(errno, "open " + path));
      return;
    }
    if (setns(fd, CLONE_NEWNET) != 0) {
      const int err = errno;
      close(fd);
      result.set_value(Error::FromErrno(err, "enter " + path));
      return;
    }
    close(fd);
    result.set_value(fn());
  });
  thread.join();
  return result.get_future().get();
}

// Same namespace (nsfs inode) as the calling process's.
bool IsOwnNetns(const std::string& path) {
  struct stat own {
  }, other{};
  if (stat("/proc/self/ns/net", &own) != 0 || stat(path.c_str(), &other) != 0) return false;
  return own.st_dev == other.st_dev && own.st_ino == other.st_ino;
}

const char* TunnelName(const ipvs::IpAddress& endpoint) {
  return endpoint.is_v4() ? kPodTunnelName : kPodTunnelNameV6;
}

// RTM_NEWLINK for an ipip (or ip6tnl, any inner protocol) interface with only a local address:
// it takes every tunnelled packet sent to that address (common/route's tunnels need a remote).
std::vector<uint8_t> CreateTunnelRequest(const std::string& name, const ipvs::IpAddress& local) {
  std::vector<uint8_t> buffer(1024);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = RTM_NEWLINK;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(message, IFLA_IFNAME, name.c_str());
  nlattr* link_info = mnl_attr_nest_start(message, IFLA_LINKINFO);
  mnl_attr_put_strz(message, IFLA_INFO_KIND, local.is_v4() ? "ipip" : "ip6tnl");
  nlattr* data = mnl_attr_nest_start(message, IFLA_INFO_DATA);
  const auto bytes = local.bytes();
  mnl_attr_put(message, IFLA_IPTUN_LOCAL, bytes.size(), bytes.data());
  mnl_attr_put_u8(message, IFLA_IPTUN_PROTO, local.is_v4() ? IPPROTO_IPIP : 0);
  mnl_attr_nest_end(message, data);
  mnl_attr_nest_end(message, link_info);
  buffer.resize(message->nlmsg_len);
  return buffer;
}

Status CreateTunnel(const std::string& name, const ipvs::IpAddress& local) {
  auto socket = route::NetlinkSocket::Open();
  if (!socket) return socket.error();
  std::vector<std::vector<uint8_t>> requests;
  requests.push_back(CreateTunnelRequest(name, local));
  return socket->Transact(std::move(requests)).front();
}

bool Holds(const std::vector<ipvs::IpAddress>& addresses, const ipvs::IpAddress& address) {
  return std::find(addresses.begin(), addresses.end(), address) != addresses.end();
}

bool IsLinkLocalV6(const ipvs::IpAddress& address) {
  return address.is_v6() && address.bytes()[0] == 0xfe && (address.bytes()[1] & 0xc0) == 0x80;
}

// Whether the calling thread's namespace has `address` on an interface.
Expected<bool> HoldsAddress(const ipvs::IpAddress& address) {
  auto links = NetlinkVipLinkKernel::Open();
  if (!links) return links.error();
  auto addresses = (*links)->ListAllAddresses(0);
  if (!addresses) return addresses.error();
  return Holds(*addresses, address);
}

// In the pod's namespace: the tunnel up with exactly `vips`, rp_filter off.
Status ProgramHere(const ipvs::IpAddress& endpoint, const std::set<ipvs::IpAddress>& vips) {
  auto links = NetlinkVipLinkKernel::Open();
  if (!links) return links.error();
  auto addresses = (*links)->ListAllAddresses(0);
  if (!addresses) return addresses.error();
  if (!Holds(*addresses, endpoint)) return Error{ENOENT, "the namespace lost the endpoint"};
  const std::string name = TunnelName(endpoint);
  auto found = (*links)->FindLink(name);
  if (!found) return found.error();
  if (!*found) {
    Status created = CreateTunnel(name, endpoint);
    if (!created && created.error().code != EEXIST) return created;
    found = (*links)->FindLink(name);
    if (!found) return found.error();
    if (!*found) return Error{ENODEV, name + " missing right after its creation"};
  }
  const int ifindex = **found;
  if (Status up = (*links)->SetUp(ifindex); !up) return up;
  auto held = (*links)->ListAddresses(ifindex);
  if (!held) return held.error();
  for (const auto& vip : vips) {
    if (Holds(*held, vip)) continue;
    Status added = (*links)->AddAddress(ifindex, vip);
    if (!added && added.error().code != EEXIST) return added;
  }
  for (const auto& address : *held) {
    // The kernel's own IPv6 link-local address of the interface is not ours to remove.
    if (vips.contains(address) || address.family() != endpoint.family() || IsLinkLocalV6(address)) {
      continue;
    }
    Status deleted = (*links)->DeleteAddress(ifindex, address);
    if (!deleted && deleted.error().code != EADDRNOTAVAIL) return deleted;
  }
  if (endpoint.is_v4()) {
    // The client's packet comes out of the tunnel while the route back to the client leaves
    // by the pod's eth0: strict reverse path filtering would drop it.
    ProcSysctlWriter sysctls;
    for (const std::string& conf : {std::string("all"), name}) {
      Status written = sysctls.Write("net/ipv4/conf/" + conf + "/rp_filter", "0");
      if (!written) return written;
    }
  }
  return Status::Ok();
}

// In a namespace: removes our tunnel interfaces (those named, or both).
Status RemoveHere(const std::vector<std::string>& names) {
  auto links = NetlinkVipLinkKernel::Open();
  if (!links) return links.error();
  for (const auto& name : names) {
    auto found = (*links)->FindLink(name);
    if (!found) return found.error();
    if (!*found) continue;
    Status deleted = (*links)->DeleteLink(**found);
    if (!deleted && deleted.error().code != ENODEV) return deleted;
  }
  return Status::Ok();
}

}  // namespace

PodTunnels::PodTunnels(PodTunnelsOptions options) : options_(std::move(options)) {}

std::string PodTunnels::NetnsOf(const ipvs::IpAddress& endpoint) const {
  auto it = netns_of_.find(endpoint);
  return it == netns_of_.end() ? "" : it->second;
}

Expected<std::string> PodTunnels::FindNetns(const ipvs::IpAddress& endpoint, bool use_cache) {
  if (use_cache) {
    if (auto it = netns_of_.find(endpoint); it != netns_of_.end()) return it->second;
  }
  netns_of_.erase(endpoint);
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(options_.netns_dir, error)) {
    paths.push_back(entry.path().string());
  }
  if (error) return Error{error.value(), "listing " + options_.netns_dir + ": " + error.message()};
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    if (IsOwnNetns(path)) continue;
    auto holds = InNetns<bool>(path, [&] { return HoldsAddress(endpoint); });
    if (!holds || !*holds) continue;  // e.g. a namespace being deleted
    netns_of_[endpoint] = path;
    return path;
  }
  return Error{ENOENT,
               "no network namespace in " + options_.netns_dir + " holds " + endpoint.ToString()};
}

Status PodTunnels::Program(const ipvs::IpAddress& endpoint, const std::set<ipvs::IpAddress>& vips) {
  for (bool use_cache : {true, false}) {
    auto path = FindNetns(endpoint, use_cache);
    if (!path) return path.error();
    auto programmed = InNetns<bool>(*path, [&]() -> Expected<bool> {
      Status status = ProgramHere(endpoint, vips);
      if (!status) return status.error();
      return true;
    });
    if (programmed) {
      KR_VLOG(1) << "DSR tunnel " << TunnelName(endpoint) << " of endpoint " << endpoint.ToString()
                 << " in " << *path << ": " << vips.size() << " external IPs";
      return Status::Ok();
    }
    // A stale cache entry (the pod moved or went): look again once.
    if (!use_cache || programmed.error().code != ENOENT) {
      return Error{programmed.error().code, "DSR tunnel of endpoint " + endpoint.ToString() +
                                                " in " + *path + ": " + programmed.error().message};
    }
  }
  return Status::Ok();
}

Status PodTunnels::Sync(const Wanted& wanted, bool full) {
  Status first;
  auto keep = [&first](Status status) {
    if (status) return;
    KR_LOG(ERROR) << status.error().message;
    if (first) first = status;
  };
  for (const auto& [endpoint, vips] : wanted) {
    auto applied = applied_.find(endpoint);
    if (!full && applied != applied_.end() && applied->second == vips) continue;
    if (options_.dry_run) {
      KR_LOG(INFO) << "dry-run: would program the DSR tunnel of endpoint " << endpoint.ToString();
      continue;
    }
    Status programmed = Program(endpoint, vips);
    if (programmed) {
      applied_[endpoint] = vips;
    } else {
      applied_.erase(endpoint);  // retried by the next sync
      keep(programmed);
    }
  }
  for (auto it = applied_.begin(); it != applied_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    const std::string path = NetnsOf(it->first);
    if (!path.empty() && !options_.dry_run) {
      const std::string name = TunnelName(it->first);
      auto removed = InNetns<bool>(path, [&]() -> Expected<bool> {
        Status status = RemoveHere({name});
        if (!status) return status.error();
        return true;
      });
      // A namespace already gone took its interfaces with it.
      if (!removed && removed.error().code != ENOENT) {
        keep(Error{removed.error().code, "removing the DSR tunnel of endpoint " +
                                             it->first.ToString() + ": " +
                                             removed.error().message});
        ++it;
        continue;
      }
      KR_VLOG(1) << "DSR tunnel of endpoint " << it->first.ToString() << " removed from " << path;
    }
    netns_of_.erase(it->first);
    it = applied_.erase(it);
  }
  return first;
}

Status PodTunnels::Cleanup() {
  Status first;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(options_.netns_dir, error)) {
    const std::string path = entry.path().string();
    if (IsOwnNetns(path)) continue;
    if (options_.dry_run) continue;
    auto removed = InNetns<bool>(path, [&]() -> Expected<bool> {
      Status status = RemoveHere({kPodTunnelName, kPodTunnelNameV6});
      if (!status) return status.error();
      return true;
    });
    if (!removed && first)
      first = Error{removed.error().code, path + ": " + removed.error().message};
  }
  applied_.clear();
  netns_of_.clear();
  return first;
}

}  // namespace kr::proxyd
