// Test-only: a strict reader of the text exposition format 0.0.4, independent of the writer
// in text_format.cpp, so tests check what a scraper would see rather than string fragments.
// It throws std::runtime_error naming the offending line on anything it does not accept.
#pragma once

#include <charconv>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kr::metrics::testing {

struct ParsedSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in written order, unescaped
  double value = 0;
  std::string value_text;  // as written, e.g. "+Inf"

  std::string Label(const std::string& label_name) const {
    for (const auto& [name, value] : labels) {
      if (name == label_name) return value;
    }
    throw std::runtime_error("sample " + name + " has no label " + label_name);
  }
};

struct ParsedFamily {
  std::string name;
  std::string help;  // unescaped
  std::string type;
  std::vector<ParsedSample> samples;
};

class ExpositionParser {
 public:
  static std::vector<ParsedFamily> Parse(std::string_view text) {
    ExpositionParser parser;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) parser.Fail("missing final newline");
      parser.ParseLine(text.substr(pos, end - pos));
      ++parser.line_number_;
      pos = end + 1;
    }
    if (parser.expect_type_) parser.Fail("HELP without TYPE at end of input");
    return std::move(parser.families_);
  }

  // Families by name, for lookups in tests (duplicates are rejected).
  static std::map<std::string, ParsedFamily> ParseByName(std::string_view text) {
    std::map<std::string, ParsedFamily> by_name;
    for (ParsedFamily& family : Parse(text)) {
      const std::string name = family.name;
      if (!by_name.emplace(name, std::move(family)).second) {
        throw std::runtime_error("family written twice: " + name);
      }
    }
    return by_name;
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const {
    throw std::runtime_error("exposition line " + std::to_string(line_number_) + ": " + why);
  }

  void ParseLine(std::string_view line) {
    if (line.starts_with("# HELP ")) return ParseHelp(line.substr(7));
    if (line.starts_with("# TYPE ")) return ParseType(line.substr(7));
    if (line.starts_with("#")) Fail("unexpected comment: " + std::string(line));
    if (expect_type_) Fail("sample between HELP and TYPE");
    ParseSample(line);
  }

  void ParseHelp(std::string_view rest) {
    if (expect_type_) Fail("two HELP lines in a row");
    const size_t space = rest.find(' ');
    if (space == std::string_view::npos) Fail("HELP without text");
    ParsedFamily family;
    family.name = std::string(rest.substr(0, space));
    std::string_view help = rest.substr(space + 1);
    for (size_t i = 0; i < help.size(); ++i) {
      if (help[i] != '\\') {
        family.help += help[i];
        continue;
      }
      if (++i == help.size()) Fail("HELP ends in a lone backslash");
      if (help[i] == '\\') {
        family.help += '\\';
      } else if (help[i] == 'n') {
        family.help += '\n';
      } else {
        Fail("bad escape in HELP");
      }
    }
    families_.push_back(std::move(family));
    expect_type_ = true;
  }

  void ParseType(std::string_view rest) {
    if (!expect_type_) Fail("TYPE without HELP");
    const size_t space = rest.find(' ');
    if (space == std::string_view::npos) Fail("TYPE without type");
    ParsedFamily& family = families_.back();
    if (rest.substr(0, space) != family.name) Fail("TYPE names another family than HELP");
    family.type = std::string(rest.substr(space + 1));
    if (family.type != "counter" && family.type != "gauge" && family.type != "histogram" &&
        family.type != "summary" && family.type != "untyped") {
      Fail("unknown type " + family.type);
    }
    expect_type_ = false;
  }

  void ParseSample(std::string_view line) {
    if (families_.empty()) Fail("sample before any family");
    ParsedFamily& family = families_.back();
    ParsedSample sample;
    size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    sample.name = std::string(line.substr(0, pos));
    if (!BelongsTo(sample.name, family)) Fail("sample " + sample.name + " outside its family");
    if (pos < line.size() && line[pos] == '{') pos = ParseLabels(line, pos + 1, sample);
    if (pos >= line.size() || line[pos] != ' ') Fail("no space before the value");
    sample.value_text = std::string(line.substr(pos + 1));
    sample.value = ParseValue(sample.value_text);
    family.samples.push_back(std::move(sample));
  }

  static bool BelongsTo(const std::string& sample_name, const ParsedFamily& family) {
    if (sample_name == family.name) return family.type != "histogram";
    if (family.type != "histogram") return false;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (sample_name == family.name + suffix) return true;
    }
    return false;
  }

  // Returns the position after the closing brace.
  size_t ParseLabels(std::string_view line, size_t pos, ParsedSample& sample) {
    while (true) {
      const size_t eq = line.find('=', pos);
      if (eq == std::string_view::npos) Fail("label without '='");
      std::string name(line.substr(pos, eq - pos));
      if (name.empty()) Fail("empty label name");
      pos = eq + 1;
      if (pos >= line.size() || line[pos] != '"') Fail("label value not quoted");
      ++pos;
      std::string value;
      while (true) {
        if (pos >= line.size()) Fail("unterminated label value");
        const char c = line[pos++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        if (pos >= line.size()) Fail("label value ends in a lone backslash");
        const char escaped = line[pos++];
        if (escaped == '\\' || escaped == '"') {
          value += escaped;
        } else if (escaped == 'n') {
          value += '\n';
        } else {
          Fail("bad escape in label value");
        }
      }
      sample.labels.emplace_back(std::move(name), std::move(value));
      if (pos >= line.size()) Fail("unterminated label set");
      if (line[pos] == '}') return pos + 1;
      if (line[pos] != ',') Fail("expected ',' or '}' after a label");
      ++pos;
    }
  }

  double ParseValue(const std::string& text) const {
    if (text == "+Inf") return std::numeric_limits<double>::infinity();
    if (text == "-Inf") return -std::numeric_limits<double>::infinity();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    // Only the canonical spellings: digits, sign, point and exponent (no "inf", hex, ...).
    if (text.find_first_not_of("0123456789.eE+-") != std::string::npos) Fail("bad value: " + text);
    double value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size()) {
      Fail("bad value: " + text);
    }
    return value;
  }

  std::vector<ParsedFamily> families_;
  bool expect_type_ = false;
  int line_number_ = 1;
};

}  // namespace kr::metrics::testing
