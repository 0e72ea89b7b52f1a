#include "tools/kr-sandbox/api_client.h"

#include <httplib.h>

#include <cstdlib>
#include <stdexcept>

#include "common/kube/client_config.h"
#include "common/kube/http_client.h"
#include "common/kube/server_url.h"
#include "common/kube/token_source.h"

namespace kr::sandbox {
namespace {

int ErrnoForStatus(int status) {
  if (status == 404) return ENOENT;
  if (status == 409) return EEXIST;
  return EIO;
}

}  // namespace

Expected<std::unique_ptr<ApiClient>> ApiClient::Create(const kube::RestConfig& config) {
  auto url = kube::ParseServerUrl(config.server);
  if (!url) return Error{EINVAL, "invalid apiserver address \"" + config.server + "\""};
  auto made = kube::MakeHttpClient(*url, config);
  if (!made) return made.error();
  std::unique_ptr<httplib::ClientImpl> http = std::move(*made);
  http->set_read_timeout(std::chrono::seconds(30));
  auto tokens = std::make_shared<kube::TokenSource>(config.bearer_token, config.token_file);
  return std::unique_ptr<ApiClient>(
      new ApiClient(std::move(http), url->base_path, std::move(tokens)));
}

Expected<ApiConnection> ConnectToApi(const std::string& kubeconfig, const std::string& master) {
  ApiConnection connection;
  try {
    const char* env = std::getenv("KUBECONFIG");
    connection.rest = kube::ResolveRestConfig({kubeconfig, master, ""}, env ? env : "",
                                              kube::InClusterSource::FromEnvironment());
  } catch (const std::runtime_error& e) {
    return Error{EINVAL, e.what()};
  }
  auto client = ApiClient::Create(connection.rest);
  if (!client) return client.error();
  connection.client = std::move(*client);
  return connection;
}

ApiClient::ApiClient(std::unique_ptr<httplib::ClientImpl> http, std::string base_path,
                     std::shared_ptr<kube::TokenSource> tokens)
    : http_(std::move(http)), base_path_(std::move(base_path)), tokens_(std::move(tokens)) {}

ApiClient::~ApiClient() = default;

Expected<nlohmann::json> ApiClient::Send(const std::string& method, const std::string& path,
                                         const std::string& body, const std::string& content_type) {
  auto token = tokens_->Token();
  if (!token) return token.error();
  httplib::Headers headers{{"Accept", "application/json"},
                           {"User-Agent", "kr-sandbox/" KR_VERSION}};
  if (!token->empty()) headers.emplace("Authorization", "Bearer " + *token);

  std::lock_guard lock(mutex_);
  const std::string full = base_path_ + path;
  httplib::Result result = [&] {
    if (method == "GET") return http_->Get(full.c_str(), headers);
    if (method == "POST") return http_->Post(full.c_str(), headers, body, content_type.c_str());
    if (method == "PUT") return http_->Put(full.c_str(), headers, body, content_type.c_str());
    if (method == "PATCH") return http_->Patch(full.c_str(), headers, body, content_type.c_str());
    return http_->Delete(full.c_str(), headers);
  }();
  const std::string what = method + " " + path;
  if (!result) return Error{ECONNREFUSED, what + ": " + httplib::to_string(result.error())};
  if (result->status < 200 || result->status > 299) {
    std::string reason = result->body;
    auto status = nlohmann::json::parse(result->body, nullptr, false);
    if (!status.is_discarded() && status.is_object() && status.contains("message"))
      reason = status["message"].get<std::string>();
    return Error{ErrnoForStatus(result->status),
                 what + ": HTTP " + std::to_string(result->status) + " " + reason};
  }
  auto parsed = nlohmann::json::parse(result->body, nullptr, false);
  if (parsed.is_discarded()) return Error{EBADMSG, what + ": answer is not JSON"};
  return parsed;
}

Expected<nlohmann::json> ApiClient::Get(const std::string& path) {
  return Send("GET", path, "", "");
}

Expected<nlohmann::json> ApiClient::Post(const std::string& collection_path,
                                         const nlohmann::json& object) {
  return Send("POST", collection_path, object.dump(), "application/json");
}

Expected<nlohmann::json> ApiClient::Put(const std::string& path, const nlohmann::json& object) {
  return Send("PUT", path, object.dump(), "application/json");
}

Expected<nlohmann::json> ApiClient::MergePatch(const std::string& path,
                                               const nlohmann::json& patch) {
  return Send("PATCH", path, patch.dump(), "application/merge-patch+json");
}

Status ApiClient::Delete(const std::string& path) {
  auto result = Send("DELETE", path, "", "");
  if (!result) return result.error();
  return Status::Ok();
}

std::string CollectionPath(const std::string& kind, const std::string& ns) {
  std::string prefix = "/api/v1";
  std::string plural;
  if (kind == "Node") return "/api/v1/nodes";
  if (kind == "Pod") plural = "pods";
  if (kind == "Service") plural = "services";
  if (kind == "Deployment") prefix = "/apis/apps/v1", plural = "deployments";
  if (kind == "EndpointSlice") prefix = "/apis/discovery.k8s.io/v1", plural = "endpointslices";
  return prefix + "/namespaces/" + ns + "/" + plural;
}

std::string ObjectPath(const std::string& kind, const std::string& ns, const std::string& name) {
  return CollectionPath(kind, ns) + "/" + name;
}

}  // namespace kr::sandbox
