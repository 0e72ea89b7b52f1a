// What a sandbox pod is on its node: a network namespace wired by the CNI plugins of the
// node's network config, with a kr-sandbox-echo process inside as its "container" (HTTP on
// the pod's TCP container ports, UDP echo on its UDP ports; 8080 of both when it declares
// none). The namespace is /run/netns/<prefix><namespace>_<name> (see PodNetnsName), which is
// how `kr-sandbox exec` finds it.
//
// Threading: a PodRuntime is used by the node agent's loop thread only.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "tools/kr-sandbox/cni_invoker.h"
#include "tools/kr-sandbox/process.h"

namespace kr::sandbox {

using Json = nlohmann::json;

std::string PodNetnsName(const std::string& prefix, const std::string& ns, const std::string& name);

struct EchoPorts {
  std::vector<int> tcp;
  std::vector<int> udp;
};
// The ports the pod's containers declare (SCTP ones are not served), or 8080/TCP+UDP.
EchoPorts EchoPortsOf(const Json& pod);

struct RunningPod {
  std::string key;  // namespace/name
  std::string uid;
  std::string netns;
  Json network;     // the CNI config it was added with (DEL must use the same)
  Json cni_result;  // the ADD result
  std::vector<std::string> ips;
  std::string started_at;  // RFC 3339
  ChildProcess echo;
};

struct PodRuntimeOptions {
  std::string netns_prefix = "krsb-";
  std::string echo_binary;  // kr-sandbox-echo
  std::chrono::milliseconds echo_start_timeout{30'000};
};

class PodRuntime {
 public:
  PodRuntime(const CniInvoker& cni, PodRuntimeOptions options);

  // Namespace, CNI ADD, echo server; undoes what it did when a step fails.
  Expected<std::unique_ptr<RunningPod>> Start(const Json& pod, const Json& network);
  // Echo server, CNI DEL, namespace; goes on after a failed step and returns the first error.
  Status Stop(RunningPod& pod);

 private:
  const CniInvoker& cni_;
  const PodRuntimeOptions options_;
};

}  // namespace kr::sandbox
