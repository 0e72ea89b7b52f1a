#include "tools/kr-apiserver/api_path.h"

#include <vector>

namespace kr::apiserver {

namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// Resolves the segments after the group/version prefix.
ApiPath ResolveResource(ApiPath out, const std::vector<std::string>& rest) {
  size_t i = 0;
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    const ResourceType* type = FindResourceType(out.group, out.version, rest[2]);
    if (type && type->namespaced) {
      out.ns = rest[1];
      out.type = type;
      i = 3;
    }
  }
  if (out.type == nullptr) {
    if (rest.empty()) return out;
    out.type = FindResourceType(out.group, out.version, rest[0]);
    if (out.type == nullptr) return out;
    i = 1;
    // /api/v1/pods lists all namespaces; /api/v1/pods/x has no meaning for a namespaced type.
    if (out.type->namespaced && rest.size() > 1) {
      out.type = nullptr;
      return out;
    }
  }
  size_t left = rest.size() - i;
  if (left == 0) {
    out.target = ApiPath::Target::kCollection;
  } else if (left == 1) {
    out.target = ApiPath::Target::kObject;
    out.name = rest[i];
  } else if (left == 2 && rest[i + 1] == "status" && out.type->has_status) {
    out.target = ApiPath::Target::kObject;
    out.name = rest[i];
    out.subresource = "status";
  } else if (left == 2 && rest[i + 1] == "scale" && out.type->HasScale()) {
    out.target = ApiPath::Target::kObject;
    out.name = rest[i];
    out.subresource = "scale";
  }
  return out;
}

}  // namespace

ApiPath ParseApiPath(const std::string& path) {
  ApiPath out;
  std::vector<std::string> parts = Split(path);
  if (parts.size() == 1 && parts[0] == "version") {
    out.target = ApiPath::Target::kVersion;
    return out;
  }
  std::vector<std::string> rest;
  if (!parts.empty() && parts[0] == "api") {
    if (parts.size() == 1) {
      out.target = ApiPath::Target::kCoreVersions;
      return out;
    }
    if (parts[1] != "v1") return out;
    out.version = "v1";
    rest.assign(parts.begin() + 2, parts.end());
  } else if (!parts.empty() && parts[0] == "apis") {
    if (parts.size() == 1) {
      out.target = ApiPath::Target::kGroupList;
      return out;
    }
    out.group = parts[1];
    if (parts.size() == 2) {
      out.target = ApiPath::Target::kGroup;
      return out;
    }
    out.version = parts[2];
    rest.assign(parts.begin() + 3, parts.end());
  } else {
    return out;
  }
  if (rest.empty()) {
    out.target = ApiPath::Target::kResourceList;
    return out;
  }
  if (rest[0] == "watch") {
    out.legacy_watch = true;
    rest.erase(rest.begin());
  }
  ApiPath resolved = ResolveResource(out, rest);
  if (resolved.target == ApiPath::Target::kNotFound) resolved.type = nullptr;
  return resolved;
}

}  // namespace kr::apiserver
