// Writes to the apiserver for the sandbox's controller and node agents: create, replace,
// merge-patch and delete, plus a plain get. Reads that must stay in step use
// common/kube Reflector; this is for the few writes a controller makes.
//
// HTTP status codes become errno values so callers can tell the usual cases apart:
//   404 NotFound -> ENOENT, 409 AlreadyExists/Conflict -> EEXIST, other answers -> EIO,
//   no answer at all -> ECONNREFUSED. The message carries the method, path and Status text.
//
// Threading: all methods may be called from any thread; requests are serialized on one
// keep-alive connection (the sandbox writes little).
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/base/expected.h"
#include "common/kube/rest_config.h"

namespace httplib {
class ClientImpl;
}

namespace kr::kube {
class TokenSource;
}

namespace kr::sandbox {

class ApiClient {
 public:
  // Plain HTTP, or HTTPS verified against the config's CA; bearer token or client
  // certificate as the config says. Bad TLS material is an error here, at start-up.
  static Expected<std::unique_ptr<ApiClient>> Create(const kube::RestConfig& config);
  ~ApiClient();

  Expected<nlohmann::json> Get(const std::string& path);
  // POST to a collection path ("/api/v1/namespaces/demo/pods"); returns the stored object.
  Expected<nlohmann::json> Post(const std::string& collection_path, const nlohmann::json& object);
  // PUT of a whole object (its metadata.resourceVersion guards against lost updates).
  Expected<nlohmann::json> Put(const std::string& path, const nlohmann::json& object);
  // application/merge-patch+json (RFC 7386); works on "/status" subresources too.
  Expected<nlohmann::json> MergePatch(const std::string& path, const nlohmann::json& patch);
  Status Delete(const std::string& path);

 private:
  ApiClient(std::unique_ptr<httplib::ClientImpl> http, std::string base_path,
            std::shared_ptr<kube::TokenSource> tokens);
  Expected<nlohmann::json> Send(const std::string& method, const std::string& path,
                                const std::string& body, const std::string& content_type);

  std::mutex mutex_;  // one request at a time on the connection
  std::unique_ptr<httplib::ClientImpl> http_;
  std::string base_path_;
  std::shared_ptr<kube::TokenSource> tokens_;
};

// What the sandbox's programs connect with: the apiserver's config resolved from --kubeconfig,
// --master, $KUBECONFIG and the in-cluster files as kubectl does, and a client for writes.
struct ApiConnection {
  kube::RestConfig rest;
  std::unique_ptr<ApiClient> client;
};
// An unreadable kubeconfig or bad TLS material is an error here, at start-up.
Expected<ApiConnection> ConnectToApi(const std::string& kubeconfig, const std::string& master);

// REST paths of the kinds the sandbox writes.
std::string CollectionPath(const std::string& kind, const std::string& ns);
std::string ObjectPath(const std::string& kind, const std::string& ns, const std::string& name);

}  // namespace kr::sandbox
