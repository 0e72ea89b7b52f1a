#include "tools/kr-apiserver/validation.h"

#include <cctype>

namespace kr::apiserver {

namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool IsDns1123Label(const std::string& s) {
  if (s.empty() || s.size() > 63 || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDns1123Subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    // Parts of a subdomain follow the label syntax but without the 63-character limit.
    if (part.empty() || !IsLowerAlnum(part.front()) || !IsLowerAlnum(part.back())) return false;
    for (char c : part) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool IsLabelValue(const std::string& s) {
  if (s.empty()) return true;
  if (s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A qualified name: [DNS-1123 subdomain prefix '/'] name, as label and annotation keys are.
bool IsQualifiedName(const std::string& s) {
  std::string name = s;
  size_t slash = s.find('/');
  if (slash != std::string::npos) {
    if (!IsDns1123Subdomain(s.substr(0, slash))) return false;
    name = s.substr(slash + 1);
  }
  return !name.empty() && IsLabelValue(name);
}

}  // namespace

std::vector<std::string> NameErrors(ResourceType::NameRule rule, const std::string& name) {
  using Rule = ResourceType::NameRule;
  switch (rule) {
    case Rule::kSubdomain:
      if (name.size() > 253) return {"must be no more than 253 characters"};
      if (!IsDns1123Subdomain(name)) {
        return {
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"};
      }
      return {};
    case Rule::kLabel:
      if (name.size() > 63) return {"must be no more than 63 characters"};
      if (!IsDns1123Label(name)) {
        return {
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
            "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
            "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"};
      }
      return {};
    case Rule::kDns1035Label:
      if (name.size() > 63) return {"must be no more than 63 characters"};
      if (!IsDns1123Label(name) || !(name.front() >= 'a' && name.front() <= 'z')) {
        return {
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
            "start with an alphabetic character, and end with an alphanumeric character "
            "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
            "'[a-z]([-a-z0-9]*[a-z0-9])?')"};
      }
      return {};
    case Rule::kPathSegment:
      if (name == "." || name == "..") return {"may not be '" + name + "'"};
      if (name.find('/') != std::string::npos) return {"may not contain '/'"};
      if (name.find('%') != std::string::npos) return {"may not contain '%'"};
      return {};
  }
  return {};
}

std::vector<FieldCause> ValidateObjectMeta(const ResourceType& type, const nlohmann::json& object,
                                           bool allow_generate_name) {
  std::vector<FieldCause> causes;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& meta =
      object.contains("metadata") && object["metadata"].is_object() ? object["metadata"] : empty;
  std::string name = meta.value("name", "");
  std::string generate_name = meta.value("generateName", "");
  if (name.empty()) {
    if (!(allow_generate_name && !generate_name.empty())) {
      causes.push_back({"FieldValueRequired", "metadata.name",
                        "Required value: name or generateName is required"});
    }
  } else {
    for (const auto& message : NameErrors(type.name_rule, name)) {
      causes.push_back(
          {"FieldValueInvalid", "metadata.name", "Invalid value: \"" + name + "\": " + message});
    }
  }
  if (meta.contains("labels") && meta["labels"].is_object()) {
    for (const auto& [key, value] : meta["labels"].items()) {
      if (!IsQualifiedName(key)) {
        causes.push_back({"FieldValueInvalid", "metadata.labels",
                          "Invalid value: \"" + key +
                              "\": name part must consist of alphanumeric characters, '-', '_' "
                              "or '.', and must start and end with an alphanumeric character"});
      }
      if (!value.is_string() || !IsLabelValue(value.get<std::string>())) {
        std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
        causes.push_back({"FieldValueInvalid", "metadata.labels",
                          "Invalid value: \"" + shown +
                              "\": a valid label must be an empty string or consist of "
                              "alphanumeric characters, '-', '_' or '.', and must start and end "
                              "with an alphanumeric character"});
      }
    }
  }
  if (meta.contains("annotations") && meta["annotations"].is_object()) {
    for (const auto& [key, value] : meta["annotations"].items()) {
      if (!IsQualifiedName(key)) {
        causes.push_back({"FieldValueInvalid", "metadata.annotations",
                          "Invalid value: \"" + key +
                              "\": name part must consist of "
                              "alphanumeric characters, '-', '_' or '.'"});
      }
      (void)value;
    }
  }
  return causes;
}

}  // namespace kr::apiserver
