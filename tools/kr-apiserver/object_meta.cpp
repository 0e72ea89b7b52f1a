#include "tools/kr-apiserver/object_meta.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

namespace kr::apiserver {

namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(const std::string& in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64[(n >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* pos = std::char_traits<char>::find(kBase64, 64, c);
    if (pos == nullptr) return std::nullopt;
    acc = (acc << 6) | uint32_t(pos - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

std::string RandomUuid() {
  uint64_t hi = Rng()();
  uint64_t lo = Rng()();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32),
                unsigned((hi >> 16) & 0xffff), unsigned(hi & 0xffff), unsigned(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string RandomNameSuffix() {
  // The alphabet kube-apiserver uses: no vowels (no words), no confusable 0/1/3.
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[pick(Rng())];
  return out;
}

std::string EncodeContinueToken(const ContinueToken& token) {
  nlohmann::json body = {
      {"v", "meta.k8s.io/v1"}, {"rv", token.rv}, {"start", token.last_key}, {"seen", token.seen}};
  return Base64UrlEncode(body.dump());
}

std::optional<ContinueToken> DecodeContinueToken(const std::string& text) {
  auto raw = Base64UrlDecode(text);
  if (!raw) return std::nullopt;
  auto body = nlohmann::json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("rv") || !body["rv"].is_number_unsigned() ||
      !body.contains("start") || !body["start"].is_string() || !body.contains("seen") ||
      !body["seen"].is_number_integer()) {
    return std::nullopt;
  }
  return ContinueToken{body["rv"].get<uint64_t>(), body["start"].get<std::string>(),
                       body["seen"].get<int64_t>()};
}

}  // namespace kr::apiserver
