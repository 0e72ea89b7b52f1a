#include "common/model/endpoints.h"

#include "common/model/json_fields.h"

namespace kr::model {

void to_json(nlohmann::json& j, const EndpointPort& v) {
  j = nlohmann::json{{"name", v.name}, {"protocol", v.protocol}, {"port", v.port}};
}

void from_json(const nlohmann::json& j, EndpointPort& v) {
  RequireObject(j, "endpoint port");
  ReadField(j, "name", v.name);
  ReadField(j, "protocol", v.protocol);
  ReadField(j, "port", v.port);
}

void to_json(nlohmann::json& j, const Endpoint& v) {
  j = nlohmann::json{{"addresses", v.addresses}, {"ready", v.ready},
                     {"serving", v.serving},     {"terminating", v.terminating},
                     {"nodeName", v.node_name},  {"zone", v.zone},
                     {"hostname", v.hostname},   {"ports", v.ports}};
}

void from_json(const nlohmann::json& j, Endpoint& v) {
  RequireObject(j, "endpoint");
  ReadField(j, "addresses", v.addresses);
  ReadField(j, "ready", v.ready);
  ReadField(j, "serving", v.serving);
  ReadField(j, "terminating", v.terminating);
  ReadField(j, "nodeName", v.node_name);
  ReadField(j, "zone", v.zone);
  ReadField(j, "hostname", v.hostname);
  ReadField(j, "ports", v.ports);
}

void to_json(nlohmann::json& j, const Endpoints& v) {
  j = nlohmann::json{{"namespace", v.ns}, {"name", v.name}, {"endpoints", v.endpoints}};
}

void from_json(const nlohmann::json& j, Endpoints& v) {
  RequireObject(j, "endpoints");
  ReadField(j, "namespace", v.ns);
  ReadField(j, "name", v.name);
  ReadField(j, "endpoints", v.endpoints);
}

}  // namespace kr::model
