// Helpers for the to/from JSON functions of the model structs.
//
// Decoding follows proto/SPEC.md section 10: an absent (or null) field keeps its default, an
// unknown field is ignored, and a field of the wrong type throws nlohmann::json::exception.
// Callers at run time go through kr::model::Decode (decode.h), which turns that into an Error.
#pragma once

#include <nlohmann/json.hpp>

namespace kr::model {

template <typename T>
void ReadField(const nlohmann::json& object, const char* name, T& out) {
  auto it = object.find(name);
  if (it != object.end() && !it->is_null()) it->get_to(out);
}

template <typename T>
void ReadField(const nlohmann::json& object, const char* name, std::optional<T>& out) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    out.reset();
    return;
  }
  out = it->get<T>();
}

// Throws unless `object` is a JSON object: a body of another type is malformed.
inline void RequireObject(const nlohmann::json& object, const char* what) {
  if (!object.is_object()) {
    throw nlohmann::json::type_error::create(302, std::string(what) + " must be an object",
                                             &object);
  }
}

}  // namespace kr::model
