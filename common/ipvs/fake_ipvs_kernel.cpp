#include "common/ipvs/fake_ipvs_kernel.h"

#include <algorithm>
#include <set>

namespace kr::ipvs {
namespace {

constexpr size_t kSchedulerNameMax = 15;  // IP_VS_SCHEDNAME_MAXLEN - 1

// Schedulers and persistence engines Debian's kernel ships as modules ("none" is built in).
const std::set<std::string>& KnownSchedulers() {
  static const std::set<std::string> names = {"rr",    "wrr", "lc", "wlc",  "lblc",
                                              "lblcr", "dh",  "sh", "sed",  "nq",
                                              "fo",    "ovf", "mh", "twos", "none"};
  return names;
}

Error Errno(int error, const std::string& what) {
  return Error::FromErrno(error, what);
}

// What the request encoding or the kernel's attribute policy refuses before any lookup.
std::optional<Error> CheckServiceEncoding(const Service& service, const std::string& what) {
  const ServiceKey& key = service.key;
  if (key.family != AF_INET && key.family != AF_INET6) return Errno(EAFNOSUPPORT, what);
  if (!key.is_fwmark() && key.address.family() != key.family) return Errno(EINVAL, what);
  uint8_t bits = key.family == AF_INET ? 32 : 128;
  if (service.persistence_prefix && *service.persistence_prefix > bits) {
    return Errno(EINVAL, what);
  }
  if (service.scheduler.size() > kSchedulerNameMax) return Errno(EINVAL, what);
  return std::nullopt;
}

std::optional<Error> CheckKeyEncoding(const ServiceKey& key, const std::string& what) {
  if (key.family != AF_INET && key.family != AF_INET6) return Errno(EAFNOSUPPORT, what);
  if (!key.is_fwmark() && key.address.family() != key.family) return Errno(EINVAL, what);
  return std::nullopt;
}

// ip_vs_add_service / ip_vs_edit_service, after the existence check.
std::optional<Error> CheckServiceSettings(const Service& service, const std::string& what) {
  if (!KnownSchedulers().contains(service.scheduler)) return Errno(ENOENT, what);
  if (!service.persistence_engine.empty() && service.persistence_engine != "sip") {
    return Errno(ENOENT, what);
  }
  if (service.key.family == AF_INET6 && service.persistence_prefix == uint8_t{0}) {
    return Errno(EINVAL, what);
  }
  return std::nullopt;
}

// As a dump reports it: no kernel-internal flag, a host-wide netmask as "none".
Service Normalized(Service service) {
  service.flags &= ~ServiceFlags::kHashed;
  uint8_t bits = service.key.family == AF_INET ? 32 : 128;
  if (service.persistence_prefix == bits) service.persistence_prefix.reset();
  return service;
}

Destination NormalizedDestination(Destination destination) {
  if (destination.forward != ForwardMethod::kTunnel) {
    destination.tunnel_type = TunnelType::kIpip;
    destination.tunnel_port = 0;
    destination.tunnel_flags = 0;
  }
  return destination;
}

// ip_vs_new_dest: inet_addr_type() must say local or unicast, which it does for any address
// outside 0/8, multicast and the limited broadcast once the namespace has a local table; IPv6
// wants a unicast address that is not link-local.
bool IsUnicastForIpvs(const IpAddress& address) {
  auto bytes = address.bytes();
  if (address.is_v4()) {
    bool limited_broadcast =
        bytes[0] == 255 && bytes[1] == 255 && bytes[2] == 255 && bytes[3] == 255;
    return bytes[0] != 0 && (bytes[0] & 0xf0) != 0xe0 && !limited_broadcast;
  }
  bool any = std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
  bool multicast = bytes[0] == 0xff;
  bool link_local = bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
  return !any && !multicast && !link_local;
}

// ip_vs_genl_set_cmd's family check, then ip_vs_add_dest / ip_vs_edit_dest's range checks.
std::optional<Error> CheckDestinationSettings(const ServiceKey& service,
                                              const Destination& destination,
                                              const std::string& what) {
  if (destination.address.is_unspecified()) return Errno(EINVAL, what);
  if (destination.address.family() != service.family &&
      destination.forward != ForwardMethod::kTunnel) {
    return Errno(EINVAL, what);
  }
  if (destination.weight < 0) return Errno(ERANGE, what);
  if (destination.lower_threshold > destination.upper_threshold) return Errno(ERANGE, what);
  if (destination.forward == ForwardMethod::kTunnel &&
      destination.tunnel_type == TunnelType::kGue && destination.tunnel_port == 0) {
    return Errno(EINVAL, what);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> FakeIpvsKernel::BeginCall(const std::string& what) {
  ++messages_sent_;
  if (fail_next_ == 0) return std::nullopt;
  int error = fail_next_;
  fail_next_ = 0;
  return Errno(error, what);
}

FakeIpvsKernel::ServiceState* FakeIpvsKernel::Find(const ServiceKey& key) {
  auto it = services_.find(key);
  return it == services_.end() ? nullptr : &it->second;
}

Status FakeIpvsKernel::AddService(const Service& service) {
  std::string what = "adding IPVS service " + service.key.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckServiceEncoding(service, what)) return *error;
  if (Find(service.key) != nullptr) return Errno(EEXIST, what);
  if (auto error = CheckServiceSettings(service, what)) return *error;
  services_[service.key].entry.service = Normalized(service);
  return Status::Ok();
}

Status FakeIpvsKernel::UpdateService(const Service& service) {
  std::string what = "updating IPVS service " + service.key.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckServiceEncoding(service, what)) return *error;
  ServiceState* state = Find(service.key);
  if (state == nullptr) return Errno(ESRCH, what);
  if (auto error = CheckServiceSettings(service, what)) return *error;
  state->entry.service = Normalized(service);
  return Status::Ok();
}

Status FakeIpvsKernel::DeleteService(const ServiceKey& key) {
  std::string what = "deleting IPVS service " + key.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckKeyEncoding(key, what)) return *error;
  if (services_.erase(key) == 0) return Errno(ESRCH, what);
  return Status::Ok();
}

Status FakeIpvsKernel::Flush() {
  if (auto error = BeginCall("flushing IPVS")) return *error;
  services_.clear();
  return Status::Ok();
}

Expected<ServiceEntry> FakeIpvsKernel::GetService(const ServiceKey& key) {
  std::string what = "getting IPVS service " + key.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckKeyEncoding(key, what)) return *error;
  ServiceState* state = Find(key);
  if (state == nullptr) return Errno(ESRCH, what);
  return state->entry;
}

Expected<std::vector<ServiceEntry>> FakeIpvsKernel::ListServices() {
  if (auto error = BeginCall("listing IPVS services")) return *error;
  std::vector<ServiceEntry> entries;
  entries.reserve(services_.size());
  for (const auto& [key, state] : services_) entries.push_back(state.entry);
  return entries;
}

Status FakeIpvsKernel::AddDestination(const ServiceKey& service, const Destination& destination) {
  std::string what =
      "adding destination " + destination.key().ToString() + " to " + service.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckKeyEncoding(service, what)) return *error;
  ServiceState* state = Find(service);
  if (state == nullptr) return Errno(ESRCH, what);
  if (auto error = CheckDestinationSettings(service, destination, what)) return *error;
  if (state->destinations.contains(destination.key())) return Errno(EEXIST, what);
  if (!IsUnicastForIpvs(destination.address) || unroutable_.contains(destination.address)) {
    return Errno(EINVAL, what);
  }
  DestinationEntry entry;
  entry.destination = NormalizedDestination(destination);
  state->destinations.emplace(destination.key(), entry);
  return Status::Ok();
}

Status FakeIpvsKernel::UpdateDestination(const ServiceKey& service,
                                         const Destination& destination) {
  std::string what =
      "updating destination " + destination.key().ToString() + " of " + service.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckKeyEncoding(service, what)) return *error;
  ServiceState* state = Find(service);
  if (state == nullptr) return Errno(ESRCH, what);
  if (auto error = CheckDestinationSettings(service, destination, what)) return *error;
  auto it = state->destinations.find(destination.key());
  if (it == state->destinations.end()) return Errno(ENOENT, what);
  it->second.destination = NormalizedDestination(destination);
  return Status::Ok();
}

Status FakeIpvsKernel::DeleteDestination(const ServiceKey& service, const DestinationKey& key) {
  std::string what = "deleting destination " + key.ToString() + " of " + service.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckKeyEncoding(service, what)) return *error;
  ServiceState* state = Find(service);
  if (state == nullptr) return Errno(ESRCH, what);
  if (state->destinations.erase(key) == 0) return Errno(ENOENT, what);
  return Status::Ok();
}

Expected<std::vector<DestinationEntry>> FakeIpvsKernel::ListDestinations(
    const ServiceKey& service) {
  std::string what = "listing destinations of " + service.ToString();
  if (auto error = BeginCall(what)) return *error;
  if (auto error = CheckKeyEncoding(service, what)) return *error;
  std::vector<DestinationEntry> entries;
  if (ServiceState* state = Find(service)) {
    for (const auto& [key, entry] : state->destinations) entries.push_back(entry);
  }
  return entries;
}

Status FakeIpvsKernel::SetServiceStats(const ServiceKey& key, const Stats& stats) {
  ServiceState* state = Find(key);
  if (state == nullptr) return Errno(ESRCH, "setting stats of " + key.ToString());
  state->entry.stats = stats;
  return Status::Ok();
}

Status FakeIpvsKernel::SetDestinationCounters(const ServiceKey& service, const DestinationKey& key,
                                              uint32_t active, uint32_t inactive,
                                              uint32_t persistent, const Stats& stats) {
  std::string what = "setting counters of " + key.ToString() + " in " + service.ToString();
  ServiceState* state = Find(service);
  if (state == nullptr) return Errno(ESRCH, what);
  auto it = state->destinations.find(key);
  if (it == state->destinations.end()) return Errno(ENOENT, what);
  it->second.active_connections = active;
  it->second.inactive_connections = inactive;
  it->second.persistent_connections = persistent;
  it->second.stats = stats;
  return Status::Ok();
}

}  // namespace kr::ipvs
