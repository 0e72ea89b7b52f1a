// kr-sandbox-probe: the end-to-end tests' client, run inside a pod (`kr-sandbox exec POD --
// kr-sandbox-probe ...`). Asks every target at once with one HTTP request each, so probing a
// row of a reachability matrix costs one timeout, not one per blocked target; a curl per pair
// is too slow under emulation (the vm tier).
//
//   kr-sandbox-probe [--timeout-ms 1000] TARGET...
//       one request per target; prints "TARGET ANSWER" (the echo server's pod name) or
//       "TARGET -" per line, in argument order; exit 0.
//   kr-sandbox-probe [--timeout-ms 1000] --from NETNS TARGET... [--from NETNS2 TARGET...]
//       the same from several network namespaces (/run/netns/NETNS, e.g. pods) in one process
//       and one round: a whole reachability matrix costs one process start and one timeout.
//       Prints "NETNS TARGET ANSWER|-".
//   kr-sandbox-probe --loop [--interval-ms 100] [--timeout-ms 1000] TARGET...
//       rounds of one request per target until SIGTERM or SIGINT; prints one line per request
//       ("<unix ms> TARGET ok ANSWER <ms>" or "<unix ms> TARGET FAILED REASON <ms>", <ms> the
//       request's duration) and at the end "total N failed M slowest <ms>"; exit 0 when none
//       failed, 1 otherwise.
// TARGET is IPv4:PORT or [IPv6]:PORT.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

volatile sig_atomic_t stop_requested = 0;

void RequestStop(int) {
  stop_requested = 1;
}

struct Target {
  std::string text;
  std::string from;  // the network namespace to connect from; empty: the caller's
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
};

std::optional<Target> ParseTarget(const std::string& text) {
  Target target;
  target.text = text;
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (...) {
    return std::nullopt;
  }
  if (port <= 0 || port > 65535) return std::nullopt;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&target.addr);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) != 1) {
      return std::nullopt;
    }
    target.addr_len = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&target.addr);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) return std::nullopt;
    target.addr_len = sizeof(sockaddr_in);
  }
  return target;
}

struct Result {
  bool ok = false;
  std::string detail;  // the answer, or why there is none
  long long ms = 0;    // from the start of the round to the answer (or the failure)
};

// One request in flight: connect, send the request, read the answer until the server closes.
struct Request {
  int fd = -1;
  bool sent = false;
  bool done = false;
  std::string received;
  Result result;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  void Finish(bool ok, std::string detail) {
    if (fd >= 0) close(fd);
    fd = -1;
    done = true;
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    result = {ok, std::move(detail), took.count()};
  }
};

// The echo server's answer is its pod name on the last line of the body.
std::string AnswerOf(const std::string& response) {
  const size_t body = response.find("\r\n\r\n");
  std::string text = body == std::string::npos ? response : response.substr(body + 4);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

std::vector<Result> Round(const std::vector<Target>& targets, std::chrono::milliseconds timeout) {
  static const std::string kRequest = "GET / HTTP/1.0\r\nHost: probe\r\n\r\n";
  std::vector<Request> requests(targets.size());
  // A socket stays in the namespace it was made in: enter each source's namespace to make its
  // sockets, then come back.
  const int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  std::string current;
  for (size_t i = 0; i < targets.size(); ++i) {
    Request& request = requests[i];
    if (targets[i].from != current) {
      const std::string path = targets[i].from.empty() ? "" : "/run/netns/" + targets[i].from;
      const int ns = path.empty() ? dup(home) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
        request.Finish(false, "netns " + targets[i].from + ": " + std::strerror(errno));
        if (ns >= 0) close(ns);
        continue;
      }
      close(ns);
      current = targets[i].from;
    }
    request.fd = socket(targets[i].addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (request.fd < 0) {
      request.Finish(false, std::string("socket: ") + std::strerror(errno));
      continue;
    }
    if (connect(request.fd, reinterpret_cast<const sockaddr*>(&targets[i].addr),
                targets[i].addr_len) != 0 &&
        errno != EINPROGRESS) {
      request.Finish(false, std::string("connect: ") + std::strerror(errno));
    }
  }
  if (!current.empty()) setns(home, CLONE_NEWNET);
  if (home >= 0) close(home);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::vector<pollfd> polls;
    std::vector<size_t> index;
    for (size_t i = 0; i < requests.size(); ++i) {
      if (requests[i].done) continue;
      polls.push_back({requests[i].fd, static_cast<short>(requests[i].sent ? POLLIN : POLLOUT), 0});
      index.push_back(i);
    }
    if (polls.empty()) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (poll(polls.data(), polls.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) {
      break;
    }
    for (size_t k = 0; k < polls.size(); ++k) {
      Request& request = requests[index[k]];
      if (polls[k].revents == 0) continue;
      if (!request.sent) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(request.fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
          request.Finish(false, std::string("connect: ") + std::strerror(error));
        } else if (write(request.fd, kRequest.data(), kRequest.size()) !=
                   static_cast<ssize_t>(kRequest.size())) {
          request.Finish(false, std::string("send: ") + std::strerror(errno));
        } else {
          request.sent = true;
        }
        continue;
      }
      char buffer[4096];
      const ssize_t n = read(request.fd, buffer, sizeof buffer);
      if (n > 0) {
        request.received.append(buffer, static_cast<size_t>(n));
      } else if (n == 0) {
        const std::string answer = AnswerOf(request.received);
        if (answer.empty()) {
          request.Finish(false, "empty answer");
        } else {
          request.Finish(true, answer);
        }
      } else if (errno != EAGAIN && errno != EINTR) {
        request.Finish(false, std::string("read: ") + std::strerror(errno));
      }
    }
  }
  std::vector<Result> results;
  for (Request& request : requests) {
    if (!request.done)
      request.Finish(false, request.sent ? "timeout reading" : "timeout connecting");
    results.push_back(request.result);
  }
  return results;
}

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Usage() {
  std::fprintf(stderr,
               "usage: kr-sandbox-probe [--loop] [--interval-ms N] [--timeout-ms N] "
               "IP:PORT|[IP6]:PORT...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool loop = false;
  int interval_ms = 100, timeout_ms = 1000;
  std::vector<Target> targets;
  std::string from;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--from" && i + 1 < argc) {
      from = argv[++i];
    } else if (arg == "--loop") {
      loop = true;
    } else if (arg == "--interval-ms" && i + 1 < argc) {
      interval_ms = std::atoi(argv[++i]);
    } else if (arg == "--timeout-ms" && i + 1 < argc) {
      timeout_ms = std::atoi(argv[++i]);
    } else if (auto target = ParseTarget(arg)) {
      target->from = from;
      targets.push_back(*target);
    } else {
      std::fprintf(stderr, "kr-sandbox-probe: bad target %s\n", arg.c_str());
      return Usage();
    }
  }
  if (targets.empty() || timeout_ms <= 0 || interval_ms < 0) return Usage();
  signal(SIGPIPE, SIG_IGN);
  const std::chrono::milliseconds timeout(timeout_ms);

  if (!loop) {
    const std::vector<Result> results = Round(targets, timeout);
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!targets[i].from.empty()) std::printf("%s ", targets[i].from.c_str());
      std::printf("%s %s\n", targets[i].text.c_str(),
                  results[i].ok ? results[i].detail.c_str() : "-");
    }
    return 0;
  }

  struct sigaction action {};
  action.sa_handler = RequestStop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  long long total = 0, failed = 0, slowest = 0;
  while (!stop_requested) {
    const std::vector<Result> results = Round(targets, timeout);
    const long long now = NowMs();
    for (size_t i = 0; i < targets.size(); ++i) {
      ++total;
      if (!results[i].ok) ++failed;
      slowest = std::max(slowest, results[i].ms);
      std::printf("%lld %s %s %s %lld\n", now, targets[i].text.c_str(),
                  results[i].ok ? "ok" : "FAILED", results[i].detail.c_str(), results[i].ms);
    }
    std::fflush(stdout);
    // Pacing between rounds, not synchronization: the loop only has to keep traffic flowing.
    if (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  std::printf("total %lld failed %lld slowest %lld\n", total, failed, slowest);
  return failed == 0 ? 0 : 1;
}
