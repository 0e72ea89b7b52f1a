// A kubeconfig (YAML) that points kubectl and client libraries at this server.
#pragma once

#include <string>

namespace kr::apiserver {

struct KubeconfigParams {
  std::string server_url;       // "https://127.0.0.1:6443"
  std::string ca_cert_pem;      // empty for plain HTTP
  std::string token;            // empty: the default user authenticates by client certificate
  std::string client_cert_pem;  // empty: no client-certificate user
  std::string client_key_pem;
};

// Contexts: "kr-apiserver" (token user, or the certificate user when there is no token) is
// current; "kr-apiserver-cert" uses the client certificate when one is given.
std::string RenderKubeconfig(const KubeconfigParams& params);

}  // namespace kr::apiserver
