// Endpoints, proto/schemas/endpoints.v1.schema.json: every EndpointSlice of one service,
// merged. Ports stay per endpoint because slices may resolve named ports differently.
#pragma once

#include <string>
#include <vector>

#include "common/model/common_types.h"
#include "common/model/schema_version.h"

namespace kr::model {

struct EndpointPort {
  std::string name;
  std::string protocol = "TCP";
  int32_t port = 0;
  bool operator==(const EndpointPort&) const = default;
};

struct Endpoint {
  std::vector<std::string> addresses;
  bool ready = false;
  bool serving = false;
  bool terminating = false;
  std::string node_name;
  std::string zone;
  std::string hostname;
  std::vector<EndpointPort> ports;
  bool operator==(const Endpoint&) const = default;
};

struct Endpoints {
  static constexpr SchemaVersion kSchema{1, 0};

  std::string ns;    // "namespace" on the wire
  std::string name;  // the service's name
  std::vector<Endpoint> endpoints;

  std::string Key() const { return NamespacedKey(ns, name); }
  bool operator==(const Endpoints&) const = default;
};

void to_json(nlohmann::json& j, const EndpointPort& v);
void from_json(const nlohmann::json& j, EndpointPort& v);
void to_json(nlohmann::json& j, const Endpoint& v);
void from_json(const nlohmann::json& j, Endpoint& v);
void to_json(nlohmann::json& j, const Endpoints& v);
void from_json(const nlohmann::json& j, Endpoints& v);

}  // namespace kr::model
