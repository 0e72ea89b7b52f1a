// Merges the EndpointSlices of each service into the one Endpoints object the bus carries.
//
// A service's endpoints may span several slices, and an endpoint may sit in two slices for a
// moment while the controller moves it; the merge keeps one entry per (address, ports), the
// most ready one, in a stable order, so equal states give equal objects and no spurious deltas.
//
// Not thread-safe: owned by the informer's EndpointSlice handler.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/model/endpoints.h"
#include "services/informer/normalize/normalize.h"

namespace kr::informer {

class EndpointsMerger {
 public:
  struct Change {
    std::string service_key;
    std::optional<model::Endpoints> merged;  // nullopt: no slice left, delete the object
  };

  // A slice appeared or changed; returns the services whose endpoints must be republished
  // (two when the slice moved from one service to another).
  std::vector<Change> Upsert(const std::string& slice_key, EndpointSliceShare share);
  std::vector<Change> Delete(const std::string& slice_key);

  size_t slice_count() const { return slices_.size(); }

 private:
  Change Merge(const std::string& service_key) const;

  std::map<std::string, EndpointSliceShare> slices_;                // slice key -> share
  std::map<std::string, std::set<std::string>> slices_by_service_;  // service key -> slices
};

}  // namespace kr::informer
