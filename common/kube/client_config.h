// Choosing where the apiserver is, from the flags every daemon shares, in the order kube-router
// (client-go's BuildConfigFromFlags) uses, plus kubectl's KUBECONFIG variable:
//   1. --kubeconfig (a path, or a KUBECONFIG-style list), else $KUBECONFIG, loaded with
//      --context or its current-context; --master then replaces the server address;
//   2. only --master: that address, no credentials;
//   3. neither: in-cluster, from the service account and KUBERNETES_SERVICE_HOST/PORT.
//
// Start-up code: failures throw std::runtime_error with the reason.
#pragma once

#include <map>
#include <string>

#include "common/kube/rest_config.h"

namespace kr::kube {

struct ConnectionFlags {
  std::string kubeconfig;  // --kubeconfig
  std::string master;      // --master
  std::string context;     // --context
};

// Environment and files read by the in-cluster path, overridable for tests.
struct InClusterSource {
  std::string service_host;  // KUBERNETES_SERVICE_HOST
  std::string service_port;  // KUBERNETES_SERVICE_PORT
  std::string account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

  static InClusterSource FromEnvironment();
};

RestConfig InClusterConfig(const InClusterSource& source);

RestConfig ResolveRestConfig(const ConnectionFlags& flags, const std::string& kubeconfig_env,
                             const InClusterSource& in_cluster);

}  // namespace kr::kube
