#include "services/routed/bgp/control/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kr::bgp::control {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on fd until `deadline`; false on timeout.
bool WaitUntil(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int ready = poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

}  // namespace

Expected<nlohmann::json> Ask(const std::string& socket_path, const Request& request,
                             std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path)) {
    return Error{ENAMETOOLONG, "socket path \"" + socket_path + "\" is empty or too long"};
  }
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Error::FromErrno(errno, "socket");
  // A unix socket connect does not block on a listening server (it fails with EAGAIN when the
  // backlog is full), so the blocking form is fine here.
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return Error::FromErrno(errno, "connect to " + socket_path);
  }

  const std::string line = ToJson(request).dump() + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    if (!WaitUntil(fd.get(), POLLOUT, deadline)) return Error{ETIMEDOUT, "timed out sending"};
    const ssize_t n =
        send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return Error::FromErrno(errno, "send to " + socket_path);
    sent += static_cast<size_t>(n);
  }

  std::string response;
  char chunk[65536];
  while (response.empty() || response.back() != '\n') {
    if (!WaitUntil(fd.get(), POLLIN, deadline)) {
      return Error{ETIMEDOUT, "timed out waiting for the answer from " + socket_path};
    }
    const ssize_t n = recv(fd.get(), chunk, sizeof(chunk), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return Error::FromErrno(errno, "receive from " + socket_path);
    if (n == 0) return Error{ECONNRESET, "the server closed the connection without an answer"};
    response.append(chunk, static_cast<size_t>(n));
  }
  response.pop_back();

  nlohmann::json parsed = nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error{EPROTO, "the answer is not a JSON object"};
  }
  const auto ok = parsed.find("ok");
  if (ok == parsed.end() || !ok->is_boolean() || !ok->get<bool>()) {
    const auto error = parsed.find("error");
    return Error{EREMOTEIO, error != parsed.end() && error->is_string()
                                ? error->get<std::string>()
                                : std::string("the server answered without \"ok\"")};
  }
  return parsed;
}

}  // namespace kr::bgp::control
