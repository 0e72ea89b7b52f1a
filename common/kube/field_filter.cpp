#include "common/kube/field_filter.h"

namespace kr::kube {

const FieldFilter::Node* FieldFilter::Node::Member(std::string_view name, bool& whole) const {
  whole = false;
  if (auto it = members.find(name); it != members.end()) {
    whole = it->second.everything;
    return &it->second;
  }
  for (const std::string& prefix : prefixes) {
    if (name.substr(0, prefix.size()) == prefix) {
      whole = true;
      return this;
    }
  }
  return nullptr;
}

FieldFilter::FieldFilter(bool everything) : root_(std::make_shared<Node>()) {
  root_->everything = everything;
}

FieldFilter FieldFilter::Everything() {
  return FieldFilter(true);
}

FieldFilter FieldFilter::Only(std::initializer_list<std::string_view> paths) {
  FieldFilter filter(false);
  for (std::string_view path : paths) filter.Keep(path);
  return filter;
}

FieldFilter::Node* FieldFilter::Walk(std::string_view path) {
  // Copy on write: a filter already handed to a parser must not change under it.
  if (root_.use_count() > 1) root_ = std::make_shared<Node>(*root_);
  Node* node = root_.get();
  while (!path.empty()) {
    if (node->everything) return nullptr;
    const size_t dot = path.find('.');
    const std::string_view name = path.substr(0, dot);
    auto it = node->members.find(name);
    if (it == node->members.end()) it = node->members.emplace(std::string(name), Node{}).first;
    node = &it->second;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return node->everything ? nullptr : node;
}

FieldFilter& FieldFilter::Keep(std::string_view path) {
  if (Node* node = Walk(path)) {
    node->everything = true;
    node->members.clear();
    node->prefixes.clear();
  }
  return *this;
}

FieldFilter& FieldFilter::KeepMembersWithPrefix(std::string_view path, std::string_view prefix) {
  if (Node* node = Walk(path)) node->prefixes.emplace_back(prefix);
  return *this;
}

}  // namespace kr::kube
