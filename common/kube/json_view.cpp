#include "common/kube/json_view.h"

namespace kr::kube {

using nlohmann::json;

JsonView JsonView::find(std::string_view name) const {
  if (!is_object()) return {};
  JsonView found;
  for (JsonView member : *this) {
    if (member.key() == name) found = member;
  }
  return found;
}

json JsonView::ToJson() const {
  switch (type()) {
    case Type::kAbsent:
    case Type::kNull:
      break;
    case Type::kBool:
      return json(boolean());
    case Type::kInt:
      return json(node_->integer);
    case Type::kUint:
      return json(node_->unsigned_integer);
    case Type::kDouble:
      return json(node_->number);
    case Type::kString:
      return json(std::string(string()));
    case Type::kObject: {
      json out = json::object();
      for (JsonView member : *this) out[std::string(member.key())] = member.ToJson();
      return out;
    }
    case Type::kArray: {
      json out = json::array();
      for (JsonView entry : *this) out.push_back(entry.ToJson());
      return out;
    }
  }
  return json(nullptr);
}

void JsonDoc::Clear() {
  nodes_.clear();
  open_.clear();
  kept_used_ = 0;
}

JsonView::Node& JsonDoc::Add(std::string_view key, Type type) {
  if (!open_.empty()) {
    JsonView::Node& parent = nodes_[open_.back()];
    ++parent.count;
    if (parent.type != Type::kObject) key = {};
  }
  JsonView::Node& node = nodes_.emplace_back();
  node.type = type;
  node.key = key;
  return node;
}

void JsonDoc::Open(std::string_view key, Type type) {
  Add(key, type);
  open_.push_back(static_cast<uint32_t>(nodes_.size() - 1));
}

void JsonDoc::Close() {
  JsonView::Node& node = nodes_[open_.back()];
  node.span = static_cast<uint32_t>(nodes_.size() - open_.back());
  open_.pop_back();
}

std::string_view JsonDoc::Keep(std::string_view text) {
  if (kept_used_ == kept_.size()) kept_.emplace_back();
  std::string& slot = kept_[kept_used_++];
  slot.assign(text);
  return slot;
}

void JsonDoc::Assign(const json& value) {
  Clear();
  AddTree({}, value);
}

void JsonDoc::AddTree(std::string_view key, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      OpenObject(key);
      for (auto it = value.begin(); it != value.end(); ++it) AddTree(it.key(), it.value());
      Close();
      return;
    case json::value_t::array:
      OpenArray(key);
      for (const json& entry : value) AddTree({}, entry);
      Close();
      return;
    case json::value_t::string:
      AddString(key, value.get_ref<const std::string&>());
      return;
    case json::value_t::boolean:
      AddBool(key, value.get<bool>());
      return;
    case json::value_t::number_integer:
      AddInt(key, value.get<int64_t>());
      return;
    case json::value_t::number_unsigned:
      AddUint(key, value.get<uint64_t>());
      return;
    case json::value_t::number_float:
      AddDouble(key, value.get<double>());
      return;
    case json::value_t::null:
    case json::value_t::binary:
    case json::value_t::discarded:
      AddNull(key);
      return;
  }
}

}  // namespace kr::kube
