// Kubernetes Status error bodies (kind Status, apiVersion v1) with the HTTP code and reason a
// real kube-apiserver answers for each failure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tools/kr-apiserver/resources.h"

namespace kr::apiserver {

struct ApiError {
  int code = 500;
  std::string reason;  // "NotFound", "AlreadyExists", ...; empty for a plain 500
  std::string message;
  nlohmann::json details;  // null or {name, group, kind, causes}

  nlohmann::json ToStatus() const;
};

// A value or the ApiError to answer with (kr::Expected carries errno-style errors only).
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : state_(std::move(value)) {}         // NOLINT: implicit by design
  ApiResult(ApiError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ApiError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, ApiError> state_;
};

// One field error, as in details.causes of an Invalid Status.
struct FieldCause {
  std::string type;   // "FieldValueRequired", "FieldValueInvalid"
  std::string field;  // "metadata.name"
  std::string message;
};

ApiError NotFound(const ResourceType& type, const std::string& name);
ApiError NamespaceNotFound(const std::string& ns);
ApiError AlreadyExists(const ResourceType& type, const std::string& name);
ApiError Conflict(const ResourceType& type, const std::string& name, const std::string& why);
ApiError Invalid(const ResourceType& type, const std::string& name,
                 const std::vector<FieldCause>& causes);
ApiError BadRequest(const std::string& message);
ApiError MethodNotAllowed(const std::string& message);
ApiError NotAcceptableOrUnsupported(int code, const std::string& message);
ApiError Expired(const std::string& message);
ApiError Unauthorized();
ApiError PathNotFound();

// A Status with status "Success" (answer to a delete).
nlohmann::json SuccessStatus(const ResourceType& type, const std::string& name,
                             const std::string& uid);

}  // namespace kr::apiserver
