#include "common/route/netlink_socket.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace kr::route {
namespace {

constexpr size_t kSendChunkBytes = 32 * 1024;
// Each ack costs the receive buffer about a kilobyte of skb overhead, however short it is: a
// chunk must not ask for more acks than the buffer holds, or the kernel drops them (ENOBUFS).
constexpr size_t kMaxRequestsPerChunk = 64;
// Room an error answer takes in the receive buffer, with margin (skb overhead included).
constexpr size_t kBytesPerAnswer = 2048;
constexpr int kReceiveBufferSocketBytes = 1024 * 1024;
constexpr size_t kReceiveBufferBytes = 64 * 1024;
constexpr int kDumpAttempts = 3;

// The kernel's errno (positive) and message for an NLMSG_ERROR, or 0 for an ack.
std::pair<int, std::string> DecodeError(const nlmsghdr* message) {
  if (message->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return {EBADMSG, "truncated ack"};
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(message));
  std::string text;
  if ((message->nlmsg_flags & NLM_F_ACK_TLVS) != 0) {
    // Extended ack attributes follow the echoed request (only its header when capped).
    size_t offset = sizeof(nlmsgerr);
    if ((message->nlmsg_flags & NLM_F_CAPPED) == 0) offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
    const auto* payload = static_cast<const uint8_t*>(mnl_nlmsg_get_payload(message));
    const int left = static_cast<int>(message->nlmsg_len - NLMSG_HDRLEN) - static_cast<int>(offset);
    const auto* attribute = reinterpret_cast<const nlattr*>(payload + MNL_ALIGN(offset));
    int remaining = left;
    while (remaining > 0 && mnl_attr_ok(attribute, remaining)) {
      if (mnl_attr_get_type(attribute) == NLMSGERR_ATTR_MSG &&
          mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) == 0) {
        text = mnl_attr_get_str(attribute);
      }
      remaining -= static_cast<int>(MNL_ALIGN(attribute->nla_len));
      attribute = mnl_attr_next(attribute);
    }
  }
  return {-err->error, text};
}

Error KernelError(int code, const std::string& extended) {
  Error error = Error::FromErrno(code, "kernel");
  if (!extended.empty()) error.message += " (" + extended + ")";
  return error;
}

}  // namespace

Expected<NetlinkSocket> NetlinkSocket::Open() {
  mnl_socket* socket = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (socket == nullptr) return Error::FromErrno(errno, "open NETLINK_ROUTE socket");
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(socket);
    return Error::FromErrno(err, "bind NETLINK_ROUTE socket");
  }
  int on = 1;
  // Optional features: older kernels lack some; everything still works without them.
  mnl_socket_setsockopt(socket, NETLINK_EXT_ACK, &on, sizeof on);
  mnl_socket_setsockopt(socket, NETLINK_CAP_ACK, &on, sizeof on);
  mnl_socket_setsockopt(socket, NETLINK_GET_STRICT_CHK, &on, sizeof on);
  int receive_buffer = kReceiveBufferSocketBytes;
  // FORCE passes net.core.rmem_max when we may (CAP_NET_ADMIN); the plain one is capped by it.
  if (setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer,
                 sizeof receive_buffer) != 0) {
    setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVBUF, &receive_buffer,
               sizeof receive_buffer);
  }
  NetlinkSocket result(socket);
  int granted = 0;  // what the kernel accounts against, whichever call above took effect
  socklen_t length = sizeof granted;
  if (getsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVBUF, &granted, &length) == 0 &&
      granted > 0) {
    result.max_errors_per_chunk_ =
        std::max<size_t>(1, static_cast<size_t>(granted) / kBytesPerAnswer);
  }
  return result;
}

NetlinkSocket::NetlinkSocket(mnl_socket* socket)
    : socket_(socket),
      port_id_(mnl_socket_get_portid(socket)),
      receive_buffer_(kReceiveBufferBytes) {}

NetlinkSocket::NetlinkSocket(NetlinkSocket&& other) noexcept
    : socket_(std::exchange(other.socket_, nullptr)),
      port_id_(other.port_id_),
      next_seq_(other.next_seq_),
      receive_buffer_(std::move(other.receive_buffer_)),
      max_errors_per_chunk_(other.max_errors_per_chunk_) {}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& other) noexcept {
  if (this != &other) {
    if (socket_ != nullptr) mnl_socket_close(socket_);
    socket_ = std::exchange(other.socket_, nullptr);
    port_id_ = other.port_id_;
    next_seq_ = other.next_seq_;
    receive_buffer_ = std::move(other.receive_buffer_);
    max_errors_per_chunk_ = other.max_errors_per_chunk_;
  }
  return *this;
}

NetlinkSocket::~NetlinkSocket() {
  if (socket_ != nullptr) mnl_socket_close(socket_);
}

std::vector<Status> NetlinkSocket::Transact(std::vector<std::vector<uint8_t>> requests,
                                            Answers answers) {
  const bool ack_each = answers == Answers::kEach;
  const size_t per_chunk = ack_each ? kMaxRequestsPerChunk : max_errors_per_chunk_;
  std::vector<Status> results(requests.size());
  std::vector<bool> answered;
  size_t next = 0;
  std::vector<uint8_t> chunk;
  while (next < requests.size()) {
    // The chunk's requests carry consecutive sequence numbers from first_seq.
    const size_t begin = next;
    const uint32_t first_seq = next_seq_;
    chunk.clear();
    while (next < requests.size() &&
           (next == begin || (chunk.size() + requests[next].size() <= kSendChunkBytes &&
                              next - begin < per_chunk))) {
      auto* header = reinterpret_cast<nlmsghdr*>(requests[next].data());
      header->nlmsg_seq = next_seq_++;
      if (ack_each) {
        header->nlmsg_flags |= NLM_F_ACK;
      } else {
        header->nlmsg_flags &= static_cast<uint16_t>(~NLM_F_ACK);
      }
      chunk.insert(chunk.end(), requests[next].begin(), requests[next].end());
      ++next;
    }
    const size_t count = next - begin;
    answered.assign(count, false);
    size_t unanswered = count;
    // Marks the requests with no answer read yet; an error read later still replaces it.
    const auto fail_unanswered = [&](const Error& error) {
      for (size_t i = 0; i < count; ++i) {
        if (!answered[i]) results[begin + i] = error;
      }
    };
    if (mnl_socket_sendto(socket_, chunk.data(), chunk.size()) < 0) {
      fail_unanswered(Error::FromErrno(errno, "netlink send"));
      continue;
    }
    // Every answer is queued (or was dropped for want of buffer) by now: an empty queue means
    // all answers were read, never "wait longer".
    while (!ack_each || unanswered > 0) {
      const ssize_t received = recv(mnl_socket_get_fd(socket_), receive_buffer_.data(),
                                    receive_buffer_.size(), MSG_DONTWAIT);
      if (received < 0) {
        const int err = errno;
        if (err == EINTR) continue;
        const bool drained = err == EAGAIN || err == EWOULDBLOCK;
        if (drained && !ack_each) break;  // every error there was has been read
        // Acks missing from a drained queue were dropped; an overrun (ENOBUFS, reported once,
        // before the answers that were queued) dropped some answers, which ones is unknown.
        fail_unanswered(
            Error::FromErrno(drained ? ENOBUFS : err, "netlink receive answer (outcome unknown)"));
        if (err == ENOBUFS && !ack_each) continue;  // read the errors that were queued
        break;
      }
      int left = static_cast<int>(received);
      for (auto* message = reinterpret_cast<const nlmsghdr*>(receive_buffer_.data());
           mnl_nlmsg_ok(message, left); message = mnl_nlmsg_next(message, &left)) {
        if (message->nlmsg_pid != port_id_ || message->nlmsg_type != NLMSG_ERROR) continue;
        const uint32_t offset = message->nlmsg_seq - first_seq;  // wraps like the numbers
        // A late answer to an earlier chunk (already failed as lost) is skipped.
        if (offset >= count || answered[offset]) continue;
        const auto [code, text] = DecodeError(message);
        if (code != 0) results[begin + offset] = KernelError(code, text);
        answered[offset] = true;
        --unanswered;
      }
    }
  }
  return results;
}

Status NetlinkSocket::Dump(std::vector<uint8_t> request, const MessageHandler& on_message) {
  for (int attempt = 1;; ++attempt) {
    bool interrupted = false;
    Status status = DumpOnce(request, on_message, interrupted);
    if (!interrupted || attempt == kDumpAttempts) {
      if (interrupted)
        return Error{EINTR, "netlink dump interrupted by changes " + std::to_string(kDumpAttempts) +
                                " times"};
      return status;
    }
  }
}

Status NetlinkSocket::DumpOnce(std::vector<uint8_t>& request, const MessageHandler& on_message,
                               bool& interrupted) {
  auto* header = reinterpret_cast<nlmsghdr*>(request.data());
  const uint32_t seq = next_seq_++;
  header->nlmsg_seq = seq;
  if (mnl_socket_sendto(socket_, request.data(), request.size()) < 0) {
    return Error::FromErrno(errno, "netlink send dump request");
  }
  // A handler error stops handing out messages, but the dump is still read to its end so the
  // socket carries nothing stale into the next request.
  Status result;
  for (;;) {
    const ssize_t received =
        mnl_socket_recvfrom(socket_, receive_buffer_.data(), receive_buffer_.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno(errno, "netlink receive dump");
    }
    int left = static_cast<int>(received);
    for (auto* message = reinterpret_cast<const nlmsghdr*>(receive_buffer_.data());
         mnl_nlmsg_ok(message, left); message = mnl_nlmsg_next(message, &left)) {
      if (message->nlmsg_pid != port_id_ || message->nlmsg_seq != seq) continue;
      if ((message->nlmsg_flags & NLM_F_DUMP_INTR) != 0) interrupted = true;
      if (message->nlmsg_type == NLMSG_DONE) {
        // A dump that failed midway ends with a negative errno in NLMSG_DONE.
        if (mnl_nlmsg_get_payload_len(message) >= sizeof(int)) {
          int code = 0;
          std::memcpy(&code, mnl_nlmsg_get_payload(message), sizeof code);
          if (code < 0) return KernelError(-code, "");
        }
        return result;
      }
      if (message->nlmsg_type == NLMSG_ERROR) {
        const auto [code, text] = DecodeError(message);
        if (code == 0) return result;
        return KernelError(code, text);
      }
      if (result.ok()) result = on_message(message);
    }
  }
}

}  // namespace kr::route
