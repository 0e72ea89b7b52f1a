// A cursor over the bytes of one CBOR item (RFC 8949), for decoding bus bodies straight into
// the model structs (cbor_decode.h).
//
// Why not nlohmann's CBOR parser: its SAX events copy every string byte by byte into a
// std::string, and the token vector in between costs as much again; decoding was the largest
// cost of a subscriber (test/bench/model/README.md). Here strings are views into the body,
// assigned once into the struct, and nothing is allocated by the reader.
//
// Errors are sticky: the first failure records its message and moves the cursor to the end,
// so every later read fails too and loops over counted items stop. Callers check ok() (or the
// bool a read returns) and report error().
//
// Deliberate limits, all reported as errors:
// - indefinite-length items (additional information 31) are rejected: EncodeCbor and
//   nlohmann::json::to_cbor write definite lengths only, and a definite count bounded by the
//   remaining bytes keeps every loop and every reservation bounded by the body's size;
// - a tag, byte string, float or other simple value where the schema wants a value is a wrong
//   type; inside fields the schema does not know they are skipped like anything else.
// Skip() is iterative, so no nesting depth of unknown data can exhaust the stack.
//
// Not thread-safe; one reader per body. It does not own the bytes, which must outlive it and
// every view it returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kr::model {

class CborReader {
 public:
  explicit CborReader(std::string_view bytes)
      : pos_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(pos_ + bytes.size()) {}

  bool ok() const { return error_.empty(); }
  // The first failure's message; empty while ok().
  const std::string& error() const { return error_; }

  // True (and consumed) when the next item is null.
  bool TakeNull() {
    if (pos_ == end_ || *pos_ != kNull) return false;
    ++pos_;
    return true;
  }
  bool AtText() const { return pos_ != end_ && (*pos_ >> 5) == kText; }
  bool AtInteger() const { return pos_ != end_ && (*pos_ >> 5) <= kNegative; }

  // `what` names the field for the error message.
  bool ReadText(std::string_view& out, const char* what) {
    if (pos_ == end_ || (*pos_ >> 5) != kText) return WrongType(what, "a string");
    uint64_t length = 0;
    if (!ReadArgument(length)) return false;
    if (length > Remaining()) return Truncated();
    out = std::string_view(reinterpret_cast<const char*>(pos_), length);
    pos_ += length;
    return true;
  }

  bool ReadBool(bool& out, const char* what) {
    if (pos_ == end_ || (*pos_ != kFalse && *pos_ != kTrue)) return WrongType(what, "a boolean");
    out = *pos_++ == kTrue;
    return true;
  }

  // Integers outside int32_t are errors, as are floats.
  bool ReadInt32(int32_t& out, const char* what) {
    if (!AtInteger()) return WrongType(what, "an integer");
    const bool negative = (*pos_ >> 5) == kNegative;
    uint64_t magnitude = 0;
    if (!ReadArgument(magnitude)) return false;
    // A negative item encodes -1 - magnitude, so both signs allow magnitudes up to INT32_MAX.
    if (magnitude > uint64_t{INT32_MAX}) return OutOfRange(what);
    out = negative ? -1 - static_cast<int32_t>(magnitude) : static_cast<int32_t>(magnitude);
    return true;
  }

  // A map of `count` key/value pairs follows (keys read with ReadKey).
  bool ReadMapHead(size_t& count, const char* what) {
    if (pos_ == end_ || (*pos_ >> 5) != kMap) return WrongType(what, "an object");
    uint64_t pairs = 0;
    if (!ReadArgument(pairs)) return false;
    if (pairs > Remaining() / 2) return Truncated();  // every pair takes at least two bytes
    count = static_cast<size_t>(pairs);
    return true;
  }

  // An array of `count` items follows.
  bool ReadArrayHead(size_t& count, const char* what) {
    if (pos_ == end_ || (*pos_ >> 5) != kArray) return WrongType(what, "an array");
    uint64_t items = 0;
    if (!ReadArgument(items)) return false;
    if (items > Remaining()) return Truncated();  // every item takes at least one byte
    count = static_cast<size_t>(items);
    return true;
  }

  bool ReadKey(std::string_view& key) {
    if (AtText()) return ReadText(key, "object key");
    return Fail(pos_ == end_ ? "truncated CBOR item" : "object keys must be strings");
  }

  // Skips one item of any major type, nested arrays, maps and tags included.
  bool Skip();

  // Succeeds when no error occurred and every byte was read: a body is exactly one item.
  bool Finish();

  // Records `message` unless an error is already recorded; always false.
  bool Fail(std::string_view message);
  // "<what> must be <expected>, not <the next item's type>".
  bool WrongType(const char* what, const char* expected);

 private:
  static constexpr uint8_t kNegative = 1;
  static constexpr uint8_t kText = 3;
  static constexpr uint8_t kArray = 4;
  static constexpr uint8_t kMap = 5;
  static constexpr uint8_t kFalse = 0xf4;
  static constexpr uint8_t kTrue = 0xf5;
  static constexpr uint8_t kNull = 0xf6;

  uint64_t Remaining() const { return static_cast<uint64_t>(end_ - pos_); }

  // Consumes the head at pos_ (which exists) and gives its argument: a value, a length or a
  // count. Short forms are inline; the rest is out of line.
  bool ReadArgument(uint64_t& argument) {
    const uint8_t info = *pos_ & 0x1f;
    if (info < 24) {
      ++pos_;
      argument = info;
      return true;
    }
    return ReadLongArgument(argument);
  }
  bool ReadLongArgument(uint64_t& argument);

  bool Truncated() { return Fail("truncated CBOR item"); }
  bool OutOfRange(const char* what);

  const uint8_t* pos_;
  const uint8_t* end_;
  std::string error_;
};

}  // namespace kr::model
