// The ipset seam: every daemon that programs ipsets talks to this interface, so the pure logic
// above it can be tested against FakeIpsetClient and run against LibipsetClient.
//
// Errors carry errno values as the kernel means them:
//   ENOENT  the set (or, for Del, the member) does not exist
//   EEXIST  Create of an existing set name, Add of a present member
//   EBUSY   Destroy of a set an iptables rule (or another kernel user) still references
//   EINVAL  bad name, bad member text, Swap of sets with different types or families
// Sets live per network namespace: a client acts in the namespace it was created in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/ipset/ipset_batch.h"
#include "common/ipset/ipset_types.h"

namespace kr::ipset {

class IpsetClient {
 public:
  virtual ~IpsetClient() = default;

  virtual Status Create(const SetSpec& spec) = 0;
  virtual Status Add(std::string_view set, std::string_view member) = 0;
  virtual Status Del(std::string_view set, std::string_view member) = 0;
  virtual Status Flush(std::string_view set) = 0;
  // Exchanges the contents (and names) of two sets of the same type and family atomically:
  // rules referencing `set` see the other set's members from then on.
  virtual Status Swap(std::string_view set, std::string_view other) = 0;
  virtual Status Destroy(std::string_view set) = 0;

  // Sets whose name starts with `name_prefix` ("" lists all), with their members.
  virtual Expected<std::vector<SetContent>> List(std::string_view name_prefix) = 0;

  // Runs the batch in order and stops at the first failure, whose Error names the batch line
  // ("line N: ..."); commands before it stay applied, as with `ipset restore`.
  virtual Status Restore(const IpsetBatch& batch) = 0;
};

}  // namespace kr::ipset
