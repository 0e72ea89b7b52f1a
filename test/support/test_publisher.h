// The bus publisher the daemon tests feed their daemons from: ipc sockets in `directory`
// (files, so a daemon in any network namespace of the test reaches them) and a short
// heartbeat, so that a daemon notices the publisher quickly. Header-only: the tests that use
// it already link kr_bus_dep.
//
//   auto publisher = test::StartTestPublisher(dir.path() + "/bus");
//   publisher->Upsert(node);
//   publisher->MarkInSync();
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/bus/publisher.h"

namespace kr::test {

// Throws when the publisher cannot start: a test's fixture cannot go on without it.
inline std::unique_ptr<bus::Publisher> StartTestPublisher(const std::string& directory) {
  auto created = bus::Publisher::Create({.address = bus::BusAddress::InDirectory(directory),
                                         .bus_directory = directory,
                                         .heartbeat_interval = std::chrono::milliseconds(200)});
  if (!created) throw std::runtime_error("publisher: " + created.error().message);
  return std::move(*created);
}

}  // namespace kr::test
