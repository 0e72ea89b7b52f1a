#include "common/kube/filtered_parse.h"

#include <vector>

#include "common/kube/json_scanner.h"

namespace kr::kube {

namespace {

using nlohmann::json;
using Node = FieldFilter::Node;

// A scalar as the scanner reports it; turned into a JSON value only when it is kept.
struct Token {
  enum class Type { kNull, kBool, kInt, kUint, kDouble, kString } type;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string_view s;

  json ToJson() const {
    switch (type) {
      case Type::kNull:
        break;
      case Type::kBool:
        return json(b);
      case Type::kInt:
        return json(i);
      case Type::kUint:
        return json(u);
      case Type::kDouble:
        return json(d);
      case Type::kString:
        return json(std::string(s));
    }
    return json(nullptr);
  }
};

// Builds one JSON value from SAX events, dropping the members the filter does not keep.
// Each event method returns true when the value begun by Begin() is complete.
class FilteredBuilder {
 public:
  void Begin(const Node* filter) {
    value_ = json();
    stack_.clear();
    skip_depth_ = 0;
    skip_next_ = false;
    slot_ = &value_;
    slot_filter_ = filter;
  }
  json Take() { return std::move(value_); }

  bool Scalar(const Token& v) {
    if (skip_depth_ > 0) return false;
    if (skip_next_) {
      skip_next_ = false;
      return false;
    }
    Place(v.ToJson());
    return stack_.empty();
  }
  bool StartContainer(bool object) {
    if (skip_depth_ > 0 || skip_next_) {
      skip_next_ = false;
      ++skip_depth_;
      return false;
    }
    const Node* filter = slot_filter_;
    stack_.push_back({Place(object ? json::object() : json::array()), filter});
    return false;
  }
  bool Key(std::string_view name) {
    if (skip_depth_ > 0) return false;
    const Frame& top = stack_.back();
    if (top.filter == nullptr) {
      slot_ = &(*top.container)[std::string(name)];
      slot_filter_ = nullptr;
      return false;
    }
    bool whole = false;
    const Node* member = top.filter->Member(name, whole);
    if (member == nullptr) {
      skip_next_ = true;
      return false;
    }
    slot_ = &(*top.container)[std::string(name)];
    slot_filter_ = whole ? nullptr : member;
    return false;
  }
  bool End() {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return false;
    }
    stack_.pop_back();
    if (!stack_.empty() && stack_.back().container->is_array()) {
      slot_filter_ = stack_.back().filter;  // the next entry of the list
    }
    return stack_.empty();
  }

 private:
  struct Frame {
    json* container;
    const Node* filter;  // for the container's members (or a list's entries); null: all
  };

  // Puts a value where the parse is (the root, after a key, or the end of a list). Pointers to
  // open containers stay valid: a list only grows once its last entry is closed.
  json* Place(json&& v) {
    if (stack_.empty()) {
      value_ = std::move(v);
      return &value_;
    }
    json& top = *stack_.back().container;
    if (top.is_array()) {
      top.push_back(std::move(v));
      slot_filter_ = stack_.back().filter;
      return &top.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }

  json value_;
  std::vector<Frame> stack_;
  int skip_depth_ = 0;      // inside a dropped container
  bool skip_next_ = false;  // the value after a dropped member's key
  json* slot_ = nullptr;    // where the value after a key goes
  const Node* slot_filter_ = nullptr;
};

// The common part of the scanner handlers: forwards every event to Value/Start/End.
template <typename Derived>
class SaxBase {
 public:
  using Type = Token::Type;
  bool null() { return self().Value(Token{Type::kNull}); }
  bool boolean(bool v) { return self().Value(Token{Type::kBool, v}); }
  bool number_integer(int64_t v) { return self().Value(Token{Type::kInt, false, v}); }
  bool number_unsigned(uint64_t v) { return self().Value(Token{Type::kUint, false, 0, v}); }
  bool number_float(double v) { return self().Value(Token{Type::kDouble, false, 0, 0, v}); }
  bool string(std::string_view v) { return self().Value(Token{Type::kString, false, 0, 0, 0, v}); }
  bool start_object() { return self().Start(true); }
  bool start_array() { return self().Start(false); }
  bool end_object() { return self().End(); }
  bool end_array() { return self().End(); }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

// A list response: {"metadata": {...}, "items": [...], anything else}. Items go to on_item one
// by one; the metadata is kept; everything else at the top level is skipped.
class ListPageSax : public SaxBase<ListPageSax> {
 public:
  ListPageSax(const FieldFilter& filter, const std::function<void(json&&)>* on_item)
      : item_filter_(filter.root()), on_item_(on_item) {}

  // Set to stop at the "items" key (PeekListPageInfo).
  bool stop_at_items = false;
  bool stopped = false;
  bool saw_metadata = false;
  std::string bad_items;  // why "items" could not be read
  ListPageInfo info;

  bool key(std::string_view name) {
    if (skip_depth_ > 0) return true;
    if (in_item_) {
      builder_.Key(name);
      return true;
    }
    if (depth_ == 1) {
      member_ = Member::kOther;
      if (name == "metadata") {
        member_ = Member::kMetadata;
        saw_metadata = true;
      } else if (name == "items") {
        if (stop_at_items) {
          stopped = true;
          return false;
        }
        member_ = Member::kItems;
      }
    } else if (depth_ == 2 && member_ == Member::kMetadata) {
      meta_key_ = name;
    }
    return true;
  }

  bool Value(const Token& v) {
    if (skip_depth_ > 0) return true;
    if (in_item_) {
      if (builder_.Scalar(v)) Finish();
      return true;
    }
    if (depth_ == 1 && member_ == Member::kItems && v.type != Token::Type::kNull) {
      bad_items = "list response items is not an array";
      return false;
    }
    if (depth_ == 2 && member_ == Member::kMetadata && v.type == Token::Type::kString) {
      if (meta_key_ == "resourceVersion") info.resource_version = v.s;
      if (meta_key_ == "continue") info.continue_token = v.s;
    }
    if (depth_ == 2 && member_ == Member::kMetadata && meta_key_ == "remainingItemCount") {
      if (v.type == Token::Type::kInt && v.i > 0) info.remaining_items = static_cast<uint64_t>(v.i);
      if (v.type == Token::Type::kUint) info.remaining_items = v.u;
    }
    if (depth_ == 2 && member_ == Member::kItems) {
      BeginItem();
      if (builder_.Scalar(v)) Finish();
    }
    return true;
  }

  bool Start(bool object) {
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (in_item_) {
      builder_.StartContainer(object);
      return true;
    }
    if (depth_ == 0) {
      top_is_object = object;
    } else if (depth_ == 1 && member_ == Member::kItems) {
      if (object) {
        bad_items = "list response items is not an array";
        return false;
      }
    } else if (depth_ == 2 && member_ == Member::kItems) {
      BeginItem();
      builder_.StartContainer(object);
      return true;
    } else if (depth_ >= 1 && !(depth_ == 1 && member_ == Member::kMetadata)) {
      skip_depth_ = 1;  // a member nobody reads: count its nesting until it closes
      return true;
    }
    ++depth_;
    return true;
  }

  bool End() {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    if (in_item_) {
      if (builder_.End()) Finish();
      return true;
    }
    --depth_;
    return true;
  }

  bool top_is_object = false;

 private:
  enum class Member { kOther, kMetadata, kItems };

  void BeginItem() {
    builder_.Begin(item_filter_);
    in_item_ = true;
  }
  void Finish() {
    in_item_ = false;
    if (on_item_) (*on_item_)(builder_.Take());
  }

  const Node* item_filter_;
  const std::function<void(json&&)>* on_item_;
  FilteredBuilder builder_;
  int depth_ = 0;
  Member member_ = Member::kOther;
  std::string meta_key_;
  bool in_item_ = false;  // events go to builder_
  int skip_depth_ = 0;    // inside a member nobody reads
};

// A watch event: {"type": "...", "object": {...}}; other members are skipped.
class WatchEventSax : public SaxBase<WatchEventSax> {
 public:
  explicit WatchEventSax(const FieldFilter& filter) : filter_(filter.root()) {}

  std::string type;
  bool has_object = false;
  bool top_is_object = false;
  json object;

  bool key(std::string_view name) {
    if (depth_ == 1 && !in_value_) {
      member_ =
          name == "type" ? Member::kType : (name == "object" ? Member::kObject : Member::kOther);
      return true;
    }
    builder_.Key(name);
    return true;
  }
  bool Value(const Token& v) {
    if (in_value_) {
      if (builder_.Scalar(v)) Finish();
      return true;
    }
    if (depth_ == 1 && member_ == Member::kType && v.type == Token::Type::kString) type = v.s;
    if (depth_ == 1 && member_ == Member::kObject) {
      object = v.ToJson();
      has_object = true;
    }
    return true;
  }
  bool Start(bool object) {
    if (depth_ == 0) {
      top_is_object = object;
      ++depth_;
      return true;
    }
    if (!in_value_) {
      in_value_ = true;
      builder_.Begin(member_ == Member::kObject ? filter_ : &kNothing);
      target_ = member_;
    }
    builder_.StartContainer(object);
    return true;
  }
  bool End() {
    if (in_value_) {
      if (builder_.End()) Finish();
      return true;
    }
    --depth_;
    return true;
  }

 private:
  enum class Member { kOther, kType, kObject };
  void Finish() {
    in_value_ = false;
    if (target_ == Member::kObject) {
      object = builder_.Take();
      has_object = true;
    }
  }

  static inline const Node kNothing{};
  const Node* filter_;
  FilteredBuilder builder_;
  int depth_ = 0;
  Member member_ = Member::kOther;
  Member target_ = Member::kOther;
  bool in_value_ = false;
};

}  // namespace

Expected<ListPageInfo> ParseListPageItems(std::string_view body, const FieldFilter& filter,
                                          const std::function<void(json&&)>& on_item) {
  ListPageSax sax(filter, &on_item);
  const ScanResult scanned = ScanJson(body, sax);
  if (!sax.bad_items.empty()) return Error{EBADMSG, sax.bad_items};
  if (!scanned.complete || !sax.top_is_object) {
    return Error{EBADMSG, "list response is not a JSON object" +
                              (scanned.error.empty() ? std::string() : ": " + scanned.error)};
  }
  if (sax.info.resource_version.empty()) {
    return Error{EBADMSG, "list response has no metadata.resourceVersion"};
  }
  return std::move(sax.info);
}

std::optional<ListPageInfo> PeekListPageInfo(std::string_view body) {
  ListPageSax sax(FieldFilter::Everything(), nullptr);
  sax.stop_at_items = true;
  ScanJson(body, sax);
  if (!sax.stopped || !sax.top_is_object || !sax.saw_metadata) return std::nullopt;
  if (sax.info.resource_version.empty()) return std::nullopt;
  return std::move(sax.info);
}

Expected<WatchEvent> ParseWatchEvent(std::string_view line, const FieldFilter& filter) {
  WatchEventSax sax(filter);
  if (!ScanJson(line, sax).complete || !sax.top_is_object) {
    return Error{EBADMSG, "watch event is not a JSON object"};
  }
  if (sax.type.empty() || !sax.has_object || !sax.object.is_object()) {
    return Error{EBADMSG, "watch event lacks type or object"};
  }
  WatchEventType kind;
  if (sax.type == "ADDED") {
    kind = WatchEventType::kAdded;
  } else if (sax.type == "MODIFIED") {
    kind = WatchEventType::kModified;
  } else if (sax.type == "DELETED") {
    kind = WatchEventType::kDeleted;
  } else if (sax.type == "BOOKMARK") {
    kind = WatchEventType::kBookmark;
  } else if (sax.type == "ERROR") {
    kind = WatchEventType::kError;
  } else {
    return Error{EBADMSG, "unknown watch event type " + sax.type};
  }
  return WatchEvent{kind, std::move(sax.object)};
}

}  // namespace kr::kube
