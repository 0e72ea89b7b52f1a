#include "tools/kr-apiserver/certificates.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "tools/kr-apiserver/atomic_file.h"

namespace kr::apiserver {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

Error OpenSslError(const std::string& what) {
  return Error{EIO, "openssl: " + what + " failed"};
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return BioText(bio.get());
}

std::string KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return BioText(bio.get());
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

struct CertSpec {
  std::string common_name;
  std::string organization;  // empty: none
  bool is_ca = false;
  const char* extended_usage = nullptr;  // "serverAuth" / "clientAuth"
  const char* subject_alt_names = nullptr;
};

Expected<X509Ptr> MakeCert(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                           EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!spec.organization.empty()) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.organization.c_str()),
                               -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (spec.is_ca) {
    ok = ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && AddExtension(cert.get(), signer, NID_key_usage,
                            "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    ok = ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && AddExtension(cert.get(), signer, NID_key_usage,
                            "critical,digitalSignature,keyEncipherment");
  }
  ok = ok && AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer)
    ok = ok && AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (spec.extended_usage)
    ok = ok && AddExtension(cert.get(), signer, NID_ext_key_usage, spec.extended_usage);
  if (spec.subject_alt_names) {
    ok = ok && AddExtension(cert.get(), signer, NID_subject_alt_name, spec.subject_alt_names);
  }
  if (!ok) return OpenSslError("adding certificate extensions");
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return OpenSslError("X509_sign");
  return cert;
}

Expected<PkeyPtr> MakeKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("EVP_EC_gen");
  return key;
}

}  // namespace

Expected<CertificateSet> GenerateCertificates() {
  auto ca_key = MakeKey();
  auto server_key = MakeKey();
  auto client_key = MakeKey();
  if (!ca_key) return ca_key.error();
  if (!server_key) return server_key.error();
  if (!client_key) return client_key.error();
  auto ca = MakeCert({"kr-apiserver-ca", "", true, nullptr, nullptr}, ca_key->get(), nullptr,
                     ca_key->get());
  if (!ca) return ca.error();
  auto server = MakeCert({"kr-apiserver", "", false, "serverAuth",
                          "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes,"
                          "DNS:kubernetes.default,DNS:kubernetes.default.svc"},
                         server_key->get(), ca->get(), ca_key->get());
  if (!server) return server.error();
  auto client = MakeCert({"admin", "system:masters", false, "clientAuth", nullptr},
                         client_key->get(), ca->get(), ca_key->get());
  if (!client) return client.error();
  return CertificateSet{CertPem(ca->get()), CertPem(server->get()), KeyPem(server_key->get()),
                        CertPem(client->get()), KeyPem(client_key->get())};
}

Status WriteCertificates(const CertificateSet& certs, const std::string& dir) {
  const std::pair<const char*, const std::string*> files[] = {
      {"ca.crt", &certs.ca_cert},        {"server.crt", &certs.server_cert},
      {"server.key", &certs.server_key}, {"client.crt", &certs.client_cert},
      {"client.key", &certs.client_key},
  };
  for (const auto& [name, data] : files) {
    bool is_key = std::string(name).find(".key") != std::string::npos;
    Status written = WriteFileAtomically(dir + "/" + name, *data, is_key ? 0600 : 0644);
    if (!written) return written;
  }
  return Status::Ok();
}

std::string Base64(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool ConfigureServerTls(SSL_CTX& ctx, const std::string& cert_pem, const std::string& key_pem,
                        const std::string& client_ca_pem) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  bool ok = cert && key && SSL_CTX_use_certificate(&ctx, cert) == 1 &&
            SSL_CTX_use_PrivateKey(&ctx, key) == 1 && SSL_CTX_check_private_key(&ctx) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) return false;
  if (!client_ca_pem.empty()) {
    BIO* ca_bio = BIO_new_mem_buf(client_ca_pem.data(), static_cast<int>(client_ca_pem.size()));
    X509* ca = PEM_read_bio_X509(ca_bio, nullptr, nullptr, nullptr);
    BIO_free(ca_bio);
    if (!ca) return false;
    X509_STORE_add_cert(SSL_CTX_get_cert_store(&ctx), ca);
    SSL_CTX_add_client_CA(&ctx, ca);
    X509_free(ca);
    // Optional: a client without a certificate may still authenticate with the token.
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
  }
  return true;
}

}  // namespace kr::apiserver
