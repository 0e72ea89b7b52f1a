// kr-sandbox-echo: a sandbox pod's "container". Answers every HTTP request on the given TCP
// ports and every datagram on the given UDP ports with its name and a newline, on IPv4 and
// IPv6. Prints "ready" on stdout once every socket listens (the node agent waits for it before
// it reports the pod Ready), then serves until SIGTERM.
//
//   kr-sandbox-echo --name web-7d9-abcde --tcp 8080,80 --udp 8080
//
// One thread, poll(2): it must start at once even under emulation (the vm tier).
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<int> ParsePorts(const std::string& list) {
  std::vector<int> ports;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) ports.push_back(std::stoi(item));
  }
  return ports;
}

// A dual-stack socket on [::]:port, or 0.0.0.0:port where IPv6 is off.
int Bind(int type, int port) {
  int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    int off = 0, on = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    addr.sin6_addr = in6addr_any;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    close(fd);
  }
  fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name, tcp_list, udp_list;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--name") name = argv[i + 1];
    if (flag == "--tcp") tcp_list = argv[i + 1];
    if (flag == "--udp") udp_list = argv[i + 1];
  }
  if (name.empty() || (tcp_list.empty() && udp_list.empty())) {
    std::fprintf(stderr, "usage: kr-sandbox-echo --name NAME [--tcp P1,P2] [--udp P1,P2]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  // The pod dies with its node agent (the agent's thread that started it), even when the agent
  // is killed before it cleans up.
  const pid_t agent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != agent) return 1;

  std::vector<pollfd> polls;
  std::map<int, bool> listening;  // fd -> is a TCP listener (false: UDP)
  for (int port : ParsePorts(tcp_list)) {
    int fd = Bind(SOCK_STREAM, port);
    if (fd < 0 || listen(fd, 128) != 0) {
      std::fprintf(stderr, "kr-sandbox-echo: tcp port %d: %s\n", port, std::strerror(errno));
      return 1;
    }
    polls.push_back({fd, POLLIN, 0});
    listening[fd] = true;
  }
  for (int port : ParsePorts(udp_list)) {
    int fd = Bind(SOCK_DGRAM, port);
    if (fd < 0) {
      std::fprintf(stderr, "kr-sandbox-echo: udp port %d: %s\n", port, std::strerror(errno));
      return 1;
    }
    polls.push_back({fd, POLLIN, 0});
    listening[fd] = false;
  }
  std::printf("ready\n");
  std::fflush(stdout);

  const std::string body = name + "\n";
  const std::string http = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  std::map<int, std::string> requests;  // connection fd -> bytes read so far
  while (true) {
    if (poll(polls.data(), polls.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    std::vector<pollfd> next;
    for (const pollfd& p : polls) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) {
        next.push_back(p);
        continue;
      }
      auto kind = listening.find(p.fd);
      if (kind != listening.end() && kind->second) {  // TCP listener: a new connection
        int conn = accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn >= 0) {
          next.push_back({conn, POLLIN, 0});
          requests[conn];
        }
        next.push_back(p);
      } else if (kind != listening.end()) {  // UDP: answer each datagram
        char buffer[2048];
        sockaddr_storage peer{};
        socklen_t peer_len = sizeof peer;
        if (recvfrom(p.fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer),
                     &peer_len) >= 0) {
          sendto(p.fd, body.data(), body.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_len);
        }
        next.push_back(p);
      } else {  // a connection: answer once the request head is in (or the peer is done)
        char buffer[4096];
        const ssize_t n = read(p.fd, buffer, sizeof buffer);
        std::string& request = requests[p.fd];
        if (n > 0) request.append(buffer, static_cast<size_t>(n));
        const size_t first_newline = request.find('\n');
        const bool is_http = first_newline != std::string::npos &&
                             request.substr(0, first_newline).find("HTTP/") != std::string::npos;
        // HTTP: the whole head; anything else (nc, a probe): the first line.
        const bool complete = n <= 0 || request.size() > 8192 ||
                              (is_http ? request.find("\r\n\r\n") != std::string::npos ||
                                             request.find("\n\n") != std::string::npos
                                       : first_newline != std::string::npos);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          next.push_back(p);
        } else if (complete) {
          const std::string& answer = is_http ? http : body;
          [[maybe_unused]] ssize_t sent = write(p.fd, answer.data(), answer.size());
          close(p.fd);
          requests.erase(p.fd);
        } else {
          next.push_back(p);
        }
      }
    }
    polls = std::move(next);
  }
}
