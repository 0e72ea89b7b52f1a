// kr-sandbox: the sandbox's command line for people.
//
//   kr-sandbox exec [-n NAMESPACE] [--netns-prefix P] POD -- COMMAND [ARGS...]
//       runs COMMAND in the pod's network namespace (as `kubectl exec` would run it in the
//       pod's container); the exit status is the command's.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/kr-sandbox/pod_runtime.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: kr-sandbox exec [-n NAMESPACE] [--netns-prefix P] POD -- COMMAND "
               "[ARGS...]\n");
  return 2;
}

int Exec(int argc, char** argv) {
  std::string ns = "default", prefix = "krsb-", pod;
  int i = 0;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if ((arg == "-n" || arg == "--namespace") && i + 1 < argc) {
      ns = argv[++i];
    } else if (arg.rfind("--namespace=", 0) == 0) {
      ns = arg.substr(12);
    } else if (arg == "--netns-prefix" && i + 1 < argc) {
      prefix = argv[++i];
    } else if (arg.rfind("--netns-prefix=", 0) == 0) {
      prefix = arg.substr(15);
    } else if (pod.empty() && arg[0] != '-') {
      pod = arg;
    } else {
      return Usage();
    }
  }
  if (pod.empty() || i >= argc) return Usage();
  const std::string netns = kr::sandbox::PodNetnsName(prefix, ns, pod);
  if (access(("/run/netns/" + netns).c_str(), F_OK) != 0) {
    std::fprintf(stderr, "kr-sandbox: pod %s/%s is not running on this host (no netns %s)\n",
                 ns.c_str(), pod.c_str(), netns.c_str());
    return 1;
  }
  std::vector<char*> args = {const_cast<char*>("ip"), const_cast<char*>("netns"),
                             const_cast<char*>("exec"), const_cast<char*>(netns.c_str())};
  for (; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execvp("ip", args.data());
  std::fprintf(stderr, "kr-sandbox: ip: %s\n", std::strerror(errno));
  return 127;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "exec") == 0) return Exec(argc - 2, argv + 2);
  return Usage();
}
