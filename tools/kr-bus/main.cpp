// kr-bus: look at the state bus (proto/SPEC.md) as a person would.
//   kr-bus [--bus-dir=DIR | --endpoint=UPDATES,SNAPSHOT] tap [--topic=T]... [--heartbeats]
//   kr-bus ... snapshot [--topic=T]... [--compact]
//   kr-bus ... stats [--seconds=S]
// Flags take the daemons' syntax (common/flags): --name=value or --name value.
#include <iostream>
#include <string>
#include <vector>

#include "common/flags/common_flags.h"
#include "common/flags/flag_set.h"
#include "tools/kr-bus/commands.h"

namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "kr-bus: " << message << "\nRun 'kr-bus --help' for usage.\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kr;
  // The daemons' default bus directory (common/flags/common_flags.h).
  std::string bus_dir = flags::CommonFlags{}.bus_dir;
  std::string endpoint;
  std::vector<std::string> topics;
  bool compact = false;
  bool heartbeats = false;
  uint64_t count = 0;
  uint32_t seconds = 0;
  uint32_t timeout_ms = 10000;

  flags::FlagSet fs("kr-bus",
                    "Looks at the kr-node state bus (proto/SPEC.md). Commands: tap (every delta "
                    "as one JSON line), snapshot (the current state as JSON), stats (epoch, "
                    "sequences, deltas per second).");
  fs.String("bus-dir", &bus_dir, "bus directory holding updates.sock and snapshot.sock");
  fs.String("endpoint", &endpoint,
            "ZeroMQ endpoints `UPDATES,SNAPSHOT` instead of --bus-dir, e.g. "
            "tcp://127.0.0.1:7001,tcp://127.0.0.1:7002");
  fs.StringSlice("topic", &topics,
                 "only these topics: services, endpoints, pods, nodes, namespaces, "
                 "networkpolicies (default all)");
  fs.Bool("compact", &compact, "one-line JSON (snapshot, stats)");
  fs.Bool("heartbeats", &heartbeats, "tap: also print heartbeats and in-sync markers ($bus)");
  fs.Uint64("count", &count, "tap: exit after this many lines (0: no limit)");
  fs.Uint32("seconds", &seconds,
            "tap: exit after this many seconds (0: no limit); stats: "
            "listen this long (0: 3 s)");
  fs.Uint32("timeout-ms", &timeout_ms, "snapshot: give up after this many milliseconds");
  const std::vector<std::string> args = fs.ParseOrExit(argc, argv);
  if (args.size() != 1) Fail(args.empty() ? "no command" : "one command expected");
  const std::string& command = args[0];

  busctl::CommonOptions common;
  common.compact = compact;
  common.address = bus::BusAddress::InDirectory(bus_dir);
  if (!endpoint.empty()) {
    const auto comma = endpoint.find(',');
    if (comma == std::string::npos) Fail("--endpoint wants UPDATES,SNAPSHOT");
    common.address = bus::BusAddress{endpoint.substr(0, comma), endpoint.substr(comma + 1)};
  }
  for (const std::string& name : topics) {
    auto topic = bus::ParseTopic(name);
    if (!topic) Fail("unknown topic " + name);
    common.topics.push_back(*topic);
  }
  busctl::TapOptions tap;
  tap.heartbeats = heartbeats;
  if (count > 0) tap.count = count;
  if (seconds > 0) tap.seconds = seconds;

  busctl::InstallStopHandlers();
  try {
    if (command == "tap") return busctl::Tap(common, tap);
    if (command == "snapshot") {
      return busctl::PrintSnapshot(common, std::chrono::milliseconds(timeout_ms));
    }
    if (command == "stats") return busctl::PrintStats(common, seconds > 0 ? seconds : 3.0);
  } catch (const zmq::error_t& e) {
    std::cerr << "kr-bus: " << e.what() << "\n";
    return 1;
  }
  Fail("unknown command " + command);
}
