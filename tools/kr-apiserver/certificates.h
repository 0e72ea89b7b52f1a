// Certificates for HTTPS: a self-signed CA that signs a server certificate (SAN 127.0.0.1,
// ::1, localhost) and a client certificate (CN admin, O system:masters) for client-cert
// authentication. Keys are ECDSA P-256. Everything is PEM text.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "common/base/expected.h"

namespace kr::apiserver {

struct CertificateSet {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
};

Expected<CertificateSet> GenerateCertificates();

// Writes ca.crt, server.crt, server.key, client.crt, client.key (keys mode 0600) into `dir`.
Status WriteCertificates(const CertificateSet& certs, const std::string& dir);

std::string Base64(const std::string& data);

// Loads the server certificate and key (PEM) into `ctx`. A non-empty client CA makes client
// certificates optional but verified (a client without one may still use a token).
bool ConfigureServerTls(SSL_CTX& ctx, const std::string& cert_pem, const std::string& key_pem,
                        const std::string& client_ca_pem);

}  // namespace kr::apiserver
