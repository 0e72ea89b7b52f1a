#include "common/kube/http_client.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>

namespace kr::kube {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

// Every certificate in a PEM bundle, in a new store (ownership passes to the TLS context).
Expected<X509_STORE*> StoreFromPem(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509_STORE* store = X509_STORE_new();
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++count;
  }
  if (count == 0) {
    X509_STORE_free(store);
    return Error{EINVAL, "certificate authority data holds no PEM certificate"};
  }
  return store;
}

Expected<std::unique_ptr<httplib::ClientImpl>> MakeTlsClient(const ServerUrl& url,
                                                             const RestConfig& config) {
  std::unique_ptr<httplib::SSLClient> client;
  if (!config.client_cert_pem.empty()) {
    BioPtr cert_bio = MemoryBio(config.client_cert_pem);
    BioPtr key_bio = MemoryBio(config.client_key_pem);
    X509* cert = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
    if (cert && key) client = std::make_unique<httplib::SSLClient>(url.host, url.port, cert, key);
    X509_free(cert);  // the TLS context holds its own references
    EVP_PKEY_free(key);
    if (!client) return Error{EINVAL, "client certificate or key is not valid PEM"};
  } else {
    client = std::make_unique<httplib::SSLClient>(url.host, url.port);
  }
  if (!client->is_valid()) return Error{EINVAL, "cannot set up TLS for " + url.host};
  if (!config.ca_pem.empty()) {
    auto store = StoreFromPem(config.ca_pem);
    if (!store) return store.error();
    client->set_ca_cert_store(*store);
  }
  client->enable_server_certificate_verification(!config.insecure_skip_tls_verify);
  return std::unique_ptr<httplib::ClientImpl>(std::move(client));
}

}  // namespace

Expected<std::unique_ptr<httplib::ClientImpl>> MakeHttpClient(const ServerUrl& url,
                                                              const RestConfig& config) {
  std::unique_ptr<httplib::ClientImpl> http;
  if (url.tls) {
    auto tls = MakeTlsClient(url, config);
    if (!tls) return tls.error();
    http = std::move(*tls);
  } else {
    http = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  http->set_keep_alive(true);
  http->set_connection_timeout(std::chrono::seconds(10));
  if (!config.username.empty()) http->set_basic_auth(config.username, config.password);
  return http;
}

}  // namespace kr::kube
