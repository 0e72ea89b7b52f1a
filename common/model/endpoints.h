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

constexpr auto WireSchemaOf(const EndpointPort*) {
  using T = EndpointPort;
  return WireSchema<T>("endpoint port", Member("name", &T::name), Member("protocol", &T::protocol),
                       Member("port", &T::port));
}

constexpr auto WireSchemaOf(const Endpoint*) {
  using T = Endpoint;
  return WireSchema<T>("endpoint", Member("addresses", &T::addresses), Member("ready", &T::ready),
                       Member("serving", &T::serving), Member("terminating", &T::terminating),
                       Member("nodeName", &T::node_name), Member("zone", &T::zone),
                       Member("hostname", &T::hostname), Member("ports", &T::ports));
}

constexpr auto WireSchemaOf(const Endpoints*) {
  using T = Endpoints;
  return WireSchema<T>("endpoints", Member("namespace", &T::ns), Member("name", &T::name),
                       Member("endpoints", &T::endpoints));
}

}  // namespace kr::model
