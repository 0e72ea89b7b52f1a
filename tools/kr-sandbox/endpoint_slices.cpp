#include "tools/kr-sandbox/endpoint_slices.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

namespace kr::sandbox {
namespace {

std::string Str(const Json& object, const char* pointer) {
  return object.value(Json::json_pointer(pointer), std::string());
}

bool PodReady(const Json& pod) {
  for (const Json& condition : pod.value("/status/conditions"_json_pointer, Json::array())) {
    if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
  }
  return false;
}

// The pod's IPs: status.podIPs, or status.podIP alone.
std::vector<std::string> PodIps(const Json& pod) {
  std::vector<std::string> ips;
  for (const Json& entry : pod.value("/status/podIPs"_json_pointer, Json::array())) {
    if (entry.is_object() && entry.contains("ip") && entry["ip"].is_string())
      ips.push_back(entry["ip"].get<std::string>());
  }
  const std::string single = Str(pod, "/status/podIP");
  if (ips.empty() && !single.empty()) ips.push_back(single);
  return ips;
}

bool PodIsTerminal(const Json& pod) {
  const std::string phase = Str(pod, "/status/phase");
  return phase == "Succeeded" || phase == "Failed" ||
         pod.contains(Json::json_pointer("/metadata/deletionTimestamp"));
}

std::string Protocol(const Json& port) {
  return port.value("protocol", std::string("TCP"));
}

// The container port number a service port reaches on this pod, or -1 when a named target
// port is not declared by the pod.
int ResolveTargetPort(const Json& service_port, const Json& pod) {
  const Json target = service_port.value("targetPort", Json(service_port.value("port", 0)));
  if (target.is_number_integer()) return target.get<int>();
  if (!target.is_string()) return -1;
  const std::string wanted = target.get<std::string>();
  for (const Json& container : pod.value("/spec/containers"_json_pointer, Json::array())) {
    for (const Json& port : container.value("ports", Json::array())) {
      if (port.value("name", "") == wanted && Protocol(port) == Protocol(service_port))
        return port.value("containerPort", -1);
    }
  }
  // A numeric string is a port number too (kubectl may send one).
  if (!wanted.empty() && std::all_of(wanted.begin(), wanted.end(), ::isdigit))
    return std::stoi(wanted);
  return -1;
}

std::string ShortHash(const std::string& text) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(hash >> shift) & 0xf];
  return out;
}

}  // namespace

bool ServiceWantsSlices(const Json& service) {
  const Json selector = service.value("/spec/selector"_json_pointer, Json::object());
  return selector.is_object() && !selector.empty() && Str(service, "/spec/type") != "ExternalName";
}

bool SelectorMatches(const Json& selector, const Json& pod) {
  const Json labels = pod.value("/metadata/labels"_json_pointer, Json::object());
  for (const auto& [key, value] : selector.items()) {
    auto it = labels.find(key);
    if (it == labels.end() || *it != value) return false;
  }
  return true;
}

std::vector<Json> DesiredEndpointSlices(const Json& service, const std::vector<Json>& pods) {
  const std::string name = Str(service, "/metadata/name");
  const std::string ns = Str(service, "/metadata/namespace");
  const Json selector = service.value("/spec/selector"_json_pointer, Json::object());
  const Json service_ports = service.value("/spec/ports"_json_pointer, Json::array());

  // (address type, ports) -> endpoints, each endpoint keyed by pod name for a stable order.
  std::map<std::pair<std::string, std::string>, std::map<std::string, Json>> groups;
  std::map<std::string, Json> ports_of;  // ports dump -> ports array
  for (const Json& pod : pods) {
    if (PodIsTerminal(pod) || !SelectorMatches(selector, pod)) continue;
    Json ports = Json::array();
    for (const Json& service_port : service_ports) {
      const int number = ResolveTargetPort(service_port, pod);
      if (number <= 0) continue;
      Json port = {{"name", service_port.value("name", "")},
                   {"port", number},
                   {"protocol", Protocol(service_port)}};
      if (service_port.contains("appProtocol")) port["appProtocol"] = service_port["appProtocol"];
      ports.push_back(std::move(port));
    }
    const bool ready = PodReady(pod);
    for (const std::string& ip : PodIps(pod)) {
      const std::string family = ip.find(':') == std::string::npos ? "IPv4" : "IPv6";
      Json endpoint = {
          {"addresses", {ip}},
          {"conditions", {{"ready", ready}, {"serving", ready}, {"terminating", false}}},
          {"targetRef",
           {{"kind", "Pod"},
            {"namespace", ns},
            {"name", Str(pod, "/metadata/name")},
            {"uid", Str(pod, "/metadata/uid")}}}};
      const std::string node = Str(pod, "/spec/nodeName");
      if (!node.empty()) endpoint["nodeName"] = node;
      ports_of[ports.dump()] = ports;
      groups[{family, ports.dump()}][Str(pod, "/metadata/name")] = std::move(endpoint);
    }
  }

  // A selector that matches nothing still gets one slice, without endpoints, as upstream keeps
  // it: consumers tell "no endpoints" from "not yet synced". Its family is the service's.
  if (groups.empty()) {
    const Json families = service.value("/spec/ipFamilies"_json_pointer, Json::array());
    std::string family =
        Str(service, "/spec/clusterIP").find(':') == std::string::npos ? "IPv4" : "IPv6";
    if (!families.empty() && families[0].is_string()) family = families[0].get<std::string>();
    groups[{family, ""}];
  }

  std::vector<Json> slices;
  for (auto& [group, endpoints] : groups) {
    const auto& [family, ports_key] = group;
    Json endpoint_list = Json::array();
    for (auto& [pod_name, endpoint] : endpoints) endpoint_list.push_back(std::move(endpoint));
    Json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                  {"kind", "EndpointSlice"},
                  {"metadata",
                   {{"name", name + "-" + ShortHash(family + ports_key)},
                    {"namespace", ns},
                    {"labels", {{kServiceNameLabel, name}, {kManagedByLabel, kManagedByValue}}},
                    {"ownerReferences", Json::array({{{"apiVersion", "v1"},
                                                      {"kind", "Service"},
                                                      {"name", name},
                                                      {"uid", Str(service, "/metadata/uid")},
                                                      {"controller", true},
                                                      {"blockOwnerDeletion", true}}})}}},
                  {"addressType", family},
                  {"endpoints", std::move(endpoint_list)}};
    if (!ports_key.empty()) slice["ports"] = ports_of[ports_key];
    slices.push_back(std::move(slice));
  }
  std::sort(slices.begin(), slices.end(), [](const Json& a, const Json& b) {
    return a["metadata"]["name"] < b["metadata"]["name"];
  });
  return slices;
}

bool SliceNeedsUpdate(const Json& existing, const Json& desired) {
  for (const char* field : {"addressType", "endpoints", "ports"}) {
    if (existing.value(field, Json()) != desired.value(field, Json())) return true;
  }
  const Json labels = existing.value("/metadata/labels"_json_pointer, Json::object());
  for (const auto& [key, value] : desired["metadata"]["labels"].items()) {
    if (labels.value(key, Json()) != value) return true;
  }
  return existing.value("/metadata/ownerReferences"_json_pointer, Json()) !=
         desired["metadata"]["ownerReferences"];
}

}  // namespace kr::sandbox
