// RAII network namespaces and veth pairs for privileged tests (root; link
// catch2_privileged_dep so the test reports "skipped" elsewhere).
//
//   kr::test::NetNs client("client"), server("server");     // "krt-<pid>-<n>-client", lo up
//   kr::test::VethPair link(client, "eth0", server, "eth0");  // both ends up
//   client.AddAddress("eth0", "198.51.100.1/24");
//   server.AddAddress("eth0", "198.51.100.2/24");
//   server.ExecOrThrow({"ip", "route", "add", "203.0.113.0/24", "dev", "eth0"});
//   kr::test::UniqueFd fd = server.Run([] {                   // a socket living in `server`
//     return kr::test::UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
//   });
//
// Everything is removed in the destructors, also when a test fails by throwing: deleting a
// namespace destroys the interfaces inside it once nothing refers to it any more, so close
// sockets made inside it (UniqueFd) before or with it. Names carry the pid, so test binaries
// may run in parallel. Errors while setting up throw std::runtime_error with the command's
// output (test code only: Catch2 reports it as the failure). Shelling out to `ip` keeps this
// independent of the netlink code under test.
#pragma once

#include <future>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace kr::test {

struct CommandResult {
  int exit_status = -1;  // -1 when it did not exit normally
  std::string output;    // stdout and stderr, interleaved
  bool ok() const { return exit_status == 0; }
};

// Runs argv[0] (looked up in PATH, no shell) with stdin from /dev/null. Thread-safe.
CommandResult RunCommand(const std::vector<std::string>& argv);
// As RunCommand; throws std::runtime_error naming the command and its output unless it
// exits with status 0. Returns the output.
std::string RunCommandOrThrow(const std::vector<std::string>& argv);

// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

class NetNs {
 public:
  // Creates "krt-<pid>-<counter>-<tag>" and brings its loopback up.
  explicit NetNs(std::string_view tag = "ns");
  ~NetNs();  // `ip netns delete`; a failure is printed, never thrown
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  const std::string& name() const { return name_; }

  // `ip netns exec <name> argv...` (which also mounts this namespace's /sys for the command).
  CommandResult Exec(const std::vector<std::string>& argv) const;
  std::string ExecOrThrow(const std::vector<std::string>& argv) const;

  void LinkUp(std::string_view ifname) const;
  // "198.51.100.1/24" or "2001:db8::1/64"; IPv6 addresses skip duplicate address detection
  // so they are usable at once.
  void AddAddress(std::string_view ifname, std::string_view cidr) const;

  // Calls fn() on a fresh thread that has entered this namespace and returns its result (or
  // rethrows its exception). Sockets made inside stay in this namespace wherever they are
  // used afterwards. The thread's mount namespace is the caller's: use Exec for anything
  // that reads /sys.
  template <typename F>
  std::invoke_result_t<F&> Run(F&& fn) const;

  // Whether /run/netns/<name> exists.
  static bool Exists(std::string_view name);

 private:
  std::string name_;
};

// A veth pair with one end in each namespace (created there directly, so the names only
// need to be unique inside their namespace), both ends up.
class VethPair {
 public:
  VethPair(const NetNs& a, std::string name_a, const NetNs& b, std::string name_b);
  ~VethPair();  // deleting one end deletes both; gone already if a namespace was deleted
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

 private:
  std::string netns_a_;
  std::string name_a_;
};

// Moves the calling thread into the named namespace. Throws std::system_error.
void EnterNetNs(const std::string& name);

template <typename F>
std::invoke_result_t<F&> NetNs::Run(F&& fn) const {
  using Result = std::invoke_result_t<F&>;
  std::promise<Result> result;
  // A thread of its own: a thread that changed namespace must not go back to other work.
  std::thread thread([&] {
    try {
      EnterNetNs(name_);
      if constexpr (std::is_void_v<Result>) {
        fn();
        result.set_value();
      } else {
        result.set_value(fn());
      }
    } catch (...) {
      result.set_exception(std::current_exception());
    }
  });
  thread.join();
  return result.get_future().get();
}

}  // namespace kr::test
