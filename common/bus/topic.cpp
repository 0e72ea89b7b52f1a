#include "common/bus/topic.h"

namespace kr::bus {

std::string_view TopicName(Topic topic) {
  switch (topic) {
    case Topic::kServices:
      return "services";
    case Topic::kEndpoints:
      return "endpoints";
    case Topic::kPods:
      return "pods";
    case Topic::kNodes:
      return "nodes";
    case Topic::kNamespaces:
      return "namespaces";
    case Topic::kNetworkPolicies:
      return "networkpolicies";
  }
  return "";
}

std::optional<Topic> ParseTopic(std::string_view name) {
  for (Topic topic : kAllTopics) {
    if (TopicName(topic) == name) return topic;
  }
  return std::nullopt;
}

model::SchemaVersion SupportedSchema(Topic topic) {
  switch (topic) {
    case Topic::kServices:
      return model::Service::kSchema;
    case Topic::kEndpoints:
      return model::Endpoints::kSchema;
    case Topic::kPods:
      return model::Pod::kSchema;
    case Topic::kNodes:
      return model::Node::kSchema;
    case Topic::kNamespaces:
      return model::Namespace::kSchema;
    case Topic::kNetworkPolicies:
      return model::NetworkPolicy::kSchema;
  }
  return {};
}

}  // namespace kr::bus
