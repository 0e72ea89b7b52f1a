#include "common/ipset/fake_ipset_client.h"

#include "common/ipset/ipset_member.h"

namespace kr::ipset {
namespace {

Error NoSuchSet(std::string_view set) {
  return Error{ENOENT, "The set with the given name does not exist: " + std::string(set)};
}

}  // namespace

Expected<FakeIpsetClient::FakeSet*> FakeIpsetClient::Find(std::string_view set) {
  auto it = sets_.find(set);
  if (it == sets_.end()) return NoSuchSet(set);
  return &it->second;
}

Status FakeIpsetClient::Create(const SetSpec& spec) {
  if (spec.name.empty() || spec.name.size() > kMaxSetNameLength ||
      spec.name.find_first_of(" \t\n") != std::string::npos) {
    return Error{EINVAL, "invalid ipset set name \"" + spec.name + "\""};
  }
  if (sets_.count(spec.name) != 0) {
    return Error{EEXIST,
                 "Set cannot be created: set with the same name already exists: " + spec.name};
  }
  sets_.emplace(spec.name, FakeSet{SetContent{spec, {}}, 0});
  ++mutations_;
  return {};
}

Status FakeIpsetClient::Add(std::string_view set, std::string_view member) {
  auto found = Find(set);
  if (!found) return found.error();
  const SetSpec& spec = (*found)->content.spec;
  auto canonical = CanonicalMember(spec.type, spec.family, member);
  if (!canonical) return canonical.error();
  if (!(*found)->content.members.insert(*canonical).second) {
    return Error{EEXIST, "Element cannot be added to the set: it's already added: " + *canonical};
  }
  ++mutations_;
  return {};
}

Status FakeIpsetClient::Del(std::string_view set, std::string_view member) {
  auto found = Find(set);
  if (!found) return found.error();
  const SetSpec& spec = (*found)->content.spec;
  auto canonical = CanonicalMember(spec.type, spec.family, member);
  if (!canonical) return canonical.error();
  if ((*found)->content.members.erase(*canonical) == 0) {
    return Error{ENOENT, "Element cannot be deleted from the set: it's not added: " + *canonical};
  }
  ++mutations_;
  return {};
}

Status FakeIpsetClient::Flush(std::string_view set) {
  auto found = Find(set);
  if (!found) return found.error();
  (*found)->content.members.clear();
  ++mutations_;
  return {};
}

Status FakeIpsetClient::Swap(std::string_view set, std::string_view other) {
  auto first = Find(set);
  if (!first) return first.error();
  auto second = Find(other);
  if (!second) {
    return Error{ENOENT,
                 "Sets cannot be swapped: the second set does not exist: " + std::string(other)};
  }
  SetSpec& a = (*first)->content.spec;
  SetSpec& b = (*second)->content.spec;
  if (a.type != b.type || a.family != b.family) {
    return Error{EINVAL, "The sets cannot be swapped: their type does not match"};
  }
  // Names and references stay where they are; the member sets move, as in the kernel where
  // rules follow the name.
  std::swap((*first)->content.members, (*second)->content.members);
  ++mutations_;
  return {};
}

Status FakeIpsetClient::Destroy(std::string_view set) {
  auto found = Find(set);
  if (!found) return found.error();
  if ((*found)->references > 0) {
    return Error{
        EBUSY, "Set cannot be destroyed: it is in use by a kernel component: " + std::string(set)};
  }
  sets_.erase(sets_.find(set));
  ++mutations_;
  return {};
}

Expected<std::vector<SetContent>> FakeIpsetClient::List(std::string_view name_prefix) {
  std::vector<SetContent> result;
  for (const auto& [name, set] : sets_) {
    if (name.compare(0, name_prefix.size(), name_prefix) == 0) result.push_back(set.content);
  }
  return result;
}

Status FakeIpsetClient::Apply(const IpsetOp& op) {
  switch (op.kind) {
    case IpsetOp::Kind::kCreate:
      return Create(op.spec);
    case IpsetOp::Kind::kAdd:
      return Add(op.spec.name, op.member);
    case IpsetOp::Kind::kDel:
      return Del(op.spec.name, op.member);
    case IpsetOp::Kind::kFlush:
      return Flush(op.spec.name);
    case IpsetOp::Kind::kSwap:
      return Swap(op.spec.name, op.other);
    case IpsetOp::Kind::kDestroy:
      return Destroy(op.spec.name);
  }
  return Error{EINVAL, "unknown ipset op"};
}

Status FakeIpsetClient::Restore(const IpsetBatch& batch) {
  for (std::size_t i = 0; i < batch.ops().size(); ++i) {
    if (Status s = Apply(batch.ops()[i]); !s) {
      return Error{s.error().code, "line " + std::to_string(i + 1) + ": " + s.error().message};
    }
  }
  return {};
}

Status FakeIpsetClient::AddReference(std::string_view set) {
  auto found = Find(set);
  if (!found) return found.error();
  ++(*found)->references;
  return {};
}

Status FakeIpsetClient::RemoveReference(std::string_view set) {
  auto found = Find(set);
  if (!found) return found.error();
  if ((*found)->references == 0) return Error{EINVAL, "set has no references"};
  --(*found)->references;
  return {};
}

}  // namespace kr::ipset
