#include "common/kube/filtered_parse.h"

#include <vector>

#include "common/kube/json_scanner.h"

namespace kr::kube {

namespace {

using nlohmann::json;
using Node = FieldFilter::Node;

// A scalar as the scanner reports it.
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

// Builds one JSON value from SAX events into a (reused) flat document, dropping the members
// the filter does not keep. Strings stay views into the input unless the scanner had to decode
// them (escapes), in which case the document keeps a copy.
// Each event method returns true when the value begun by Begin() is complete.
class FilteredBuilder {
 public:
  explicit FilteredBuilder(std::string_view input) : input_(input) {}

  void Begin(const Node* filter) {
    doc_.Clear();
    frames_.clear();
    skip_depth_ = 0;
    skip_next_ = false;
    key_ = {};
    slot_filter_ = filter;
  }
  JsonView root() const { return doc_.root(); }

  bool Scalar(const Token& v) {
    if (skip_depth_ > 0) return false;
    if (skip_next_) {
      skip_next_ = false;
      return false;
    }
    switch (v.type) {
      case Token::Type::kNull:
        doc_.AddNull(key_);
        break;
      case Token::Type::kBool:
        doc_.AddBool(key_, v.b);
        break;
      case Token::Type::kInt:
        doc_.AddInt(key_, v.i);
        break;
      case Token::Type::kUint:
        doc_.AddUint(key_, v.u);
        break;
      case Token::Type::kDouble:
        doc_.AddDouble(key_, v.d);
        break;
      case Token::Type::kString:
        doc_.AddString(key_, Stable(v.s));
        break;
    }
    return frames_.empty();
  }
  bool StartContainer(bool object) {
    if (skip_depth_ > 0 || skip_next_) {
      skip_next_ = false;
      ++skip_depth_;
      return false;
    }
    if (object) {
      doc_.OpenObject(key_);
    } else {
      doc_.OpenArray(key_);
    }
    frames_.push_back({slot_filter_, object});
    return false;
  }
  bool Key(std::string_view name) {
    if (skip_depth_ > 0) return false;
    const Frame& top = frames_.back();
    if (top.filter == nullptr) {
      key_ = Stable(name);
      slot_filter_ = nullptr;
      return false;
    }
    bool whole = false;
    const Node* member = top.filter->Member(name, whole);
    if (member == nullptr) {
      skip_next_ = true;
      return false;
    }
    key_ = Stable(name);
    slot_filter_ = whole ? nullptr : member;
    return false;
  }
  bool End() {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return false;
    }
    doc_.Close();
    frames_.pop_back();
    if (!frames_.empty() && !frames_.back().object) {
      slot_filter_ = frames_.back().filter;  // the next entry of the list
    }
    return frames_.empty();
  }

 private:
  struct Frame {
    const Node* filter;  // for the container's members (or a list's entries); null: all
    bool object;
  };

  // The scanner's views point into the input, or into its scratch buffer for decoded strings,
  // which the next string overwrites.
  std::string_view Stable(std::string_view s) {
    const bool in_input = s.data() >= input_.data() && s.data() <= input_.data() + input_.size();
    return in_input || s.empty() ? s : doc_.Keep(s);
  }

  const std::string_view input_;
  JsonDoc doc_;
  std::vector<Frame> frames_;
  int skip_depth_ = 0;      // inside a dropped container
  bool skip_next_ = false;  // the value after a dropped member's key
  std::string_view key_;    // of the value that comes next (in an object)
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
  ListPageSax(std::string_view body, const FieldFilter& filter,
              const std::function<void(JsonView)>* on_item)
      : item_filter_(filter.root()), on_item_(on_item), builder_(body) {}

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
    if (on_item_) (*on_item_)(builder_.root());
  }

  const Node* item_filter_;
  const std::function<void(JsonView)>* on_item_;
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
  WatchEventSax(std::string_view line, const FieldFilter& filter)
      : filter_(filter.root()), builder_(line) {}

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
      object = builder_.root().ToJson();
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

Expected<ListPageInfo> ScanListPage(std::string_view body, const FieldFilter& filter,
                                    const std::function<void(JsonView)>& on_item) {
  ListPageSax sax(body, filter, &on_item);
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

Expected<ListPageInfo> ParseListPageItems(std::string_view body, const FieldFilter& filter,
                                          const std::function<void(json&&)>& on_item) {
  return ScanListPage(body, filter, [&](JsonView item) { on_item(item.ToJson()); });
}

std::optional<ListPageInfo> PeekListPageInfo(std::string_view body) {
  ListPageSax sax(body, FieldFilter::Everything(), nullptr);
  sax.stop_at_items = true;
  ScanJson(body, sax);
  if (!sax.stopped || !sax.top_is_object || !sax.saw_metadata) return std::nullopt;
  if (sax.info.resource_version.empty()) return std::nullopt;
  return std::move(sax.info);
}

Expected<WatchEvent> ParseWatchEvent(std::string_view line, const FieldFilter& filter) {
  WatchEventSax sax(line, filter);
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
