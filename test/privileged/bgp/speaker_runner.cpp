// Our speaker as a process of its own, for tests that must kill it abruptly (graceful
// restart). Runs until SIGTERM or SIGINT; prints "ready" once the speaker is created.
//
//   bgp_speaker_runner --as 65001 --router-id 192.0.2.1 --listen 192.0.2.1 --port 10179
//       --peer 192.0.2.2:65002 --originate 198.51.100.0/24 [--restarted] [--gr-time 60]
//       [--hold-time 9]
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "services/routed/bgp/speaker.h"

namespace {

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "bgp_speaker_runner: %s\n", why.c_str());
  std::exit(2);
}

kr::bgp::IpAddress Address(const std::string& text) {
  auto a = kr::bgp::IpAddress::Parse(text);
  if (!a) Usage("bad address " + text);
  return *a;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kr::bgp;
  SpeakerConfig config;
  config.connect_retry_seconds = 1;
  config.hold_time = 9;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--restarted") {
      config.restarted = true;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value for " + std::string(flag));
    const std::string value = argv[++i];
    if (flag == "--as") {
      config.local_as = static_cast<uint32_t>(std::stoul(value));
    } else if (flag == "--router-id") {
      config.router_id = Address(value).v4();
    } else if (flag == "--listen") {
      config.listen_address = Address(value);
    } else if (flag == "--port") {
      config.port = static_cast<uint16_t>(std::stoul(value));
    } else if (flag == "--hold-time") {
      config.hold_time = static_cast<uint16_t>(std::stoul(value));
    } else if (flag == "--gr-time") {
      config.graceful_restart_time = static_cast<uint16_t>(std::stoul(value));
    } else if (flag == "--peer") {
      const size_t colon = value.rfind(':');
      if (colon == std::string::npos) Usage("--peer wants address:as");
      PeerConfig peer;
      peer.address = Address(value.substr(0, colon));
      peer.peer_as = static_cast<uint32_t>(std::stoul(value.substr(colon + 1)));
      peer.port = config.port;
      config.peers.push_back(peer);
    } else if (flag == "--originate") {
      auto prefix = IpPrefix::Parse(value);
      if (!prefix) Usage("bad prefix " + value);
      config.originate.push_back(*prefix);
    } else {
      Usage("unknown flag " + std::string(flag));
    }
  }
  // Blocked before the io thread exists, so only sigwait() sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto speaker = Speaker::Create(config);
  if (!speaker) {
    std::fprintf(stderr, "bgp_speaker_runner: %s\n", speaker.error().message.c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  return 0;
}
