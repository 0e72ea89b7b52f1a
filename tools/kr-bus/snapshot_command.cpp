// kr-bus snapshot: the publisher's current state, as one JSON document.
#include <iostream>

#include "tools/kr-bus/commands.h"

namespace kr::busctl {

int PrintSnapshot(const CommonOptions& common, std::chrono::milliseconds timeout) {
  zmq::context_t context;
  auto snapshot = bus::FetchSnapshot(context, common.address.snapshot, common.topics, timeout);
  if (!snapshot) {
    std::cerr << "kr-bus snapshot: " << snapshot.error().message << "\n";
    return 1;
  }
  nlohmann::json seqs = nlohmann::json::object();
  nlohmann::json objects = nlohmann::json::object();
  for (bus::Topic topic : bus::kAllTopics) {
    if (!snapshot->requested[bus::Index(topic)]) continue;
    std::string name(bus::TopicName(topic));
    seqs[name] = snapshot->seqs[bus::Index(topic)];
    nlohmann::json& out = objects[name] = nlohmann::json::object();
    for (const auto& [key, object] : snapshot->objects[bus::Index(topic)]) {
      auto value = nlohmann::json::from_cbor(object.body, true, false);
      out[key] = value.is_discarded() ? nlohmann::json{{"error", "body is not valid CBOR"}}
                                      : std::move(value);
    }
  }
  nlohmann::json document{{"epoch", EpochHex(snapshot->epoch)},
                          {"inSync", snapshot->in_sync},
                          {"seqs", seqs},
                          {"objects", objects}};
  std::cout << document.dump(common.compact ? -1 : 2) << "\n";
  return 0;
}

}  // namespace kr::busctl
