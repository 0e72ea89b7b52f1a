#include "tools/kr-sandbox/pod_runtime.h"

#include <unistd.h>

#include <ctime>

#include "common/log/log.h"

namespace kr::sandbox {
namespace {

constexpr std::chrono::milliseconds kIpTimeout{30'000};

std::string Str(const Json& object, const char* pointer) {
  return object.value(Json::json_pointer(pointer), std::string());
}

std::string Join(const std::vector<int>& ports) {
  std::string out;
  for (int port : ports) out += (out.empty() ? "" : ",") + std::to_string(port);
  return out;
}

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Status RunIp(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = RunProcess(argv, {}, "", kIpTimeout);
  if (!run) return run.error();
  if (run->exit_status != 0) {
    std::string command;
    for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
    return Error{EIO, command + ": " + run->err};
  }
  return Status::Ok();
}

CniRuntimeConf RuntimeConf(const RunningPod& pod) {
  const auto slash = pod.key.find('/');
  return CniRuntimeConf{pod.uid, "/run/netns/" + pod.netns, "eth0",
                        "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + pod.key.substr(0, slash) +
                            ";K8S_POD_NAME=" + pod.key.substr(slash + 1)};
}

}  // namespace

std::string PodNetnsName(const std::string& prefix, const std::string& ns,
                         const std::string& name) {
  return prefix + ns + "_" + name;
}

EchoPorts EchoPortsOf(const Json& pod) {
  EchoPorts ports;
  bool declared = false;
  for (const Json& container : pod.value("/spec/containers"_json_pointer, Json::array())) {
    for (const Json& port : container.value("ports", Json::array())) {
      const int number = port.value("containerPort", 0);
      if (number <= 0 || number > 65535) continue;
      declared = true;
      const std::string protocol = port.value("protocol", "TCP");
      if (protocol == "TCP") ports.tcp.push_back(number);
      if (protocol == "UDP") ports.udp.push_back(number);
    }
  }
  if (!declared) ports = {{8080}, {8080}};
  return ports;
}

PodRuntime::PodRuntime(const CniInvoker& cni, PodRuntimeOptions options)
    : cni_(cni), options_(std::move(options)) {}

Expected<std::unique_ptr<RunningPod>> PodRuntime::Start(const Json& pod, const Json& network) {
  auto running = std::make_unique<RunningPod>();
  const std::string ns = Str(pod, "/metadata/namespace");
  const std::string name = Str(pod, "/metadata/name");
  running->key = ns + "/" + name;
  running->uid = Str(pod, "/metadata/uid");
  running->netns = PodNetnsName(options_.netns_prefix, ns, name);
  running->network = network;

  // A namespace left by an earlier run of this agent (killed before it cleaned up) goes first.
  if (access(("/run/netns/" + running->netns).c_str(), F_OK) == 0) {
    (void)RunIp({"netns", "delete", running->netns});
  }
  if (Status made = RunIp({"netns", "add", running->netns}); !made.ok()) return made.error();
  if (Status up = RunIp({"-n", running->netns, "link", "set", "lo", "up"}); !up.ok()) {
    (void)RunIp({"netns", "delete", running->netns});
    return up.error();
  }
  auto added = cni_.Add(network, RuntimeConf(*running));
  if (!added) {
    (void)cni_.Del(network, RuntimeConf(*running), Json());
    (void)RunIp({"netns", "delete", running->netns});
    return added.error();
  }
  running->cni_result = std::move(*added);
  running->ips = CniInvoker::ResultAddresses(running->cni_result);

  const EchoPorts ports = EchoPortsOf(pod);
  std::vector<std::string> argv = {"ip",     "netns", "exec", running->netns, options_.echo_binary,
                                   "--name", name};
  if (!ports.tcp.empty()) argv.insert(argv.end(), {"--tcp", Join(ports.tcp)});
  if (!ports.udp.empty()) argv.insert(argv.end(), {"--udp", Join(ports.udp)});
  auto echo = ChildProcess::Start(argv);
  Expected<std::string> ready = Error{0, ""};
  if (echo) ready = echo->ReadLine(options_.echo_start_timeout);
  if (!echo || !ready || *ready != "ready") {
    Error error = !echo    ? echo.error()
                  : !ready ? ready.error()
                           : Error{EPROTO, "echo server said \"" + *ready + "\", not ready"};
    if (echo) echo->Stop();
    (void)Stop(*running);
    return Error{error.code, "echo server: " + error.message};
  }
  running->echo = std::move(*echo);
  running->started_at = NowRfc3339();
  return running;
}

Status PodRuntime::Stop(RunningPod& pod) {
  pod.echo.Stop();
  Status result = cni_.Del(pod.network, RuntimeConf(pod), pod.cni_result);
  if (!result.ok()) KR_LOG(WARNING) << pod.key << ": " << result.error().message;
  Status removed = RunIp({"netns", "delete", pod.netns});
  if (!removed.ok() && result.ok()) result = removed;
  return result;
}

}  // namespace kr::sandbox
