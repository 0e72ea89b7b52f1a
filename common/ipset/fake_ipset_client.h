// A stateful in-memory IpsetClient that answers like the kernel (same errno values, members in
// canonical form), for unit tests of code above the seam. Not thread-safe.
#pragma once

#include <map>
#include <string>

#include "common/ipset/ipset_client.h"

namespace kr::ipset {

class FakeIpsetClient final : public IpsetClient {
 public:
  Status Create(const SetSpec& spec) override;
  Status Add(std::string_view set, std::string_view member) override;
  Status Del(std::string_view set, std::string_view member) override;
  Status Flush(std::string_view set) override;
  Status Swap(std::string_view set, std::string_view other) override;
  Status Destroy(std::string_view set) override;
  Expected<std::vector<SetContent>> List(std::string_view name_prefix) override;
  Status Restore(const IpsetBatch& batch) override;

  // Stand-ins for `-m set --match-set NAME` rules: a referenced set cannot be destroyed.
  Status AddReference(std::string_view set);
  Status RemoveReference(std::string_view set);

  // Commands that changed state since construction (failed ones are not counted), so tests
  // can check that a sync did the minimal amount of work.
  std::size_t mutations() const { return mutations_; }

 private:
  struct FakeSet {
    SetContent content;
    int references = 0;
  };

  Expected<FakeSet*> Find(std::string_view set);
  Status Apply(const IpsetOp& op);

  std::map<std::string, FakeSet, std::less<>> sets_;
  std::size_t mutations_ = 0;
};

}  // namespace kr::ipset
