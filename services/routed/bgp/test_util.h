// Helpers for the codec's unit tests: messages written as hex, the way the RFCs draw them.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "services/routed/bgp/message_header.h"

namespace kr::bgp::testing {

// "ff ff 00 1d" -> bytes; spaces and '|' are ignored so fields can be grouped.
inline std::vector<uint8_t> Hex(std::string_view text) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : text) {
    if (c == ' ' || c == '|' || c == '\n') continue;
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) throw std::invalid_argument("bad hex digit in test data");
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  if (nibble >= 0) throw std::invalid_argument("odd number of hex digits in test data");
  return out;
}

inline std::string ToHex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    if (!out.empty()) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

// A whole message: marker, computed length, type, body.
inline std::vector<uint8_t> Frame(MessageType type, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out(16, 0xff);
  const size_t length = kHeaderLength + body.size();
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
  out.push_back(static_cast<uint8_t>(type));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// An UPDATE from its three fields in hex; the two length fields are computed.
inline std::vector<uint8_t> UpdateFrame(std::string_view withdrawn, std::string_view attributes,
                                        std::string_view nlri) {
  std::vector<uint8_t> body;
  for (std::string_view field : {withdrawn, attributes}) {
    const std::vector<uint8_t> bytes = Hex(field);
    body.push_back(static_cast<uint8_t>(bytes.size() >> 8));
    body.push_back(static_cast<uint8_t>(bytes.size()));
    body.insert(body.end(), bytes.begin(), bytes.end());
  }
  const std::vector<uint8_t> nlri_bytes = Hex(nlri);
  body.insert(body.end(), nlri_bytes.begin(), nlri_bytes.end());
  return Frame(MessageType::kUpdate, body);
}

}  // namespace kr::bgp::testing
