// The topics of the state bus (proto/SPEC.md section 2): one per object kind, plus "$bus".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/model/model.h"

namespace kr::bus {

enum class Topic : uint8_t {
  kServices,
  kEndpoints,
  kPods,
  kNodes,
  kNamespaces,
  kNetworkPolicies,
};

inline constexpr size_t kTopicCount = 6;
inline constexpr std::array<Topic, kTopicCount> kAllTopics = {
    Topic::kServices, Topic::kEndpoints,  Topic::kPods,
    Topic::kNodes,    Topic::kNamespaces, Topic::kNetworkPolicies};

// Heartbeats, in-sync markers and snapshot ends travel on this topic; every consumer
// subscribes to it.
inline constexpr std::string_view kControlTopic = "$bus";

// Per-topic values (sequences, counts), indexed by the topic's enum value.
template <typename T>
using PerTopic = std::array<T, kTopicCount>;

constexpr size_t Index(Topic topic) {
  return static_cast<size_t>(topic);
}

std::string_view TopicName(Topic topic);
std::optional<Topic> ParseTopic(std::string_view name);

// The schema major version this build understands for each topic's objects.
model::SchemaVersion SupportedSchema(Topic topic);

// Maps a model type to its topic: TopicOf<model::Pod>::value == Topic::kPods.
template <typename T>
struct TopicOf;
template <>
struct TopicOf<model::Service> {
  static constexpr Topic value = Topic::kServices;
};
template <>
struct TopicOf<model::Endpoints> {
  static constexpr Topic value = Topic::kEndpoints;
};
template <>
struct TopicOf<model::Pod> {
  static constexpr Topic value = Topic::kPods;
};
template <>
struct TopicOf<model::Node> {
  static constexpr Topic value = Topic::kNodes;
};
template <>
struct TopicOf<model::Namespace> {
  static constexpr Topic value = Topic::kNamespaces;
};
template <>
struct TopicOf<model::NetworkPolicy> {
  static constexpr Topic value = Topic::kNetworkPolicies;
};

}  // namespace kr::bus
