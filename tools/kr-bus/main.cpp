// kr-bus: look at the state bus (proto/SPEC.md) as a person would.
//   kr-bus [--bus-dir DIR | --endpoint UPDATES,SNAPSHOT] tap [--topic T]... [--heartbeats]
//   kr-bus ... snapshot [--topic T]... [--compact]
//   kr-bus ... stats [--seconds S]
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/kr-bus/commands.h"

namespace {

constexpr const char* kUsage = R"(Usage: kr-bus [options] COMMAND [command options]

Commands:
  tap        print every delta on the update socket as one JSON line
  snapshot   print the publisher's current state as JSON
  stats      print the epoch, each topic's sequence and deltas per second

Options:
  --bus-dir DIR           bus directory with updates.sock and snapshot.sock
                          (default /run/kr-node/bus)
  --endpoint UPD,SNAP     ZeroMQ endpoints instead, e.g. tcp://127.0.0.1:7001,tcp://127.0.0.1:7002
  --topic T               only this topic (repeatable): services, endpoints, pods, nodes,
                          namespaces, networkpolicies
  --compact               one-line JSON (snapshot, stats)
  --heartbeats            tap: also print heartbeats and in-sync markers ($bus)
  --count N               tap: exit after N lines
  --seconds S             tap: exit after S seconds; stats: listen S seconds (default 3)
  --timeout-ms MS         snapshot: give up after MS milliseconds (default 10000)
  -h, --help              this text
)";

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "kr-bus: " << message << "\n\n" << kUsage;
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kr;
  busctl::CommonOptions common;
  common.address = bus::BusAddress::InDirectory(bus::kDefaultBusDirectory);
  busctl::TapOptions tap;
  std::optional<double> seconds;
  long timeout_ms = 10000;
  std::string command;

  std::vector<std::string> args(argv + 1, argv + argc);
  auto value = [&](size_t& i) -> const std::string& {
    if (i + 1 >= args.size()) Fail(args[i] + " needs a value");
    return args[++i];
  };
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "--bus-dir") {
        common.address = bus::BusAddress::InDirectory(value(i));
      } else if (arg == "--endpoint") {
        const std::string& both = value(i);
        auto comma = both.find(',');
        if (comma == std::string::npos) Fail("--endpoint wants UPDATES,SNAPSHOT");
        common.address = bus::BusAddress{both.substr(0, comma), both.substr(comma + 1)};
      } else if (arg == "--topic") {
        auto topic = bus::ParseTopic(value(i));
        if (!topic) Fail("unknown topic " + args[i]);
        common.topics.push_back(*topic);
      } else if (arg == "--compact") {
        common.compact = true;
      } else if (arg == "--heartbeats") {
        tap.heartbeats = true;
      } else if (arg == "--count") {
        tap.count = std::stoull(value(i));
      } else if (arg == "--seconds") {
        seconds = std::stod(value(i));
      } else if (arg == "--timeout-ms") {
        timeout_ms = std::stol(value(i));
      } else if (!arg.empty() && arg[0] == '-') {
        Fail("unknown option " + arg);
      } else if (command.empty()) {
        command = arg;
      } else {
        Fail("unexpected argument " + arg);
      }
    }
  } catch (const std::logic_error&) {  // stoull/stod: invalid_argument, out_of_range
    Fail("bad number in the arguments");
  }

  busctl::InstallStopHandlers();
  try {
    if (command == "tap") {
      tap.seconds = seconds;
      return busctl::Tap(common, tap);
    }
    if (command == "snapshot") {
      return busctl::PrintSnapshot(common, std::chrono::milliseconds(timeout_ms));
    }
    if (command == "stats") return busctl::PrintStats(common, seconds.value_or(3.0));
  } catch (const zmq::error_t& e) {
    std::cerr << "kr-bus: " << e.what() << "\n";
    return 1;
  }
  Fail(command.empty() ? "no command" : "unknown command " + command);
}
