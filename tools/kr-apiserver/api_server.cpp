#include "tools/kr-apiserver/api_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tools/kr-apiserver/discovery.h"
#include "tools/kr-apiserver/logging.h"
#include "tools/kr-apiserver/openapi.h"
#include "tools/kr-apiserver/patch.h"
#include "tools/kr-apiserver/request_options.h"
#include "tools/kr-apiserver/table.h"
#include "tools/kr-apiserver/validation.h"

namespace kr::apiserver {

namespace {

using nlohmann::json;

void SendJson(httplib::Response& res, int code, const std::string& body) {
  res.status = code;
  res.set_content(body, "application/json");
}

void SendError(httplib::Response& res, const ApiError& error) {
  SendJson(res, error.code, error.ToStatus().dump());
}

void SendObject(httplib::Response& res, int code, const ResourceType& type,
                const ObjectPtr& object) {
  SendJson(res, code, WithTypeMeta(type, *object));
}

std::string MediaType(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  return media;
}

// Accepts a body as JSON; YAML and protobuf bodies are refused as kube-apiserver refuses
// media types it does not serve.
ApiResult<json> ParseBody(const httplib::Request& req) {
  std::string media = MediaType(req.get_header_value("Content-Type"));
  if (!media.empty() && media != "application/json" && media != "*/*") {
    return NotAcceptableOrUnsupported(
        415,
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json");
  }
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return BadRequest("couldn't get version/kind; json parse error: invalid JSON in request body");
  }
  if (!body.is_object()) {
    return BadRequest("couldn't get version/kind; json parse error: expected a JSON object");
  }
  return body;
}

// The checks the decoding layer makes before any storage code sees the object.
std::optional<ApiError> CheckTypeMeta(const ResourceType& type, const json& object) {
  std::string api_version = object.value("apiVersion", "");
  std::string kind = object.value("kind", "");
  if (!api_version.empty() && api_version != type.ApiVersion()) {
    return BadRequest("the API version in the data (" + api_version +
                      ") does not match the expected API version (" + type.ApiVersion() + ")");
  }
  if (!kind.empty() && kind != type.kind) {
    return BadRequest("the kind in the data (" + kind + ") does not match the expected kind (" +
                      type.kind + ")");
  }
  return std::nullopt;
}

std::string MetaField(const json& object, const char* field) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto it = meta->find(field);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<ApiError> CheckNamespace(const ApiPath& path, const json& object) {
  std::string ns = MetaField(object, "namespace");
  if (path.type->namespaced && !ns.empty() && ns != path.ns) {
    return BadRequest(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  return std::nullopt;
}

// A List body assembled from already-stored items without re-copying them.
std::string ListBody(const ResourceType& type, const ListResult& list) {
  json meta = {{"resourceVersion", std::to_string(list.rv)}};
  if (!list.continue_token.empty()) meta["continue"] = list.continue_token;
  if (list.remaining_items) meta["remainingItemCount"] = *list.remaining_items;
  std::string body = "{\"kind\":\"" + type.kind + "List\",\"apiVersion\":\"" + type.ApiVersion() +
                     "\",\"metadata\":" + meta.dump() + ",\"items\":[";
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) body += ',';
    body += list.items[i]->dump();
  }
  body += "]}";
  return body;
}

}  // namespace

ApiServer::ApiServer(Store& store, ApiServerConfig config)
    : store_(store), config_(std::move(config)) {}

bool ApiServer::Authenticated(const httplib::Request& req) const {
  if (!config_.require_auth) return true;
  if (!config_.token.empty() &&
      req.get_header_value("Authorization") == "Bearer " + config_.token) {
    return true;
  }
  if (config_.client_cert_auth && req.ssl != nullptr) {
    X509* peer = SSL_get_peer_certificate(const_cast<SSL*>(req.ssl));
    bool ok = peer != nullptr && SSL_get_verify_result(req.ssl) == X509_V_OK;
    if (peer) X509_free(peer);
    if (ok) return true;
  }
  return false;
}

void ApiServer::Install(httplib::Server& server) {
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/healthz" || req.path == "/livez" || req.path == "/readyz") {
      res.set_content("ok", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!Authenticated(req)) {
      SendError(res, Unauthorized());
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto route = [this](const httplib::Request& req, httplib::Response& res) { Route(req, res); };
  server.Get(".*", route);
  server.Post(".*", route);
  server.Put(".*", route);
  server.Patch(".*", route);
  server.Delete(".*", route);
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    LogVerbose(2, req.method + " " + req.target + " -> " + std::to_string(res.status));
  });
}

void ApiServer::Route(const httplib::Request& req, httplib::Response& res) {
  const bool is_get = req.method == "GET";
  if (is_get && req.path == "/openapi/v3") return SendJson(res, 200, OpenApiV3Root().dump());
  if (is_get && req.path.rfind("/openapi/v3/", 0) == 0) {
    if (auto doc = OpenApiV3GroupVersion(req.path.substr(sizeof("/openapi/v3/") - 1))) {
      return SendJson(res, 200, doc->dump());
    }
    return SendError(res, PathNotFound());
  }
  ApiPath path = ParseApiPath(req.path);
  switch (path.target) {
    case ApiPath::Target::kVersion:
      if (is_get) return SendJson(res, 200, VersionInfo().dump());
      break;
    case ApiPath::Target::kCoreVersions:
      if (is_get) return SendJson(res, 200, CoreApiVersions(config_.server_address).dump());
      break;
    case ApiPath::Target::kGroupList:
      if (is_get) return SendJson(res, 200, ApiGroupList().dump());
      break;
    case ApiPath::Target::kGroup:
      if (is_get) {
        if (auto group = ApiGroup(path.group)) return SendJson(res, 200, group->dump());
        return SendError(res, PathNotFound());
      }
      break;
    case ApiPath::Target::kResourceList:
      if (is_get) {
        if (auto list = ApiResourceList(path.group, path.version)) {
          return SendJson(res, 200, list->dump());
        }
        return SendError(res, PathNotFound());
      }
      break;
    case ApiPath::Target::kCollection:
      if (is_get) {
        std::string watch_param = req.get_param_value("watch");
        bool watch = path.legacy_watch || watch_param == "true" || watch_param == "True" ||
                     watch_param == "1";
        return watch ? WatchObjects(path, req, res) : ListObjects(path, req, res);
      }
      if (req.method == "POST" && !path.legacy_watch) return CreateObject(path, req, res);
      if (req.method == "DELETE" && !path.legacy_watch) return DeleteCollection(path, req, res);
      return SendError(res, MethodNotAllowed("the server does not allow this method on the "
                                             "requested resource"));
    case ApiPath::Target::kObject:
      if (path.legacy_watch) {
        if (!is_get) break;
        // /watch/.../<name> watches one object: a collection watch on its name.
        ApiPath collection = path;
        collection.target = ApiPath::Target::kCollection;
        httplib::Request narrowed = req;
        std::string selector = "metadata.name=" + path.name;
        if (req.has_param("fieldSelector")) selector += "," + req.get_param_value("fieldSelector");
        narrowed.params.erase("fieldSelector");
        narrowed.params.emplace("fieldSelector", selector);
        return WatchObjects(collection, narrowed, res);
      }
      if (path.subresource == "scale" && (is_get || req.method == "PUT" || req.method == "PATCH")) {
        return ScaleObject(path, req, res);
      }
      if (is_get) return GetObject(path, req, res);
      if (req.method == "PUT") return UpdateObject(path, req, res);
      if (req.method == "PATCH") return PatchObject(path, req, res);
      if (req.method == "DELETE" && path.subresource.empty()) return DeleteObject(path, req, res);
      return SendError(res, MethodNotAllowed("the server does not allow this method on the "
                                             "requested resource"));
    case ApiPath::Target::kNotFound:
      break;
  }
  if (path.target != ApiPath::Target::kNotFound) {
    return SendError(res, MethodNotAllowed("the server does not allow this method on the "
                                           "requested resource"));
  }
  SendError(res, PathNotFound());
}

void ApiServer::GetObject(const ApiPath& path, const httplib::Request& req,
                          httplib::Response& res) {
  auto object = store_.Get(*path.type, path.ns, path.name);
  if (!object) return SendError(res, object.error());
  if (WantsTable(req.get_header_value("Accept"))) {
    json meta = {{"resourceVersion", MetaField(**object, "resourceVersion")}};
    json table = MakeTable(*path.type, {*object}, meta,
                           ParseIncludeObject(req.get_param_value("includeObject")));
    return SendJson(res, 200, table.dump());
  }
  SendObject(res, 200, *path.type, *object);
}

void ApiServer::ListObjects(const ApiPath& path, const httplib::Request& req,
                            httplib::Response& res) {
  auto query = ParseCollectionQuery(path, req);
  if (!query) return SendError(res, query.error());
  auto list = store_.List(*path.type, query->list);
  if (!list) return SendError(res, list.error());
  if (WantsTable(req.get_header_value("Accept"))) {
    json meta = {{"resourceVersion", std::to_string(list->rv)}};
    if (!list->continue_token.empty()) meta["continue"] = list->continue_token;
    if (list->remaining_items) meta["remainingItemCount"] = *list->remaining_items;
    json table = MakeTable(*path.type, list->items, meta,
                           ParseIncludeObject(req.get_param_value("includeObject")));
    return SendJson(res, 200, table.dump());
  }
  SendJson(res, 200, ListBody(*path.type, *list));
}

void ApiServer::CreateObject(const ApiPath& path, const httplib::Request& req,
                             httplib::Response& res) {
  auto body = ParseBody(req);
  if (!body) return SendError(res, body.error());
  if (auto error = CheckTypeMeta(*path.type, *body)) return SendError(res, *error);
  if (auto error = CheckNamespace(path, *body)) return SendError(res, *error);
  auto causes = ValidateObjectMeta(*path.type, *body, /*allow_generate_name=*/true);
  if (!causes.empty()) {
    return SendError(res, Invalid(*path.type, MetaField(*body, "name"), causes));
  }
  auto created = store_.Create(*path.type, path.ns, std::move(*body));
  if (!created) return SendError(res, created.error());
  SendObject(res, 201, *path.type, *created);
}

void ApiServer::UpdateObject(const ApiPath& path, const httplib::Request& req,
                             httplib::Response& res) {
  auto body = ParseBody(req);
  if (!body) return SendError(res, body.error());
  if (auto error = CheckTypeMeta(*path.type, *body)) return SendError(res, *error);
  if (auto error = CheckNamespace(path, *body)) return SendError(res, *error);
  std::string name = MetaField(*body, "name");
  if (!name.empty() && name != path.name) {
    return SendError(res, BadRequest("the name of the object (" + name +
                                     ") does not match the name on the URL (" + path.name + ")"));
  }
  (*body)["metadata"]["name"] = path.name;
  auto causes = ValidateObjectMeta(*path.type, *body, /*allow_generate_name=*/false);
  if (!causes.empty()) return SendError(res, Invalid(*path.type, path.name, causes));
  auto scope = path.subresource == "status" ? UpdateScope::kStatus : UpdateScope::kMain;
  auto updated = store_.Update(*path.type, path.ns, path.name, std::move(*body), scope);
  if (!updated) return SendError(res, updated.error());
  SendObject(res, 200, *path.type, *updated);
}

void ApiServer::PatchObject(const ApiPath& path, const httplib::Request& req,
                            httplib::Response& res) {
  std::string media = MediaType(req.get_header_value("Content-Type"));
  enum class Kind { kMerge, kStrategic, kJsonPatch } kind;
  if (media == "application/merge-patch+json") {
    kind = Kind::kMerge;
  } else if (media == "application/strategic-merge-patch+json") {
    kind = Kind::kStrategic;
  } else if (media == "application/json-patch+json") {
    kind = Kind::kJsonPatch;
  } else {
    // Includes application/apply-patch+yaml: server-side apply is not served.
    return SendError(res, NotAcceptableOrUnsupported(
                              415,
                              "the body of the request was in an unknown format - accepted "
                              "media types include: application/json-patch+json, "
                              "application/merge-patch+json, "
                              "application/strategic-merge-patch+json"));
  }
  json patch = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) return SendError(res, BadRequest("error decoding patch: invalid JSON"));
  const ResourceType& type = *path.type;
  auto mutate = [&](const json& current) -> ApiResult<json> {
    json full = current;
    full["kind"] = type.kind;
    full["apiVersion"] = type.ApiVersion();
    json patched;
    switch (kind) {
      case Kind::kMerge:
        if (!patch.is_object()) return BadRequest("merge patch must be a JSON object");
        patched = ApplyMergePatch(std::move(full), patch);
        break;
      case Kind::kStrategic: {
        auto result = ApplyStrategicMergePatch(std::move(full), patch);
        if (!result) return BadRequest(result.error().message);
        patched = std::move(*result);
        break;
      }
      case Kind::kJsonPatch: {
        auto result = ApplyJsonPatch(full, patch);
        if (!result) return ApiError{422, "Invalid", result.error().message, nullptr};
        patched = std::move(*result);
        break;
      }
    }
    if (!patched.is_object()) return BadRequest("the patch result is not an object");
    if (auto error = CheckTypeMeta(type, patched)) return *error;
    if (auto error = CheckNamespace(path, patched)) return *error;
    std::string name = MetaField(patched, "name");
    if (name != path.name) {
      return BadRequest("the name of the object (" + name +
                        ") does not match the name on the URL (" + path.name + ")");
    }
    auto causes = ValidateObjectMeta(type, patched, /*allow_generate_name=*/false);
    if (!causes.empty()) return Invalid(type, path.name, causes);
    return patched;
  };
  auto scope = path.subresource == "status" ? UpdateScope::kStatus : UpdateScope::kMain;
  auto updated = store_.Mutate(type, path.ns, path.name, mutate, scope);
  if (!updated) return SendError(res, updated.error());
  SendObject(res, 200, type, *updated);
}

void ApiServer::DeleteObject(const ApiPath& path, const httplib::Request& req,
                             httplib::Response& res) {
  std::string uid;
  std::string rv;
  if (!req.body.empty()) {
    json options = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (options.is_discarded() || !options.is_object()) {
      return SendError(res, BadRequest("couldn't get version/kind; json parse error: invalid "
                                       "DeleteOptions"));
    }
    if (options.contains("preconditions") && options["preconditions"].is_object()) {
      uid = options["preconditions"].value("uid", "");
      rv = options["preconditions"].value("resourceVersion", "");
    }
  }
  auto deleted = store_.Delete(*path.type, path.ns, path.name, uid, rv);
  if (!deleted) return SendError(res, deleted.error());
  SendJson(res, 200, SuccessStatus(*path.type, path.name, MetaField(**deleted, "uid")).dump());
}

void ApiServer::DeleteCollection(const ApiPath& path, const httplib::Request& req,
                                 httplib::Response& res) {
  auto query = ParseCollectionQuery(path, req);
  if (!query) return SendError(res, query.error());
  query->list.limit = 0;
  auto list = store_.List(*path.type, query->list);
  if (!list) return SendError(res, list.error());
  ListResult deleted;
  for (const auto& item : list->items) {
    auto gone =
        store_.Delete(*path.type, MetaField(*item, "namespace"), MetaField(*item, "name"), "", "");
    if (gone) deleted.items.push_back(*gone);
  }
  deleted.rv = store_.CurrentResourceVersion();
  SendJson(res, 200, ListBody(*path.type, deleted));
}

}  // namespace kr::apiserver
