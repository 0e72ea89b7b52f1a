// A list of ipset commands applied in one go, like `ipset restore`: the bulk path for creating
// sets with thousands of members and for atomic replacement (fill a temporary set, swap it
// with the live one, destroy the temporary).
#pragma once

#include <string>
#include <vector>

#include "common/ipset/ipset_types.h"

namespace kr::ipset {

struct IpsetOp {
  enum class Kind { kCreate, kAdd, kDel, kFlush, kSwap, kDestroy };
  Kind kind = Kind::kCreate;
  SetSpec spec;        // kCreate: the whole spec; others: spec.name is the set
  std::string member;  // kAdd / kDel
  std::string other;   // kSwap: the second set

  bool operator==(const IpsetOp&) const = default;
};

// Commands run in order; application stops at the first failing one (line = index + 1).
class IpsetBatch {
 public:
  void Create(const SetSpec& spec);
  void Add(const std::string& set, const std::string& member);
  void Del(const std::string& set, const std::string& member);
  void Flush(const std::string& set);
  void Swap(const std::string& set, const std::string& other);
  void Destroy(const std::string& set);

  const std::vector<IpsetOp>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  std::size_t size() const { return ops_.size(); }

  // `ipset restore` syntax, one command per line, each ending in '\n'.
  std::string ToRestoreText() const;

 private:
  std::vector<IpsetOp> ops_;
};

}  // namespace kr::ipset
