// Which fields of an apiserver object a consumer reads, so that parsing can skip the rest
// (managedFields, unrelated annotations, container images, status conditions, ...) instead of
// building them into a JSON tree only to throw them away.
//
// A filter is a tree of member names. Arrays are transparent: the filter of a list applies to
// each of its entries, so "spec.containers.ports" keeps the ports of every container and
// nothing else of them. A kept member keeps its whole value whatever its type, so a consumer
// still sees (and rejects) a field of the wrong type.
//
//   FieldFilter pods = FieldFilter::Only({"metadata.labels", "spec.nodeName", "status.podIPs"});
//   pods.KeepMembersWithPrefix("metadata.annotations", "kube-router.io/");
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kr::kube {

class FieldFilter {
 public:
  // One level of the tree: members kept whole, members filtered further, prefixes of member
  // names kept whole. A node with none of them keeps an empty object.
  struct Node {
    bool everything = false;
    std::map<std::string, Node, std::less<>> members;
    std::vector<std::string> prefixes;

    // The filter for the value of member `name`, or nullptr when it is dropped. Sets `whole`
    // when the value is kept entirely (the returned node is then irrelevant).
    const Node* Member(std::string_view name, bool& whole) const;
  };

  // Keeps every field (no filtering).
  static FieldFilter Everything();
  // Keeps the given dot-separated paths, each with everything below it.
  static FieldFilter Only(std::initializer_list<std::string_view> paths);

  // Also keeps `path` (no-op when an enclosing path is already kept whole).
  FieldFilter& Keep(std::string_view path);
  // Keeps the members of the object at `path` whose names start with `prefix`.
  FieldFilter& KeepMembersWithPrefix(std::string_view path, std::string_view prefix);

  bool keeps_everything() const { return root_->everything; }
  // Null when everything is kept.
  const Node* root() const { return root_->everything ? nullptr : root_.get(); }

 private:
  explicit FieldFilter(bool everything);
  // The node at `path`, created on the way; nullptr when a prefix of it is kept whole.
  Node* Walk(std::string_view path);

  // Shared so that copies (one per reflector option set) stay cheap; never changed once a
  // parse uses it.
  std::shared_ptr<Node> root_;
};

}  // namespace kr::kube
