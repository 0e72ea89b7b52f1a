#include "tools/kr-apiserver/api_error.h"

namespace kr::apiserver {

namespace {

nlohmann::json NameDetails(const ResourceType& type, const std::string& name) {
  nlohmann::json details = {{"name", name}, {"kind", type.plural}};
  if (!type.group.empty()) details["group"] = type.group;
  return details;
}

}  // namespace

nlohmann::json ApiError::ToStatus() const {
  nlohmann::json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"code", code}};
  if (!reason.empty()) status["reason"] = reason;
  if (!details.is_null()) status["details"] = details;
  return status;
}

ApiError NotFound(const ResourceType& type, const std::string& name) {
  return {404, "NotFound", type.QualifiedPlural() + " \"" + name + "\" not found",
          NameDetails(type, name)};
}

ApiError NamespaceNotFound(const std::string& ns) {
  return {404,
          "NotFound",
          "namespaces \"" + ns + "\" not found",
          {{"name", ns}, {"kind", "namespaces"}}};
}

ApiError AlreadyExists(const ResourceType& type, const std::string& name) {
  return {409, "AlreadyExists", type.QualifiedPlural() + " \"" + name + "\" already exists",
          NameDetails(type, name)};
}

ApiError Conflict(const ResourceType& type, const std::string& name, const std::string& why) {
  return {
      409, "Conflict",
      "Operation cannot be fulfilled on " + type.QualifiedPlural() + " \"" + name + "\": " + why,
      NameDetails(type, name)};
}

ApiError Invalid(const ResourceType& type, const std::string& name,
                 const std::vector<FieldCause>& causes) {
  // Message shape: Pod "x" is invalid: metadata.name: Required value: ...
  std::string message = type.kind + " \"" + name + "\" is invalid: ";
  if (causes.size() > 1) message += "[";
  nlohmann::json cause_list = nlohmann::json::array();
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i > 0) message += ", ";
    message += causes[i].field + ": " + causes[i].message;
    cause_list.push_back(
        {{"reason", causes[i].type}, {"message", causes[i].message}, {"field", causes[i].field}});
  }
  if (causes.size() > 1) message += "]";
  nlohmann::json details = {{"name", name}, {"kind", type.kind}, {"causes", cause_list}};
  if (!type.group.empty()) details["group"] = type.group;
  return {422, "Invalid", message, details};
}

ApiError BadRequest(const std::string& message) {
  return {400, "BadRequest", message, nullptr};
}

ApiError MethodNotAllowed(const std::string& message) {
  return {405, "MethodNotAllowed", message, nullptr};
}

ApiError NotAcceptableOrUnsupported(int code, const std::string& message) {
  return {code, code == 415 ? "UnsupportedMediaType" : "NotAcceptable", message, nullptr};
}

ApiError Expired(const std::string& message) {
  return {410, "Expired", message, nullptr};
}

ApiError Unauthorized() {
  return {401, "Unauthorized", "Unauthorized", nullptr};
}

ApiError PathNotFound() {
  return {404, "NotFound", "the server could not find the requested resource", nullptr};
}

nlohmann::json SuccessStatus(const ResourceType& type, const std::string& name,
                             const std::string& uid) {
  nlohmann::json details = {{"name", name}, {"kind", type.plural}, {"uid", uid}};
  if (!type.group.empty()) details["group"] = type.group;
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", nlohmann::json::object()},
          {"status", "Success"},
          {"details", details}};
}

}  // namespace kr::apiserver
