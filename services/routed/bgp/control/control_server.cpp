#include "services/routed/bgp/control/control_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "services/routed/bgp/control/control_protocol.h"

namespace kr::bgp::control {
namespace {

Expected<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return Error{ENAMETOOLONG, "control socket path \"" + path + "\" is empty or too long"};
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

// Whether a server answers at `address` (a socket file left by a dead one refuses).
bool SomeoneListens(const sockaddr_un& address) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool alive = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return alive;
}

Status RemoveStaleSocket(const std::string& path, const sockaddr_un& address) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Error::FromErrno(errno, "stat " + path);
  }
  if (!S_ISSOCK(st.st_mode)) return Error{EEXIST, path + " exists and is not a socket"};
  if (SomeoneListens(address)) {
    return Error{EADDRINUSE, "another server already answers on " + path};
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error::FromErrno(errno, "remove stale socket " + path);
  }
  return Status::Ok();
}

}  // namespace

Expected<std::unique_ptr<ControlServer>> ControlServer::Start(ControlSource& source,
                                                              std::string path) {
  Expected<sockaddr_un> address = UnixAddress(path);
  if (!address) return address.error();
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{ec.value(), "create " + dir.string() + ": " + ec.message()};
  }
  if (Status removed = RemoveStaleSocket(path, *address); !removed) return removed.error();

  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::FromErrno(errno, "control socket");
  if (bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0) {
    const int err = errno;
    close(fd);
    return Error::FromErrno(err, "bind " + path);
  }
  // Before listen(): until then every connect() is refused, whatever the umask made the mode.
  if (chmod(path.c_str(), 0600) != 0 || listen(fd, 16) != 0) {
    const int err = errno;
    close(fd);
    unlink(path.c_str());
    return Error::FromErrno(err, "chmod/listen " + path);
  }
  const int stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop < 0) {
    const int err = errno;
    close(fd);
    unlink(path.c_str());
    return Error::FromErrno(err, "eventfd");
  }
  return std::unique_ptr<ControlServer>(new ControlServer(source, std::move(path), fd, stop));
}

ControlServer::ControlServer(ControlSource& source, std::string path, int listen_fd, int stop_fd)
    : source_(source), path_(std::move(path)), listen_fd_(listen_fd), stop_fd_(stop_fd) {
  thread_ = std::thread([this] { Serve(); });
}

ControlServer::~ControlServer() {
  const uint64_t one = 1;
  (void)!write(stop_fd_, &one, sizeof(one));
  thread_.join();
  close(listen_fd_);
  close(stop_fd_);
  unlink(path_.c_str());
}

void ControlServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int connection = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (connection < 0) continue;  // the client gave up already, or EMFILE: try the next
    ServeConnection(connection);
    close(connection);
  }
}

bool ControlServer::WaitReady(int fd, short events) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd_, POLLIN, 0}};
    const int ready =
        poll(fds, 2, static_cast<int>(std::chrono::milliseconds(kIdleTimeout).count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[1].revents != 0) return false;
    return fds[0].revents != 0;  // POLLHUP/POLLERR: the read or write reports it
  }
}

bool ControlServer::WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitReady(fd, POLLOUT)) return false;
    } else {
      return false;
    }
  }
  return true;
}

void ControlServer::ServeConnection(int fd) {
  std::string buffer;
  char chunk[4096];
  for (;;) {
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::string response =
          HandleRequestLine(source_, std::string_view(buffer).substr(0, newline));
      buffer.erase(0, newline + 1);
      ++requests_served_;
      response.push_back('\n');
      if (!WriteAll(fd, response)) return;
    }
    if (buffer.size() > kMaxRequestBytes) {
      (void)WriteAll(fd, ErrorResponseLine("request longer than " +
                                           std::to_string(kMaxRequestBytes) + " bytes") +
                             "\n");
      return;
    }
    if (!WaitReady(fd, POLLIN)) return;
    const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n == 0) return;  // the client is done
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return;
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace kr::bgp::control
