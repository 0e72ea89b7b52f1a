#include "tools/kr-apiserver/table.h"

#include <ctime>

namespace kr::apiserver {

namespace {

using nlohmann::json;

struct Column {
  const char* name;
  const char* type;
  int priority;
};

std::string Str(const json& object, std::initializer_list<const char*> path) {
  const json* node = &object;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return "";
    node = &(*node)[key];
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_number()) return node->dump();
  return "";
}

const json& Sub(const json& object, std::initializer_list<const char*> path) {
  static const json null;
  const json* node = &object;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return null;
    node = &(*node)[key];
  }
  return *node;
}

std::string OrNone(const std::string& s) {
  return s.empty() ? "<none>" : s;
}

std::string SelectorText(const json& labels) {
  std::string out;
  if (!labels.is_object()) return out;
  for (const auto& [k, v] : labels.items()) {
    if (!out.empty()) out += ",";
    out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

std::vector<Column> ColumnsFor(const ResourceType& type) {
  const std::string& p = type.plural;
  if (p == "pods") {
    return {{"Name", "string", 0},     {"Ready", "string", 0}, {"Status", "string", 0},
            {"Restarts", "string", 0}, {"Age", "string", 0},   {"IP", "string", 1},
            {"Node", "string", 1}};
  }
  if (p == "namespaces")
    return {{"Name", "string", 0}, {"Status", "string", 0}, {"Age", "string", 0}};
  if (p == "nodes") {
    return {{"Name", "string", 0}, {"Status", "string", 0},  {"Roles", "string", 0},
            {"Age", "string", 0},  {"Version", "string", 0}, {"Internal-IP", "string", 1}};
  }
  if (p == "services") {
    return {{"Name", "string", 0},        {"Type", "string", 0},    {"Cluster-IP", "string", 0},
            {"External-IP", "string", 0}, {"Port(s)", "string", 0}, {"Age", "string", 0},
            {"Selector", "string", 1}};
  }
  if (p == "endpoints")
    return {{"Name", "string", 0}, {"Endpoints", "string", 0}, {"Age", "string", 0}};
  if (p == "configmaps")
    return {{"Name", "string", 0}, {"Data", "integer", 0}, {"Age", "string", 0}};
  if (p == "endpointslices") {
    return {{"Name", "string", 0},
            {"AddressType", "string", 0},
            {"Ports", "string", 0},
            {"Endpoints", "string", 0},
            {"Age", "string", 0}};
  }
  if (p == "networkpolicies")
    return {{"Name", "string", 0}, {"Pod-Selector", "string", 0}, {"Age", "string", 0}};
  if (p == "deployments") {
    return {{"Name", "string", 0},
            {"Ready", "string", 0},
            {"Up-to-date", "integer", 0},
            {"Available", "integer", 0},
            {"Age", "string", 0}};
  }
  if (p == "daemonsets") {
    return {{"Name", "string", 0},   {"Desired", "integer", 0},    {"Current", "integer", 0},
            {"Ready", "integer", 0}, {"Up-to-date", "integer", 0}, {"Available", "integer", 0},
            {"Age", "string", 0}};
  }
  return {{"Name", "string", 0}, {"Age", "string", 0}};
}

int64_t Int(const json& object, std::initializer_list<const char*> path) {
  const json& node = Sub(object, path);
  return node.is_number_integer() ? node.get<int64_t>() : 0;
}

json Cells(const ResourceType& type, const json& o) {
  const std::string& p = type.plural;
  std::string name = Str(o, {"metadata", "name"});
  std::string age = AgeSince(Str(o, {"metadata", "creationTimestamp"}));
  if (p == "pods") {
    const json& statuses = Sub(o, {"status", "containerStatuses"});
    size_t total =
        Sub(o, {"spec", "containers"}).is_array() ? Sub(o, {"spec", "containers"}).size() : 0;
    int ready = 0;
    int64_t restarts = 0;
    if (statuses.is_array()) {
      for (const auto& s : statuses) {
        if (s.value("ready", false)) ++ready;
        restarts += s.value("restartCount", int64_t{0});
      }
    }
    std::string status = Str(o, {"status", "reason"});
    if (status.empty()) status = Str(o, {"status", "phase"});
    return {name,
            std::to_string(ready) + "/" + std::to_string(total),
            OrNone(status),
            std::to_string(restarts),
            age,
            OrNone(Str(o, {"status", "podIP"})),
            OrNone(Str(o, {"spec", "nodeName"}))};
  }
  if (p == "namespaces") return {name, Str(o, {"status", "phase"}), age};
  if (p == "nodes") {
    std::string ready = "Unknown";
    const json& conditions = Sub(o, {"status", "conditions"});
    if (conditions.is_array()) {
      for (const auto& c : conditions) {
        if (c.value("type", "") == "Ready")
          ready = c.value("status", "") == "True" ? "Ready" : "NotReady";
      }
    }
    if (Sub(o, {"spec", "unschedulable"}) == true) ready += ",SchedulingDisabled";
    std::string internal_ip;
    const json& addresses = Sub(o, {"status", "addresses"});
    if (addresses.is_array()) {
      for (const auto& a : addresses) {
        if (a.value("type", "") == "InternalIP" && internal_ip.empty())
          internal_ip = a.value("address", "");
      }
    }
    return {name,
            ready,
            "<none>",
            age,
            Str(o, {"status", "nodeInfo", "kubeletVersion"}),
            OrNone(internal_ip)};
  }
  if (p == "services") {
    std::string ports;
    const json& list = Sub(o, {"spec", "ports"});
    if (list.is_array()) {
      for (const auto& port : list) {
        if (!ports.empty()) ports += ",";
        ports += Str(port, {"port"});
        if (port.contains("nodePort")) ports += ":" + Str(port, {"nodePort"});
        ports += "/" + (port.contains("protocol") ? Str(port, {"protocol"}) : std::string("TCP"));
      }
    }
    std::string external;
    const json& ips = Sub(o, {"spec", "externalIPs"});
    if (ips.is_array()) {
      for (const auto& ip : ips) external += (external.empty() ? "" : ",") + ip.get<std::string>();
    }
    return {name,
            Str(o, {"spec", "type"}),
            OrNone(Str(o, {"spec", "clusterIP"})),
            OrNone(external),
            OrNone(ports),
            age,
            OrNone(SelectorText(Sub(o, {"spec", "selector"})))};
  }
  if (p == "endpoints") {
    std::string eps;
    const json& subsets = Sub(o, {"subsets"});
    if (subsets.is_array()) {
      for (const auto& subset : subsets) {
        const json& addresses = Sub(subset, {"addresses"});
        const json& ports = Sub(subset, {"ports"});
        if (!addresses.is_array()) continue;
        for (const auto& a : addresses) {
          if (ports.is_array() && !ports.empty()) {
            for (const auto& port : ports) {
              eps += (eps.empty() ? "" : ",") + Str(a, {"ip"}) + ":" + Str(port, {"port"});
            }
          } else {
            eps += (eps.empty() ? "" : ",") + Str(a, {"ip"});
          }
        }
      }
    }
    return {name, OrNone(eps), age};
  }
  if (p == "configmaps") {
    size_t data = Sub(o, {"data"}).is_object() ? Sub(o, {"data"}).size() : 0;
    data += Sub(o, {"binaryData"}).is_object() ? Sub(o, {"binaryData"}).size() : 0;
    return {name, data, age};
  }
  if (p == "endpointslices") {
    std::string ports;
    const json& list = Sub(o, {"ports"});
    if (list.is_array()) {
      for (const auto& port : list) ports += (ports.empty() ? "" : ",") + Str(port, {"port"});
    }
    std::string eps;
    const json& endpoints = Sub(o, {"endpoints"});
    if (endpoints.is_array()) {
      for (const auto& e : endpoints) {
        const json& addresses = Sub(e, {"addresses"});
        if (!addresses.is_array()) continue;
        for (const auto& a : addresses) eps += (eps.empty() ? "" : ",") + a.get<std::string>();
      }
    }
    return {name, Str(o, {"addressType"}), OrNone(ports), OrNone(eps), age};
  }
  if (p == "networkpolicies") {
    std::string selector = SelectorText(Sub(o, {"spec", "podSelector", "matchLabels"}));
    return {name, OrNone(selector), age};
  }
  if (p == "deployments") {
    return {name,
            std::to_string(Int(o, {"status", "readyReplicas"})) + "/" +
                std::to_string(
                    Sub(o, {"spec", "replicas"}).is_number() ? Int(o, {"spec", "replicas"}) : 1),
            Int(o, {"status", "updatedReplicas"}), Int(o, {"status", "availableReplicas"}), age};
  }
  if (p == "daemonsets") {
    return {name,
            Int(o, {"status", "desiredNumberScheduled"}),
            Int(o, {"status", "currentNumberScheduled"}),
            Int(o, {"status", "numberReady"}),
            Int(o, {"status", "updatedNumberScheduled"}),
            Int(o, {"status", "numberAvailable"}),
            age};
  }
  return {name, age};
}

}  // namespace

bool WantsTable(const std::string& accept) {
  // The first acceptable type decides; kubectl lists the Table types first.
  std::string first = accept.substr(0, accept.find(','));
  return first.find("as=Table") != std::string::npos &&
         first.find("g=meta.k8s.io") != std::string::npos;
}

TableObjects ParseIncludeObject(const std::string& value) {
  if (value == "None") return TableObjects::kNone;
  if (value == "Object") return TableObjects::kObject;
  return TableObjects::kMetadata;
}

json MakeTable(const ResourceType& type, const std::vector<ObjectPtr>& items, const json& list_meta,
               TableObjects include) {
  json columns = json::array();
  for (const auto& column : ColumnsFor(type)) {
    json definition = {{"name", column.name},
                       {"type", column.type},
                       {"format", std::string(column.name) == "Name" ? "name" : ""},
                       {"description", ""},
                       {"priority", column.priority}};
    columns.push_back(definition);
  }
  json rows = json::array();
  for (const auto& item : items) {
    json row = {{"cells", Cells(type, *item)}};
    if (include == TableObjects::kMetadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", (*item)["metadata"]}};
    } else if (include == TableObjects::kObject) {
      json full = *item;
      full["kind"] = type.kind;
      full["apiVersion"] = type.ApiVersion();
      row["object"] = std::move(full);
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", list_meta.is_object() ? list_meta : json::object()},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

std::string AgeSince(const std::string& rfc3339) {
  std::tm tm{};
  if (rfc3339.empty() || strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
    return "<unknown>";
  }
  long long seconds = static_cast<long long>(std::time(nullptr) - timegm(&tm));
  if (seconds < 0) seconds = 0;
  auto s = [](long long n, const char* unit) { return std::to_string(n) + unit; };
  long long minutes = seconds / 60;
  long long hours = seconds / 3600;
  long long days = hours / 24;
  if (seconds < 120) return s(seconds, "s");
  if (minutes < 10) return seconds % 60 ? s(minutes, "m") + s(seconds % 60, "s") : s(minutes, "m");
  if (minutes < 180) return s(minutes, "m");
  if (hours < 8) return minutes % 60 ? s(hours, "h") + s(minutes % 60, "m") : s(hours, "h");
  if (hours < 48) return s(hours, "h");
  if (hours < 24 * 8) return hours % 24 ? s(days, "d") + s(hours % 24, "h") : s(days, "d");
  if (days < 365 * 2) return s(days, "d");
  return s(days / 365, "y") + (days % 365 ? s(days % 365, "d") : "");
}

}  // namespace kr::apiserver
