// A JSON value laid out flat, for the informer's hot path: one vector of nodes per document,
// each container followed by its subtree, strings (and member names) as views into the text
// they were read from. A JsonDoc is reused from one list item to the next, so that once its
// vector has grown, reading an object allocates nothing; nlohmann::json allocated a node, a map
// entry and a string per kept field.
//
// JsonView reads a document: type tests, member lookup and iteration, as nlohmann::json does
// for the calls the normalizers make. A member name given twice reads as its last value (as
// nlohmann keeps it). An absent view (a member that is not there) is of Type::kAbsent.
//
// Lifetime: a view is valid while its document is neither cleared nor changed, and the text
// its strings point into is alive. Not thread-safe; one document per thread.
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kr::kube {

class JsonView {
 public:
  enum class Type : uint8_t {
    kAbsent,
    kNull,
    kBool,
    kInt,
    kUint,
    kDouble,
    kString,
    kObject,
    kArray
  };

  struct Node {
    Type type = Type::kNull;
    bool boolean = false;
    uint32_t span = 1;   // nodes in this subtree, itself included
    uint32_t count = 0;  // members or entries of a container
    std::string_view key;
    std::string_view string;
    union {
      int64_t integer = 0;
      uint64_t unsigned_integer;
      double number;
    };
  };

  JsonView() = default;  // absent
  explicit JsonView(const Node* node) : node_(node) {}

  Type type() const { return node_ ? node_->type : Type::kAbsent; }
  bool absent() const { return node_ == nullptr; }
  // Absent or null: what the API means by "not set".
  bool unset() const { return node_ == nullptr || node_->type == Type::kNull; }
  bool is_object() const { return type() == Type::kObject; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_string() const { return type() == Type::kString; }
  bool is_boolean() const { return type() == Type::kBool; }
  // Signed or unsigned, as nlohmann's is_number_integer.
  bool is_integer() const { return type() == Type::kInt || type() == Type::kUint; }

  // Valid only for the matching type.
  std::string_view string() const { return node_->string; }
  bool boolean() const { return node_->boolean; }
  // An unsigned integer above INT64_MAX wraps, as nlohmann's get<int64_t>.
  int64_t integer() const {
    return node_->type == Type::kUint ? static_cast<int64_t>(node_->unsigned_integer)
                                      : node_->integer;
  }
  // The member name of an object's member; empty for list entries.
  std::string_view key() const { return node_->key; }

  // Members of an object, entries of a list; 0 for anything else.
  size_t size() const { return is_object() || is_array() ? node_->count : 0; }
  // The member `name` of an object (its last value if given twice); absent when there is no
  // such member or this is not an object.
  JsonView find(std::string_view name) const;

  // Iterates the members of an object or the entries of a list (nothing for other types).
  class Iterator {
   public:
    explicit Iterator(const Node* at) : at_(at) {}
    JsonView operator*() const { return JsonView(at_); }
    Iterator& operator++() {
      at_ += at_->span;
      return *this;
    }
    bool operator==(const Iterator& other) const { return at_ == other.at_; }

   private:
    const Node* at_;
  };
  Iterator begin() const { return Iterator(size() > 0 ? node_ + 1 : nullptr); }
  Iterator end() const { return Iterator(size() > 0 ? node_ + node_->span : nullptr); }

  // A copy as nlohmann::json (for consumers that keep objects, and for tests).
  nlohmann::json ToJson() const;

 private:
  const Node* node_ = nullptr;
};

// The storage of one document and its builder. Build with Open/Close around containers and
// Add* for scalars, keys before members of objects (ignored in lists).
class JsonDoc {
 public:
  using Type = JsonView::Type;

  void Clear();
  bool empty() const { return nodes_.empty(); }
  JsonView root() const { return nodes_.empty() ? JsonView() : JsonView(&nodes_[0]); }

  void OpenObject(std::string_view key) { Open(key, Type::kObject); }
  void OpenArray(std::string_view key) { Open(key, Type::kArray); }
  void Close();
  void AddNull(std::string_view key) { Add(key, Type::kNull); }
  void AddBool(std::string_view key, bool value) { Add(key, Type::kBool).boolean = value; }
  void AddInt(std::string_view key, int64_t value) { Add(key, Type::kInt).integer = value; }
  void AddUint(std::string_view key, uint64_t value) {
    Add(key, Type::kUint).unsigned_integer = value;
  }
  void AddDouble(std::string_view key, double value) { Add(key, Type::kDouble).number = value; }
  void AddString(std::string_view key, std::string_view value) {
    Add(key, Type::kString).string = value;
  }
  // A copy of text that lives as long as the document (until Clear): for strings that were
  // decoded into a scratch buffer (escapes) rather than viewed in the input.
  std::string_view Keep(std::string_view text);

  // Fills the document from a nlohmann tree. Its strings are views into `value`, which must
  // outlive the document's use.
  void Assign(const nlohmann::json& value);

 private:
  JsonView::Node& Add(std::string_view key, Type type);
  void Open(std::string_view key, Type type);
  void AddTree(std::string_view key, const nlohmann::json& value);

  std::vector<JsonView::Node> nodes_;
  std::vector<uint32_t> open_;    // indexes of the containers being built
  std::deque<std::string> kept_;  // Keep()'s copies; a deque so that they never move
  size_t kept_used_ = 0;          // entries of kept_ in use (the rest are reused)
};

}  // namespace kr::kube
