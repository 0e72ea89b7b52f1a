#include "common/model/cbor_reader.h"

namespace kr::model {
namespace {

// The name of an item's type in error messages, from its initial byte.
const char* TypeName(uint8_t initial) {
  switch (initial >> 5) {
    case 0:
    case 1:
      return "integer";
    case 2:
      return "byte string";
    case 3:
      return "string";
    case 4:
      return "array";
    case 5:
      return "object";
    case 6:
      return "tagged item";
    default:
      break;
  }
  switch (initial) {
    case 0xf4:
    case 0xf5:
      return "boolean";
    case 0xf6:
      return "null";
    case 0xf9:
    case 0xfa:
    case 0xfb:
      return "number";
    case 0xff:
      return "break";
    default:
      return "simple value";
  }
}

uint64_t BigEndian(const uint8_t* bytes, int width) {
  uint64_t value = 0;
  for (int i = 0; i < width; ++i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

bool CborReader::Fail(std::string_view message) {
  if (error_.empty()) error_.assign(message);
  pos_ = end_;
  return false;
}

bool CborReader::WrongType(const char* what, const char* expected) {
  if (pos_ == end_) return Truncated();
  return Fail(std::string(what) + " must be " + expected + ", not " + TypeName(*pos_));
}

bool CborReader::OutOfRange(const char* what) {
  return Fail(std::string(what) + " is out of the 32-bit range");
}

bool CborReader::ReadLongArgument(uint64_t& argument) {
  const uint8_t info = *pos_ & 0x1f;
  if (info == 31) {
    return Fail("indefinite-length CBOR item (bus bodies use definite lengths only)");
  }
  if (info > 27) return Fail("reserved CBOR additional information");
  const int width = 1 << (info - 24);  // 24..27: 1, 2, 4 or 8 bytes follow
  if (Remaining() < static_cast<uint64_t>(width) + 1) return Truncated();
  argument = BigEndian(pos_ + 1, width);
  pos_ += width + 1;
  return true;
}

bool CborReader::Skip() {
  // Items still to skip: containers add their members instead of recursing.
  uint64_t pending = 1;
  while (pending > 0) {
    // Every pending item takes at least one byte.
    if (pending > Remaining()) return Truncated();
    const uint8_t major = *pos_ >> 5;
    if (major == 7) {
      // Simple values and floats: no nesting, only a payload of 0, 1, 2, 4 or 8 bytes.
      const uint8_t info = *pos_ & 0x1f;
      if (info == 31) return Fail("CBOR break outside an indefinite-length item");
      if (info > 27) return Fail("reserved CBOR additional information");
      const uint64_t payload = info < 24 ? 0 : uint64_t{1} << (info - 24);
      if (payload + 1 > Remaining()) return Truncated();
      pos_ += payload + 1;
      --pending;
      continue;
    }
    uint64_t argument = 0;
    if (!ReadArgument(argument)) return false;
    --pending;
    switch (major) {
      case 2:  // byte string
      case 3:  // text string
        if (argument > Remaining()) return Truncated();
        pos_ += argument;
        break;
      case 4:
        if (argument > Remaining()) return Truncated();
        pending += argument;
        break;
      case 5:
        if (argument > Remaining() / 2) return Truncated();
        pending += 2 * argument;
        break;
      case 6:  // a tag number, then the tagged item
        ++pending;
        break;
      default:  // integers: the head was all
        break;
    }
  }
  return true;
}

bool CborReader::Finish() {
  if (!ok()) return false;
  if (pos_ != end_) return Fail("trailing bytes after the object");
  return true;
}

}  // namespace kr::model
