#include "common/kube/client_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/kube/kubeconfig.h"

namespace kr::kube {
namespace {

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("in-cluster config: cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

InClusterSource InClusterSource::FromEnvironment() {
  InClusterSource source;
  source.service_host = EnvOrEmpty("KUBERNETES_SERVICE_HOST");
  source.service_port = EnvOrEmpty("KUBERNETES_SERVICE_PORT");
  return source;
}

RestConfig InClusterConfig(const InClusterSource& source) {
  if (source.service_host.empty() || source.service_port.empty()) {
    throw std::runtime_error(
        "no --kubeconfig or --master given and not in a cluster "
        "(KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)");
  }
  const std::filesystem::path dir(source.account_dir);
  RestConfig cfg;
  // An IPv6 service host needs brackets in a URL.
  const bool ipv6 = source.service_host.find(':') != std::string::npos;
  cfg.server = "https://" + (ipv6 ? "[" + source.service_host + "]" : source.service_host) + ":" +
               source.service_port;
  cfg.ca_pem = ReadWholeFile(dir / "ca.crt");
  // The token rotates (bound service-account tokens): keep the path, the client re-reads it.
  cfg.token_file = (dir / "token").string();
  ReadWholeFile(cfg.token_file);  // fail at start-up, not at the first request
  return cfg;
}

RestConfig ResolveRestConfig(const ConnectionFlags& flags, const std::string& kubeconfig_env,
                             const InClusterSource& in_cluster) {
  const std::string kubeconfig = flags.kubeconfig.empty() ? kubeconfig_env : flags.kubeconfig;
  if (!kubeconfig.empty()) {
    RestConfig cfg = LoadKubeconfig(SplitKubeconfigList(kubeconfig), flags.context);
    if (!flags.master.empty()) cfg.server = flags.master;
    return cfg;
  }
  if (!flags.master.empty()) {
    RestConfig cfg;
    cfg.server = flags.master;
    return cfg;
  }
  return InClusterConfig(in_cluster);
}

}  // namespace kr::kube
