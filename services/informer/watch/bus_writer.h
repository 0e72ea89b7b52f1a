// What the informer's sinks need from the bus publisher, as an interface so the sinks are
// unit-tested against a map in memory.
//
// Objects arrive already encoded as the bus carries them (CBOR, model::EncodeCbor): encoding
// straight from the struct costs a fraction of building a JSON tree and encoding that.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/base/expected.h"
#include "common/bus/topic.h"
#include "common/model/schema_version.h"

namespace kr::informer {

class BusWriter {
 public:
  virtual ~BusWriter() = default;
  virtual Status Upsert(bus::Topic topic, const std::string& key, std::string cbor,
                        model::SchemaVersion schema) = 0;
  virtual Status Delete(bus::Topic topic, const std::string& key) = 0;
  virtual void MarkInSync() = 0;

  // Open while alive: what is written meanwhile may travel together (one bus BATCH per
  // topic). Must end before the writer blocks waiting for more input.
  class Batch {
   public:
    virtual ~Batch() = default;
  };
  virtual std::unique_ptr<Batch> BeginBatch() { return nullptr; }
  // About this many objects of the topic are coming (sizes the publisher's map once).
  virtual void Reserve(bus::Topic topic, size_t objects) {
    (void)topic;
    (void)objects;
  }
};

}  // namespace kr::informer
