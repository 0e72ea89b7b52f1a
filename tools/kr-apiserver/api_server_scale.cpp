// The /scale subresource: an autoscaling/v1 Scale view of spec.replicas (`kubectl scale`).
#include "tools/kr-apiserver/api_server.h"
#include "tools/kr-apiserver/patch.h"

namespace kr::apiserver {

namespace {

using nlohmann::json;

json ScaleOf(const json& object) {
  const json& meta = object["metadata"];
  json scale_meta = json::object();
  for (const char* field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (meta.contains(field)) scale_meta[field] = meta[field];
  }
  int64_t replicas = 1;
  if (object.contains("spec") && object["spec"].contains("replicas") &&
      object["spec"]["replicas"].is_number_integer()) {
    replicas = object["spec"]["replicas"].get<int64_t>();
  }
  int64_t current = 0;
  if (object.contains("status") && object["status"].contains("replicas") &&
      object["status"]["replicas"].is_number_integer()) {
    current = object["status"]["replicas"].get<int64_t>();
  }
  std::string selector;
  if (object.contains("spec") && object["spec"].contains("selector")) {
    const json& labels = object["spec"]["selector"].value("matchLabels", json::object());
    for (const auto& [k, v] : labels.items()) {
      selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    }
  }
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", scale_meta},
          {"spec", {{"replicas", replicas}}},
          {"status", {{"replicas", current}, {"selector", selector}}}};
}

void Send(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

void ApiServer::ScaleObject(const ApiPath& path, const httplib::Request& req,
                            httplib::Response& res) {
  const ResourceType& type = *path.type;
  if (req.method == "GET") {
    auto object = store_.Get(type, path.ns, path.name);
    if (!object) return Send(res, object.error().code, object.error().ToStatus());
    return Send(res, 200, ScaleOf(**object));
  }
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    ApiError error = BadRequest("couldn't get version/kind; json parse error: invalid JSON");
    return Send(res, error.code, error.ToStatus());
  }
  const std::string media = req.get_header_value("Content-Type");
  auto mutate = [&](const json& current) -> ApiResult<json> {
    json scale = ScaleOf(current);
    json wanted;
    if (req.method == "PUT") {
      wanted = body;
    } else if (media.rfind("application/json-patch+json", 0) == 0) {
      auto patched = ApplyJsonPatch(scale, body);
      if (!patched) return ApiError{422, "Invalid", patched.error().message, nullptr};
      wanted = std::move(*patched);
    } else if (media.rfind("application/merge-patch+json", 0) == 0 ||
               media.rfind("application/strategic-merge-patch+json", 0) == 0) {
      wanted = ApplyMergePatch(scale, body);
    } else {
      return NotAcceptableOrUnsupported(415, "the body of the request was in an unknown format");
    }
    if (!wanted.is_object() || !wanted.contains("spec") || !wanted["spec"].contains("replicas") ||
        !wanted["spec"]["replicas"].is_number_integer() ||
        wanted["spec"]["replicas"].get<int64_t>() < 0) {
      return Invalid(type, path.name,
                     {{"FieldValueInvalid", "spec.replicas",
                       "Invalid value: must be greater than or equal to 0"}});
    }
    json updated = current;
    std::string rv = wanted.contains("metadata") && wanted["metadata"].is_object()
                         ? wanted["metadata"].value("resourceVersion", "")
                         : "";
    updated["metadata"]["resourceVersion"] = rv;  // a stale one answers 409 Conflict
    updated["spec"]["replicas"] = wanted["spec"]["replicas"];
    return updated;
  };
  auto updated = store_.Mutate(type, path.ns, path.name, mutate, UpdateScope::kMain);
  if (!updated) return Send(res, updated.error().code, updated.error().ToStatus());
  Send(res, 200, ScaleOf(**updated));
}

}  // namespace kr::apiserver
