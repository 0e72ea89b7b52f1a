// kr-bus stats: listens for a while and reports the epoch, each topic's sequence and its
// rate of deltas (from the sequences in the first and last heartbeat heard).
#include <iostream>

#include "tools/kr-bus/commands.h"

namespace kr::busctl {
namespace {

struct Observation {
  std::chrono::steady_clock::time_point at;
  bus::BusStatus status;
  uint64_t epoch = 0;
};

}  // namespace

int PrintStats(const CommonOptions& common, double seconds) {
  zmq::context_t context;
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, bus::kControlTopic);
  sub.connect(common.address.updates);

  std::optional<Observation> first, last;
  uint64_t epoch_changes = 0;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(seconds));
  while (!StopRequested() && std::chrono::steady_clock::now() < deadline) {
    std::vector<zmq::pollitem_t> items{{sub.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, std::chrono::milliseconds(100));
    } catch (const zmq::error_t&) {
      continue;
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    if (!bus::ReceiveMessage(sub, frames, true)) continue;
    auto message = bus::ParseMessage(frames);
    if (!message || message->topic) continue;
    auto status = bus::DecodeStatus(message->body);
    if (!status) continue;
    Observation seen{std::chrono::steady_clock::now(), *status, message->header.epoch};
    if (first && seen.epoch != first->epoch) {
      ++epoch_changes;  // a restart: rates restart from this heartbeat
      first = seen;
    }
    if (!first) first = seen;
    last = seen;
  }
  if (!last) {
    std::cerr << "kr-bus stats: no heartbeat from " << common.address.updates << " in " << seconds
              << " s\n";
    return 1;
  }
  double elapsed = std::chrono::duration<double>(last->at - first->at).count();
  nlohmann::json seqs = nlohmann::json::object();
  nlohmann::json rates = nlohmann::json::object();
  for (const auto& [topic, seq] : last->status.seqs) {
    std::string name(bus::TopicName(topic));
    seqs[name] = seq;
    if (elapsed > 0) {
      auto it = first->status.seqs.find(topic);
      uint64_t before = it == first->status.seqs.end() ? 0 : it->second;
      rates[name] = static_cast<double>(seq - before) / elapsed;
    }
  }
  nlohmann::json document{{"epoch", EpochHex(last->epoch)},
                          {"inSync", last->status.in_sync},
                          {"heartbeatMs", last->status.heartbeat_ms},
                          {"seqs", seqs},
                          {"deltasPerSecond", rates},
                          {"measuredSeconds", elapsed},
                          {"epochChanges", epoch_changes}};
  std::cout << document.dump(common.compact ? -1 : 2) << "\n";
  return 0;
}

}  // namespace kr::busctl
