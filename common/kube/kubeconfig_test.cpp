// Kubeconfig loading, connection precedence and in-cluster configuration, from files written
// into a temporary directory.
#include "common/kube/kubeconfig.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/kube/base64.h"
#include "common/kube/client_config.h"
#include "common/kube/server_url.h"
#include "common/kube/token_source.h"
#include "test/support/temp_dir.h"

namespace fs = std::filesystem;
using kr::test::TempDir;
using namespace kr::kube;

namespace {

const char* kTwoContexts = R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://192.0.2.10:6443
    certificate-authority-data: Q0EtUEVNCg==
- name: prod-cluster
  cluster:
    server: https://[2001:db8::1]:6443
    certificate-authority: certs/ca.pem
    tls-server-name: 2001:db8::1
users:
- name: dev-user
  user:
    token: dev-token
- name: prod-user
  user:
    client-certificate: certs/client.pem
    client-key-data: S0VZLVBFTQo=
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: kube-system}
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
)";

}  // namespace

TEST_CASE("base64 decodes kubeconfig data fields", "[kube]") {
  CHECK(DecodeBase64("aGVsbG8=") == std::optional<std::string>("hello"));
  CHECK(DecodeBase64("aGVs\nbG8h") == std::optional<std::string>("hello!"));
  CHECK(DecodeBase64("aGk=") == std::optional<std::string>("hi"));
  CHECK(DecodeBase64("") == std::optional<std::string>(""));
  CHECK_FALSE(DecodeBase64("abc").has_value());
  CHECK_FALSE(DecodeBase64("a*c=").has_value());
}

TEST_CASE("server addresses split into host, port and prefix", "[kube]") {
  auto v6 = ParseServerUrl("https://[2001:db8::1]:6443");
  REQUIRE(v6);
  CHECK(v6->tls);
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->port == 6443);
  auto plain = ParseServerUrl("http://127.0.0.1:8080/k8s/clusters/c1/");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls);
  CHECK(plain->base_path == "/k8s/clusters/c1");
  auto bare = ParseServerUrl("api.example.test");
  REQUIRE(bare);
  CHECK(bare->tls);
  CHECK(bare->port == 443);
  CHECK_FALSE(ParseServerUrl("ftp://host").has_value());
  CHECK_FALSE(ParseServerUrl("https://host:99999").has_value());
  CHECK_FALSE(ParseServerUrl("https://2001:db8::1:6443").has_value());
  CHECK_FALSE(ParseServerUrl("https://").has_value());
}

TEST_CASE("kubeconfig current-context, inline data and tokens", "[kube]") {
  TempDir dir;
  const auto file = dir.Write("config", kTwoContexts);
  RestConfig cfg = LoadKubeconfig({file}, "");
  CHECK(cfg.server == "https://192.0.2.10:6443");
  CHECK(cfg.ca_pem == "CA-PEM\n");
  CHECK(cfg.bearer_token == "dev-token");
  CHECK(cfg.client_cert_pem.empty());
}

TEST_CASE("kubeconfig --context and file paths relative to the kubeconfig", "[kube]") {
  TempDir dir;
  dir.Write("kube/certs/ca.pem", "FILE-CA");
  dir.Write("kube/certs/client.pem", "FILE-CERT");
  const auto file = dir.Write("kube/config", kTwoContexts);
  RestConfig cfg = LoadKubeconfig({file}, "prod");
  CHECK(cfg.server == "https://[2001:db8::1]:6443");
  CHECK(cfg.ca_pem == "FILE-CA");
  CHECK(cfg.tls_server_name == "2001:db8::1");
  CHECK(cfg.client_cert_pem == "FILE-CERT");
  CHECK(cfg.client_key_pem == "KEY-PEM\n");
  CHECK(cfg.bearer_token.empty());
}

TEST_CASE("kubeconfig lists merge with the first definition winning", "[kube]") {
  TempDir dir;
  const auto first = dir.Write("a", R"(
current-context: mine
clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
contexts: [{name: mine, context: {cluster: c, user: u}}]
)");
  const auto second = dir.Write("b", R"(
current-context: other
clusters: [{name: c, cluster: {server: "http://127.0.0.1:2"}}]
users: [{name: u, user: {tokenFile: tok}}]
)");
  RestConfig cfg = LoadKubeconfig(SplitKubeconfigList(first + ":" + second), "");
  CHECK(cfg.server == "http://127.0.0.1:1");
  CHECK(cfg.token_file == dir.File("tok"));
}

TEST_CASE("kubeconfig errors name what is wrong", "[kube]") {
  TempDir dir;
  auto load_error = [&](const std::string& text, const std::string& context = "") {
    const auto file = dir.Write("bad", text);
    try {
      LoadKubeconfig({file}, context);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(load_error("clusters: [}"), Catch::Contains("invalid YAML"));
  CHECK_THAT(load_error("clusters: []\n"), Catch::Contains("no current-context"));
  CHECK_THAT(load_error("current-context: x\n"), Catch::Contains("unknown context \"x\""));
  CHECK_THAT(load_error(R"(
current-context: x
contexts: [{name: x, context: {cluster: nowhere}}]
)"),
             Catch::Contains("unknown cluster \"nowhere\""));
  CHECK_THAT(load_error(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)"),
             Catch::Contains("not supported"));
  CHECK_THAT(load_error(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-certificate-data: QQ==}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)"),
             Catch::Contains("together"));
  CHECK_THAT(load_error(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority-data: "%%%"}}]
contexts: [{name: x, context: {cluster: c}}]
)"),
             Catch::Contains("base64"));
  CHECK_THAT(load_error(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority: missing.pem}}]
contexts: [{name: x, context: {cluster: c}}]
)"),
             Catch::Contains("cannot read"));
}

TEST_CASE("--kubeconfig, $KUBECONFIG, --master and in-cluster precedence", "[kube]") {
  TempDir dir;
  const auto file = dir.Write("config", kTwoContexts);
  InClusterSource in_cluster;  // no service host: in-cluster must not be chosen

  RestConfig from_flag = ResolveRestConfig({file, "", ""}, "/nonexistent", in_cluster);
  CHECK(from_flag.bearer_token == "dev-token");

  RestConfig from_env = ResolveRestConfig({"", "", "dev"}, file, in_cluster);
  CHECK(from_env.server == "https://192.0.2.10:6443");

  RestConfig master_override =
      ResolveRestConfig({file, "https://192.0.2.99:443", ""}, "", in_cluster);
  CHECK(master_override.server == "https://192.0.2.99:443");
  CHECK(master_override.bearer_token == "dev-token");

  RestConfig master_only = ResolveRestConfig({"", "http://127.0.0.1:8080", ""}, "", in_cluster);
  CHECK(master_only.server == "http://127.0.0.1:8080");
  CHECK(master_only.bearer_token.empty());

  CHECK_THROWS_WITH(ResolveRestConfig({}, "", in_cluster), Catch::Contains("KUBERNETES_SERVICE"));
}

TEST_CASE("in-cluster configuration from the service account", "[kube]") {
  TempDir dir;
  dir.Write("sa/ca.crt", "SA-CA");
  dir.Write("sa/token", "sa-token-1\n");
  InClusterSource source{"2001:db8::a", "443", dir.File("sa")};
  RestConfig cfg = ResolveRestConfig({}, "", source);
  CHECK(cfg.server == "https://[2001:db8::a]:443");
  CHECK(cfg.ca_pem == "SA-CA");
  CHECK(cfg.token_file == dir.File("sa/token"));

  fs::remove(dir.File("sa/token"));
  CHECK_THROWS_WITH(InClusterConfig(source), Catch::Contains("token"));
}

TEST_CASE("a token file is re-read after the refresh period", "[kube]") {
  TempDir dir;
  const auto token_file = dir.Write("token", "first\n");
  TokenSource cached("", token_file, std::chrono::hours(1));
  TokenSource fresh("", token_file, std::chrono::seconds(0));
  CHECK(*cached.Token() == "first");
  CHECK(*fresh.Token() == "first");
  dir.Write("token", "second");
  CHECK(*cached.Token() == "first");
  CHECK(*fresh.Token() == "second");
  // A rotation in progress (file briefly missing) keeps the last good token.
  fs::remove(token_file);
  CHECK(*fresh.Token() == "second");
  TokenSource missing("", dir.File("none"));
  CHECK_FALSE(missing.Token().ok());
  TokenSource inline_only("inline", "");
  CHECK(*inline_only.Token() == "inline");
}
