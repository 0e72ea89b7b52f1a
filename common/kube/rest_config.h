// How to reach and authenticate to an apiserver, whatever the source (kubeconfig file,
// --master, in-cluster service account). Certificates and keys are held as PEM text so that
// "-data" fields and files end up in the same form.
#pragma once

#include <string>

namespace kr::kube {

struct RestConfig {
  std::string server;  // scheme://host[:port], e.g. https://192.0.2.1:6443

  // TLS. An empty ca_pem means the system trust store; verification stays on unless the
  // kubeconfig says insecure-skip-tls-verify.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;

  // Authentication, at most one scheme used: client certificate, bearer token (inline or
  // re-read from token_file), or basic auth.
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string bearer_token;
  std::string token_file;
  std::string username;
  std::string password;

  // Ask for gzip-compressed responses. Never done for a server on a loopback address, where
  // compressing ~100 MB of list pages costs both ends far more CPU than it saves in copying.
  bool compression = true;
};

}  // namespace kr::kube
