#include "common/ipvs/netlink_ipvs_kernel.h"

#include <linux/ip_vs.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <array>
#include <optional>

#include "common/ipvs/ipvs_codec.h"

namespace kr::ipvs {
namespace {

constexpr int kReceiveBufferBytes = 1 << 20;

// What the libnl callbacks of one request learn; lives on the stack of Request().
struct Exchange {
  uint32_t seq = 0;
  bool done = false;
  int kernel_errno = 0;
  Status reply_status;
  const std::function<Status(nlattr**)>* on_reply = nullptr;
};

// Replies to an earlier, abandoned request must not be taken for ours.
int CheckSequence(nl_msg* msg, void* arg) {
  auto* exchange = static_cast<Exchange*>(arg);
  return nlmsg_hdr(msg)->nlmsg_seq == exchange->seq ? NL_OK : NL_SKIP;
}

int OnValid(nl_msg* msg, void* arg) {
  auto* exchange = static_cast<Exchange*>(arg);
  std::array<nlattr*, IPVS_CMD_ATTR_MAX + 1> attrs{};
  if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs.data(), IPVS_CMD_ATTR_MAX, nullptr) < 0) {
    if (exchange->reply_status.ok()) {
      exchange->reply_status = Error{EBADMSG, "malformed IPVS reply"};
    }
    return NL_SKIP;  // keep reading: the rest of a dump must still be consumed
  }
  if (exchange->on_reply != nullptr && exchange->reply_status.ok()) {
    exchange->reply_status = (*exchange->on_reply)(attrs.data());
  }
  return NL_OK;
}

int OnDone(nl_msg* /*msg*/, void* arg) {
  static_cast<Exchange*>(arg)->done = true;
  return NL_STOP;
}

int OnError(sockaddr_nl* /*peer*/, nlmsgerr* error, void* arg) {
  auto* exchange = static_cast<Exchange*>(arg);
  exchange->kernel_errno = -error->error;
  exchange->done = true;
  return NL_STOP;
}

Error LibnlError(int code, const std::string& what) {
  return Error{EIO, what + ": " + nl_geterror(code)};
}

using MessagePtr = std::unique_ptr<nl_msg, decltype(&nlmsg_free)>;

}  // namespace

Expected<std::unique_ptr<NetlinkIpvsKernel>> NetlinkIpvsKernel::Open() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return Error{ENOMEM, "allocating a netlink socket"};
  if (int err = genl_connect(sock); err < 0) {
    nl_socket_free(sock);
    return LibnlError(err, "connecting to generic netlink");
  }
  int family_id = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
  if (family_id < 0) {
    nl_socket_free(sock);
    if (family_id == -NLE_OBJ_NOTFOUND) {
      return Error{ENOENT, "the kernel has no IPVS generic netlink family (is ip_vs loaded?)"};
    }
    return LibnlError(family_id, "resolving the IPVS generic netlink family");
  }
  // Acks are asked for per request (not for dumps, which end with NLMSG_DONE instead).
  nl_socket_disable_auto_ack(sock);
  nl_socket_enable_msg_peek(sock);  // size the receive buffer to each dump message
  nl_socket_set_buffer_size(sock, kReceiveBufferBytes, 0);
  nl_cb* cb = nl_cb_alloc(NL_CB_DEFAULT);
  if (cb == nullptr) {
    nl_socket_free(sock);
    return Error{ENOMEM, "allocating netlink callbacks"};
  }
  return std::unique_ptr<NetlinkIpvsKernel>(new NetlinkIpvsKernel(sock, cb, family_id));
}

NetlinkIpvsKernel::NetlinkIpvsKernel(nl_sock* sock, nl_cb* cb, int family_id)
    : sock_(sock), cb_(cb), family_id_(family_id) {}

NetlinkIpvsKernel::~NetlinkIpvsKernel() {
  nl_cb_put(cb_);
  nl_socket_free(sock_);
}

Status NetlinkIpvsKernel::Request(uint8_t command, bool dump, const std::string& what,
                                  const Filler& fill, const ReplyHandler& on_reply) {
  MessagePtr msg(nlmsg_alloc(), &nlmsg_free);
  if (!msg) return Error{ENOMEM, what + ": allocating a message"};
  if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_id_, 0,
                  dump ? NLM_F_DUMP : NLM_F_ACK, command, IPVS_GENL_VERSION) == nullptr) {
    return Error{EMSGSIZE, what + ": building the header"};
  }
  if (fill) {
    if (Status status = fill(msg.get()); !status.ok()) {
      return Error{status.error().code, what + ": " + status.error().message};
    }
  }

  Exchange exchange;
  exchange.on_reply = on_reply ? &on_reply : nullptr;
  nl_cb_set(cb_, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, CheckSequence, &exchange);
  nl_cb_set(cb_, NL_CB_VALID, NL_CB_CUSTOM, OnValid, &exchange);
  nl_cb_set(cb_, NL_CB_FINISH, NL_CB_CUSTOM, OnDone, &exchange);
  nl_cb_set(cb_, NL_CB_ACK, NL_CB_CUSTOM, OnDone, &exchange);
  nl_cb_err(cb_, NL_CB_CUSTOM, OnError, &exchange);

  if (int err = nl_send_auto(sock_, msg.get()); err < 0) return LibnlError(err, what);
  ++messages_sent_;
  exchange.seq = nlmsg_hdr(msg.get())->nlmsg_seq;
  while (!exchange.done) {
    int err = nl_recvmsgs(sock_, cb_);
    if (exchange.kernel_errno != 0) break;
    if (err < 0) return LibnlError(err, what + ": receiving the reply");
  }
  if (exchange.kernel_errno != 0) return Error::FromErrno(exchange.kernel_errno, what);
  if (!exchange.reply_status.ok()) {
    return Error{exchange.reply_status.error().code,
                 what + ": " + exchange.reply_status.error().message};
  }
  return Status::Ok();
}

Status NetlinkIpvsKernel::AddService(const Service& service) {
  return Request(
      IPVS_CMD_NEW_SERVICE, false, "adding IPVS service " + service.key.ToString(),
      [&](nl_msg* msg) { return codec::PutService(msg, service); }, nullptr);
}

Status NetlinkIpvsKernel::UpdateService(const Service& service) {
  return Request(
      IPVS_CMD_SET_SERVICE, false, "updating IPVS service " + service.key.ToString(),
      [&](nl_msg* msg) { return codec::PutService(msg, service); }, nullptr);
}

Status NetlinkIpvsKernel::DeleteService(const ServiceKey& key) {
  return Request(
      IPVS_CMD_DEL_SERVICE, false, "deleting IPVS service " + key.ToString(),
      [&](nl_msg* msg) { return codec::PutServiceKey(msg, key); }, nullptr);
}

Status NetlinkIpvsKernel::Flush() {
  return Request(IPVS_CMD_FLUSH, false, "flushing IPVS", nullptr, nullptr);
}

Expected<ServiceEntry> NetlinkIpvsKernel::GetService(const ServiceKey& key) {
  std::optional<ServiceEntry> found;
  Status status = Request(
      IPVS_CMD_GET_SERVICE, false, "getting IPVS service " + key.ToString(),
      [&](nl_msg* msg) { return codec::PutServiceKey(msg, key); },
      [&](nlattr** attrs) -> Status {
        auto entry = codec::ParseService(attrs[IPVS_CMD_ATTR_SERVICE]);
        if (!entry) return entry.error();
        found = std::move(*entry);
        return Status::Ok();
      });
  if (!status.ok()) return status.error();
  if (!found) return Error{EBADMSG, "getting IPVS service " + key.ToString() + ": no reply"};
  return std::move(*found);
}

Expected<std::vector<ServiceEntry>> NetlinkIpvsKernel::ListServices() {
  std::vector<ServiceEntry> services;
  Status status = Request(IPVS_CMD_GET_SERVICE, true, "listing IPVS services", nullptr,
                          [&](nlattr** attrs) -> Status {
                            auto entry = codec::ParseService(attrs[IPVS_CMD_ATTR_SERVICE]);
                            if (!entry) return entry.error();
                            services.push_back(std::move(*entry));
                            return Status::Ok();
                          });
  if (!status.ok()) return status.error();
  return services;
}

Status NetlinkIpvsKernel::AddDestination(const ServiceKey& service,
                                         const Destination& destination) {
  return Request(
      IPVS_CMD_NEW_DEST, false,
      "adding destination " + destination.key().ToString() + " to " + service.ToString(),
      [&](nl_msg* msg) -> Status {
        if (Status status = codec::PutServiceKey(msg, service); !status.ok()) return status;
        return codec::PutDestination(msg, destination);
      },
      nullptr);
}

Status NetlinkIpvsKernel::UpdateDestination(const ServiceKey& service,
                                            const Destination& destination) {
  return Request(
      IPVS_CMD_SET_DEST, false,
      "updating destination " + destination.key().ToString() + " of " + service.ToString(),
      [&](nl_msg* msg) -> Status {
        if (Status status = codec::PutServiceKey(msg, service); !status.ok()) return status;
        return codec::PutDestination(msg, destination);
      },
      nullptr);
}

Status NetlinkIpvsKernel::DeleteDestination(const ServiceKey& service, const DestinationKey& key) {
  return Request(
      IPVS_CMD_DEL_DEST, false,
      "deleting destination " + key.ToString() + " of " + service.ToString(),
      [&](nl_msg* msg) -> Status {
        if (Status status = codec::PutServiceKey(msg, service); !status.ok()) return status;
        return codec::PutDestinationKey(msg, key);
      },
      nullptr);
}

Expected<std::vector<DestinationEntry>> NetlinkIpvsKernel::ListDestinations(
    const ServiceKey& service) {
  std::vector<DestinationEntry> destinations;
  Status status = Request(
      IPVS_CMD_GET_DEST, true, "listing destinations of " + service.ToString(),
      [&](nl_msg* msg) { return codec::PutServiceKey(msg, service); },
      [&](nlattr** attrs) -> Status {
        auto entry = codec::ParseDestination(attrs[IPVS_CMD_ATTR_DEST], service.family);
        if (!entry) return entry.error();
        destinations.push_back(std::move(*entry));
        return Status::Ok();
      });
  if (!status.ok()) return status.error();
  return destinations;
}

}  // namespace kr::ipvs
