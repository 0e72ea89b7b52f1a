// The HTTPS transport against a local TLS server on loopback with certificates made for the
// test: verification against the configured CA, bearer tokens, client certificates, streaming.
#include "common/kube/rest_client.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace kr::kube;

namespace {

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A CA, a server certificate for 127.0.0.1, a client certificate, and an unrelated CA,
// made once per test run with the openssl command.
struct Certificates {
  fs::path dir;
  Certificates() {
    std::string pattern = (fs::temp_directory_path() / "kr-tls-test-XXXXXX").string();
    dir = mkdtemp(pattern.data());
    const std::string d = dir.string();
    const std::string script =
        "set -e; cd " + d +
        "; exec 2>openssl.log"
        "; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1"
        " -subj /CN=test-ca"
        "; openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 1"
        " -subj /CN=other-ca"
        "; openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
        " -subj /CN=apiserver"
        "; printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext"
        "; openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
        " -out server.crt -days 1 -extfile san.ext"
        "; openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr"
        " -subj /CN=kr-node"
        "; openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
        " -out client.crt -days 1";
    if (std::system(("bash -c '" + script + "'").c_str()) != 0) {
      FAIL("openssl could not make test certificates: " + Slurp(dir / "openssl.log"));
    }
  }
  ~Certificates() { fs::remove_all(dir); }
  std::string File(const char* name) const { return (dir / name).string(); }
  std::string Pem(const char* name) const { return Slurp(dir / name); }
};

const Certificates& Certs() {
  static Certificates certs;
  return certs;
}

// An httplib TLS server on 127.0.0.1 with an ephemeral port, stopped on destruction.
class TlsServer {
 public:
  explicit TlsServer(bool require_client_cert)
      : server_(Certs().File("server.crt").c_str(), Certs().File("server.key").c_str(),
                require_client_cert ? Certs().File("ca.crt").c_str() : nullptr) {
    server_.Get("/api/v1/nodes", [this](const httplib::Request& req, httplib::Response& res) {
      last_authorization_ = req.get_header_value("Authorization");
      last_accept_encoding_ = req.get_header_value("Accept-Encoding");
      if (token_required_ && last_authorization_ != "Bearer good-token") {
        res.status = 401;
        res.set_content(R"({"kind":"Status","code":401})", "application/json");
        return;
      }
      res.set_content(R"({"kind":"NodeList","items":[]})", "application/json");
    });
    server_.Get("/watch", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "application/json", [](size_t offset, httplib::DataSink& sink) {
            if (offset > 0) {
              sink.done();
              return true;
            }
            for (int i = 0; i < 3; ++i) {
              const std::string line = "{\"type\":\"ADDED\",\"n\":" + std::to_string(i) + "}\n";
              sink.write(line.data(), line.size());
            }
            return true;
          });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(server_.is_running());
  }
  ~TlsServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  void RequireToken() { token_required_ = true; }
  const std::string& last_authorization() const { return last_authorization_; }
  const std::string& last_accept_encoding() const { return last_accept_encoding_; }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  bool token_required_ = false;
  std::string last_authorization_;
  std::string last_accept_encoding_;
};

std::unique_ptr<RestClient> MakeClient(const RestConfig& config) {
  auto client = RestClient::Create(config);
  REQUIRE(client.ok());
  return std::move(*client);
}

}  // namespace

TEST_CASE("a server certificate from another CA is refused", "[kube][tls]") {
  TlsServer server(false);
  RestConfig config;
  config.server = server.Url();
  config.ca_pem = Certs().Pem("other.crt");
  auto response = MakeClient(config)->Get("/api/v1/nodes", std::chrono::seconds(10));
  REQUIRE_FALSE(response.ok());
  CHECK_THAT(response.error().message, Catch::Contains("SSL"));
}

TEST_CASE("the right CA and a bearer token are accepted", "[kube][tls]") {
  TlsServer server(false);
  server.RequireToken();
  RestConfig config;
  config.server = server.Url();
  config.ca_pem = Certs().Pem("ca.crt");

  auto anonymous = MakeClient(config)->Get("/api/v1/nodes", std::chrono::seconds(10));
  REQUIRE(anonymous.ok());
  CHECK(anonymous->status == 401);

  config.bearer_token = "good-token";
  auto response = MakeClient(config)->Get("/api/v1/nodes", std::chrono::seconds(10));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK_THAT(response->body, Catch::Contains("NodeList"));
  CHECK(server.last_authorization() == "Bearer good-token");
}

TEST_CASE("gzip is not asked of a loopback server", "[kube][tls]") {
  // Compressing ~100 MB of list pages on the same machine only burns both ends' CPU.
  TlsServer server(false);
  RestConfig config;
  config.server = server.Url();
  config.ca_pem = Certs().Pem("ca.crt");
  REQUIRE(config.compression);
  auto response = MakeClient(config)->Get("/api/v1/nodes", std::chrono::seconds(10));
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(server.last_accept_encoding().empty());
}

TEST_CASE("a client certificate authenticates", "[kube][tls]") {
  TlsServer server(true);
  RestConfig config;
  config.server = server.Url();
  config.ca_pem = Certs().Pem("ca.crt");

  auto without = MakeClient(config)->Get("/api/v1/nodes", std::chrono::seconds(10));
  CHECK_FALSE(without.ok());

  config.client_cert_pem = Certs().Pem("client.crt");
  config.client_key_pem = Certs().Pem("client.key");
  auto with = MakeClient(config)->Get("/api/v1/nodes", std::chrono::seconds(10));
  REQUIRE(with.ok());
  CHECK(with->status == 200);
}

TEST_CASE("bad TLS material fails at creation", "[kube][tls]") {
  RestConfig config;
  config.server = "https://127.0.0.1:1";
  config.ca_pem = "not a certificate";
  CHECK_FALSE(RestClient::Create(config).ok());
  config.ca_pem.clear();
  config.client_cert_pem = "garbage";
  config.client_key_pem = "garbage";
  CHECK_FALSE(RestClient::Create(config).ok());
  config = RestConfig{};
  config.server = "gopher://127.0.0.1";
  CHECK_FALSE(RestClient::Create(config).ok());
}

TEST_CASE("a streamed body arrives whole and can be cut short", "[kube][tls]") {
  TlsServer server(false);
  RestConfig config;
  config.server = server.Url();
  config.ca_pem = Certs().Pem("ca.crt");
  auto client = MakeClient(config);

  std::string received;
  auto status = client->Stream(
      "/watch",
      [&](std::string_view data) {
        received.append(data);
        return true;
      },
      std::chrono::seconds(10));
  REQUIRE(status.ok());
  CHECK(status->status == 200);
  CHECK(received ==
        "{\"type\":\"ADDED\",\"n\":0}\n{\"type\":\"ADDED\",\"n\":1}\n"
        "{\"type\":\"ADDED\",\"n\":2}\n");

  int calls = 0;
  auto cut = client->Stream(
      "/watch",
      [&](std::string_view) {
        ++calls;
        return false;
      },
      std::chrono::seconds(10));
  REQUIRE(cut.ok());
  CHECK(calls == 1);
}

TEST_CASE("a recycled body is filled afresh, with nothing left of the previous answer",
          "[kube][tls]") {
  TlsServer server(false);
  server.RequireToken();
  RestConfig config;
  config.server = server.Url();
  config.ca_pem = Certs().Pem("ca.crt");
  config.bearer_token = "good-token";
  auto client = MakeClient(config);
  auto first = client->Get("/api/v1/nodes", std::chrono::seconds(10));
  REQUIRE(first.ok());
  const std::string expected = first->body;
  // A longer, different buffer handed back: the next answer must be exactly the server's.
  std::string recycled(4096, 'x');
  client->Recycle(std::move(recycled));
  client->Recycle(std::move(first->body));
  for (int i = 0; i < 3; ++i) {
    auto again = client->Get("/api/v1/nodes", std::chrono::seconds(10));
    REQUIRE(again.ok());
    CHECK(again->status == 200);
    CHECK(again->body == expected);
    client->Recycle(std::move(again->body));
  }
}
