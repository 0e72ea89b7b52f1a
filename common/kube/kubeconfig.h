// Loading a kubeconfig file (the YAML that kubectl uses) into a RestConfig.
//
// Supported, as client-go reads them: clusters (server, certificate-authority[-data],
// insecure-skip-tls-verify, tls-server-name), users (token, tokenFile, client-certificate[-data],
// client-key[-data], username/password), contexts, current-context, and several files in
// one KUBECONFIG list (the first file to define a name or current-context wins). Relative file
// paths are resolved against the directory of the file that names them. Exec and auth-provider
// plugins are refused with a clear message rather than ignored.
//
// Start-up code: failures throw std::runtime_error naming the file and the field.
//
//   RestConfig cfg = LoadKubeconfig({"/root/.kube/config"}, /*context=*/"");
#pragma once

#include <string>
#include <vector>

#include "common/kube/rest_config.h"

namespace kr::kube {

RestConfig LoadKubeconfig(const std::vector<std::string>& paths, const std::string& context);

// Splits a KUBECONFIG-style list ("a:b:c"), dropping empty entries.
std::vector<std::string> SplitKubeconfigList(const std::string& list);

}  // namespace kr::kube
