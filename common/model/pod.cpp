#include "common/model/pod.h"

#include "common/model/json_fields.h"

namespace kr::model {

void to_json(nlohmann::json& j, const ContainerPort& v) {
  j = nlohmann::json{
      {"name", v.name}, {"protocol", v.protocol}, {"containerPort", v.container_port}};
}

void from_json(const nlohmann::json& j, ContainerPort& v) {
  RequireObject(j, "container port");
  ReadField(j, "name", v.name);
  ReadField(j, "protocol", v.protocol);
  ReadField(j, "containerPort", v.container_port);
}

void to_json(nlohmann::json& j, const Pod& v) {
  j = nlohmann::json{{"namespace", v.ns},
                     {"name", v.name},
                     {"labels", v.labels},
                     {"ips", v.ips},
                     {"nodeName", v.node_name},
                     {"phase", v.phase},
                     {"hostNetwork", v.host_network},
                     {"ports", v.ports}};
}

void from_json(const nlohmann::json& j, Pod& v) {
  RequireObject(j, "pod");
  ReadField(j, "namespace", v.ns);
  ReadField(j, "name", v.name);
  ReadField(j, "labels", v.labels);
  ReadField(j, "ips", v.ips);
  ReadField(j, "nodeName", v.node_name);
  ReadField(j, "phase", v.phase);
  ReadField(j, "hostNetwork", v.host_network);
  ReadField(j, "ports", v.ports);
}

}  // namespace kr::model
