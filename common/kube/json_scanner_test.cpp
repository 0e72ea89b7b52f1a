// The scanner against nlohmann's parser: the same values for valid JSON, a refusal for what
// nlohmann refuses.
#include "common/kube/json_scanner.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace kr::kube;
using nlohmann::json;

namespace {

// Rebuilds the scanned document as nlohmann::json.
class TreeBuilder {
 public:
  bool null() { return Put(nullptr); }
  bool boolean(bool v) { return Put(v); }
  bool number_integer(int64_t v) { return Put(v); }
  bool number_unsigned(uint64_t v) { return Put(v); }
  bool number_float(double v) { return Put(v); }
  bool string(std::string_view v) { return Put(std::string(v)); }
  bool key(std::string_view name) {
    key_ = name;
    return true;
  }
  bool start_object() { return Open(json::object()); }
  bool start_array() { return Open(json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  json root;

 private:
  json* Place(json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    return &(top[key_] = std::move(v));
  }
  bool Put(json v) {
    Place(std::move(v));
    return true;
  }
  bool Open(json v) {
    stack_.push_back(Place(std::move(v)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  std::vector<json*> stack_;
  std::string key_;
};

}  // namespace

TEST_CASE("valid JSON scans to the values nlohmann parses", "[json_scanner]") {
  const std::vector<std::string> corpus = {
      R"({})",
      R"([])",
      R"( {"a" : [1, -2, 3.5, -0.25e2, 1E3, 0, -0], "b": {"c": null, "d": true, "e": false}} )",
      R"(["plain", "esc \" \\ \/ \b \f \n \r \t", "\u00e9\u4e2d\ud83d\ude00", "héllo ✓ 😀"])",
      R"({"big": 18446744073709551615, "neg": -9223372036854775808, "over": 18446744073709551616})",
      R"({"nested": [[[{"x": [{}]}]]], "empty": ""})",
      R"("just a string")",
      R"(42)",
      "\t[1,\n2]\r\n",
  };
  for (const std::string& text : corpus) {
    INFO(text);
    TreeBuilder builder;
    const ScanResult result = ScanJson(text, builder);
    CHECK(result.error == "");
    REQUIRE(result.complete);
    const json expected = json::parse(text);
    CHECK(builder.root == expected);
    CHECK(builder.root.dump() == expected.dump());  // same number types, too
  }
}

TEST_CASE("invalid JSON is refused with where it went wrong", "[json_scanner]") {
  const std::vector<std::string> corpus = {
      "",
      "   ",
      "{",
      R"({"a":1,})",
      R"([1,2,])",
      R"({"a" 1})",
      R"({a: 1})",
      R"([01])",
      R"([1.])",
      R"([.5])",
      R"([1e])",
      R"([-])",
      R"([tru])",
      R"([nul])",
      R"(["unterminated)",
      "[\"control \x01 char\"]",
      R"(["bad \x escape"])",
      R"(["\u12"])",
      R"(["\ud800"])",
      R"(["\udc00 low first"])",
      "[\"\xc3\x28 invalid utf-8\"]",
      "[\"\xed\xa0\x80 encoded surrogate\"]",
      "[\"\xc0\xaf overlong\"]",
      R"({"a":1} trailing)",
      R"([1 2])",
      R"({"a":1]})",
      R"([1}])",
  };
  for (const std::string& text : corpus) {
    INFO(text);
    CHECK_FALSE(json::accept(text));  // the corpus itself is invalid
    TreeBuilder builder;
    const ScanResult result = ScanJson(text, builder);
    CHECK_FALSE(result.complete);
    CHECK_FALSE(result.stopped);
    CHECK_THAT(result.error, Catch::Contains("at byte"));
  }
}

TEST_CASE("a handler that returns false stops the scan", "[json_scanner]") {
  struct StopAtKey : TreeBuilder {
    bool key(std::string_view name) {
      seen.emplace_back(name);
      return name != "stop";
    }
    std::vector<std::string> seen;
  } handler;
  const ScanResult result = ScanJson(R"({"a": 1, "stop": [1, 2], "never": 3})", handler);
  CHECK(result.stopped);
  CHECK_FALSE(result.complete);
  CHECK(result.error.empty());
  CHECK(handler.seen == std::vector<std::string>{"a", "stop"});
}

TEST_CASE("strings are read alike whatever their length and where a special byte sits",
          "[json_scanner]") {
  // The scanner skips plain ASCII eight bytes at a time: put an escape, a multi-byte character,
  // a control character or an invalid byte at every offset of strings around that width.
  const std::vector<std::string> specials = {"\\\"", "\\\\", "\\u00e9", "é", "😀", "\x7f"};
  for (size_t length = 0; length < 20; ++length) {
    for (size_t at = 0; at <= length; ++at) {
      for (const std::string& special : specials) {
        const std::string text = "[\"" + std::string(at, 'a') + special +
                                 std::string(length - at, 'b') + "\", \"" +
                                 std::string(length, 'c') + "\"]";
        INFO(text);
        TreeBuilder builder;
        REQUIRE(ScanJson(text, builder).complete);
        CHECK(builder.root == json::parse(text));
      }
      for (const std::string bad : {"\x01", "\x1f", "\xff", "\xc3"}) {
        const std::string text =
            "[\"" + std::string(at, 'a') + bad + std::string(length - at, 'b') + "\"]";
        TreeBuilder builder;
        CHECK_FALSE(ScanJson(text, builder).complete);
      }
    }
  }
}
