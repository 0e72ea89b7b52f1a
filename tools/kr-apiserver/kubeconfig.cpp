#include "tools/kr-apiserver/kubeconfig.h"

#include "tools/kr-apiserver/certificates.h"

namespace kr::apiserver {

std::string RenderKubeconfig(const KubeconfigParams& params) {
  const bool has_cert = !params.client_cert_pem.empty();
  std::string out =
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: kr-apiserver\n"
      "  cluster:\n"
      "    server: " +
      params.server_url + "\n";
  if (!params.ca_cert_pem.empty()) {
    out += "    certificate-authority-data: " + Base64(params.ca_cert_pem) + "\n";
  }
  std::string default_user = params.token.empty() && has_cert ? "kr-admin-cert" : "kr-admin";
  out +=
      "contexts:\n"
      "- name: kr-apiserver\n"
      "  context:\n"
      "    cluster: kr-apiserver\n"
      "    user: " +
      default_user +
      "\n"
      "    namespace: default\n";
  if (has_cert) {
    out +=
        "- name: kr-apiserver-cert\n"
        "  context:\n"
        "    cluster: kr-apiserver\n"
        "    user: kr-admin-cert\n"
        "    namespace: default\n";
  }
  out += "current-context: kr-apiserver\nusers:\n";
  out += "- name: kr-admin\n  user:\n";
  out += params.token.empty() ? "    {}\n" : "    token: " + params.token + "\n";
  if (has_cert) {
    out +=
        "- name: kr-admin-cert\n"
        "  user:\n"
        "    client-certificate-data: " +
        Base64(params.client_cert_pem) +
        "\n"
        "    client-key-data: " +
        Base64(params.client_key_pem) + "\n";
  }
  return out;
}

}  // namespace kr::apiserver
