// The C++ side of the cross-language bus test (bus_consumer_test.py): a Subscriber that
// mirrors every topic. Each stdin line is a target {"epoch": "...", "inSync": b, "seqs":
// {topic: seq}}; once the view is at that epoch, in-sync state and sequences (or after 60 s),
// it prints the view as one JSON line
// {topic: {key: object}}. End of input stops it.
#include <iostream>
#include <mutex>
#include <thread>

#include "common/bus/bus.h"

int main(int argc, char** argv) {
  using namespace kr::bus;
  if (argc != 3 || std::string(argv[1]) != "--bus-dir") {
    std::cerr << "usage: bus_example_subscriber --bus-dir DIR\n";
    return 2;
  }
  SubscriberOptions options;
  options.address = BusAddress::InDirectory(argv[2]);
  options.snapshot_timeout = std::chrono::milliseconds(3000);
  Subscriber subscriber(options);
  std::mutex mu;
  nlohmann::json view = nlohmann::json::object();
  for (Topic topic : kAllTopics) {
    std::string name(TopicName(topic));
    view[name] = nlohmann::json::object();
    subscriber.OnRaw(
        topic,
        [&, name](const std::string& key, const nlohmann::json& value) {
          std::lock_guard lock(mu);
          view[name][key] = value;
          return kr::Status::Ok();
        },
        [&, name](const std::string& key) {
          std::lock_guard lock(mu);
          view[name].erase(key);
        });
  }
  if (auto status = subscriber.Start(); !status) {
    std::cerr << "subscriber: " << status.error().message << "\n";
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    auto target = nlohmann::json::parse(line);
    const uint64_t epoch = std::stoull(target.at("epoch").get<std::string>());
    auto reached = [&] {
      auto stats = subscriber.Stats();
      if (stats.in_sync != target.at("inSync").get<bool>() || stats.epoch != epoch) return false;
      for (Topic topic : kAllTopics) {
        if (stats.seqs[Index(topic)] < target.at("seqs").at(std::string(TopicName(topic)))) {
          return false;
        }
      }
      return true;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!reached() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::lock_guard lock(mu);
    std::cout << view.dump() << std::endl;
  }
  return 0;
}
