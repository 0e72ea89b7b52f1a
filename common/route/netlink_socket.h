// A NETLINK_ROUTE socket (libmnl) that sends requests and pairs each kernel answer with its
// request by sequence number.
//
// Threading: not thread-safe; one owner. Namespaces: the socket talks to the network
// namespace of the thread that opened it, for its whole life.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/base/expected.h"

struct mnl_socket;
struct nlmsghdr;

namespace kr::route {

class NetlinkSocket {
 public:
  // Opens and binds the socket, asking for extended error messages (NETLINK_EXT_ACK), short
  // acks (NETLINK_CAP_ACK) and kernel-side dump filters (NETLINK_GET_STRICT_CHK).
  static Expected<NetlinkSocket> Open();

  NetlinkSocket(NetlinkSocket&&) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&&) noexcept;
  ~NetlinkSocket();

  // Which answers the kernel sends for a request that succeeded.
  enum class Answers {
    kEach,        // an ack (NLM_F_ACK) for every request
    kErrorsOnly,  // none: NLM_F_ACK cleared; a refused request still gets its NLMSG_ERROR
  };

  // Sends requests and returns one Status per request, in order: the kernel's errno and its
  // extended message when it refused one. Many requests share one sendmsg (up to 32 KiB each),
  // which is what makes thousands of routes fast; the kernel handles them one after another
  // and a failed one does not stop the next. rtnetlink handles requests inside sendmsg, so
  // every answer is queued when it returns and is read without waiting. kErrorsOnly saves the
  // kernel an answer per request (about 30% of its cost per route, route_write_bench); a chunk
  // then holds no more requests than the receive buffer has room for errors, so that all of
  // them failing is still reported one by one. When answers were lost all the same (ENOBUFS)
  // the requests with no answer read fail with ENOBUFS ("outcome unknown"): a caller that must
  // know dumps.
  std::vector<Status> Transact(std::vector<std::vector<uint8_t>> requests,
                               Answers answers = Answers::kEach);

  // Sends one dump request (NLM_F_DUMP) and calls on_message for every answer until the dump
  // ends; an error from on_message stops reading and is returned. Restarts (up to 3 times)
  // when the kernel says the dump was interrupted by a concurrent change.
  using MessageHandler = std::function<Status(const nlmsghdr*)>;
  Status Dump(std::vector<uint8_t> request, const MessageHandler& on_message);

 private:
  explicit NetlinkSocket(mnl_socket* socket);
  Status DumpOnce(std::vector<uint8_t>& request, const MessageHandler& on_message,
                  bool& interrupted);

  mnl_socket* socket_ = nullptr;
  unsigned port_id_ = 0;
  uint32_t next_seq_ = 1;
  std::vector<uint8_t> receive_buffer_;
  size_t max_errors_per_chunk_ = 64;  // from the socket's receive buffer (Open)
};

}  // namespace kr::route
