#include "common/flags/flag_value.h"

#include <limits>
#include <utility>

#include "common/flags/duration.h"
#include "common/flags/value_parsers.h"

namespace kr::flags {
namespace {

class BoolValue final : public FlagValue {
 public:
  explicit BoolValue(bool* target) : target_(target) {}
  Status Set(std::string_view text) override {
    auto v = ParseBool(text);
    if (!v.ok()) return v.error();
    *target_ = *v;
    return Status::Ok();
  }
  std::string Text() const override { return *target_ ? "true" : "false"; }
  std::string TypeName() const override { return ""; }
  std::string ZeroText() const override { return "false"; }
  bool IsBool() const override { return true; }

 private:
  bool* target_;
};

template <typename T>
class IntegerValue final : public FlagValue {
 public:
  IntegerValue(T* target, std::string type_name)
      : target_(target), type_name_(std::move(type_name)) {}
  Status Set(std::string_view text) override {
    if constexpr (std::numeric_limits<T>::is_signed) {
      auto v = ParseSigned(text, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(),
                           type_name_);
      if (!v.ok()) return v.error();
      *target_ = static_cast<T>(*v);
    } else {
      auto v = ParseUnsigned(text, std::numeric_limits<T>::max(), type_name_);
      if (!v.ok()) return v.error();
      *target_ = static_cast<T>(*v);
    }
    return Status::Ok();
  }
  std::string Text() const override { return std::to_string(*target_); }
  std::string TypeName() const override { return type_name_; }
  std::string ZeroText() const override { return "0"; }

 private:
  T* target_;
  std::string type_name_;
};

class StringValue final : public FlagValue {
 public:
  explicit StringValue(std::string* target) : target_(target) {}
  Status Set(std::string_view text) override {
    target_->assign(text);
    return Status::Ok();
  }
  std::string Text() const override { return *target_; }
  std::string TypeName() const override { return "string"; }
  std::string ZeroText() const override { return ""; }
  bool QuoteDefault() const override { return true; }

 private:
  std::string* target_;
};

class IpValue final : public FlagValue {
 public:
  explicit IpValue(std::string* target) : target_(target) {}
  Status Set(std::string_view text) override {
    auto v = ParseIp(text);
    if (!v.ok()) return v.error();
    *target_ = std::move(*v);
    return Status::Ok();
  }
  std::string Text() const override { return *target_; }
  std::string TypeName() const override { return "ip"; }
  std::string ZeroText() const override { return ""; }

 private:
  std::string* target_;
};

class DurationValue final : public FlagValue {
 public:
  explicit DurationValue(std::chrono::nanoseconds* target) : target_(target) {}
  Status Set(std::string_view text) override {
    auto v = ParseDuration(text);
    if (!v.ok()) return v.error();
    *target_ = *v;
    return Status::Ok();
  }
  std::string Text() const override { return FormatDuration(*target_); }
  std::string TypeName() const override { return "duration"; }
  std::string ZeroText() const override { return "0s"; }

 private:
  std::chrono::nanoseconds* target_;
};

// Quotes a slice element for display when it would not read back as one CSV field.
std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"") == std::string::npos) return field;
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// pflag's slice semantics: the first Set replaces the declared default, later Sets append.
template <typename Element>
class SliceValue final : public FlagValue {
 public:
  using Parser = Expected<std::vector<Element>> (*)(std::string_view);
  SliceValue(std::vector<Element>* target, std::string type_name, Parser parse)
      : target_(target), type_name_(std::move(type_name)), parse_(parse) {}
  Status Set(std::string_view text) override {
    auto items = parse_(text);
    if (!items.ok()) return items.error();
    if (!set_before_) target_->clear();
    set_before_ = true;
    for (auto& item : *items) target_->push_back(std::move(item));
    return Status::Ok();
  }
  std::string Text() const override {
    std::string out = "[";
    for (size_t i = 0; i < target_->size(); ++i) {
      if (i > 0) out += ",";
      if constexpr (std::is_same_v<Element, std::string>) {
        out += CsvField((*target_)[i]);
      } else {
        out += std::to_string((*target_)[i]);
      }
    }
    return out + "]";
  }
  std::string TypeName() const override { return type_name_; }
  std::string ZeroText() const override { return "[]"; }

 private:
  std::vector<Element>* target_;
  std::string type_name_;
  Parser parse_;
  bool set_before_ = false;
};

Expected<std::vector<std::string>> ParseStringList(std::string_view text) {
  return SplitCsv(text);
}

Expected<std::vector<uint32_t>> ParseUintList(std::string_view text) {
  std::vector<uint32_t> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const auto item = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    auto v = ParseUnsigned(item, std::numeric_limits<uint32_t>::max(), "uint32");
    if (!v.ok()) return Error{0, "element \"" + std::string(item) + "\": " + v.error().message};
    out.push_back(static_cast<uint32_t>(*v));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Expected<std::vector<std::string>> ParseIpList(std::string_view text) {
  auto fields = SplitCsv(text);
  if (!fields.ok()) return fields.error();
  std::vector<std::string> out;
  for (const auto& field : *fields) {
    auto ip = ParseIp(field);
    if (!ip.ok()) return Error{0, "element \"" + field + "\": " + ip.error().message};
    out.push_back(std::move(*ip));
  }
  return out;
}

}  // namespace

std::unique_ptr<FlagValue> MakeValue(bool* target) {
  return std::make_unique<BoolValue>(target);
}
std::unique_ptr<FlagValue> MakeValue(int* target) {
  return std::make_unique<IntegerValue<int>>(target, "int");
}
std::unique_ptr<FlagValue> MakeValue(int64_t* target) {
  return std::make_unique<IntegerValue<int64_t>>(target, "int64");
}
std::unique_ptr<FlagValue> MakeValue(uint8_t* target) {
  return std::make_unique<IntegerValue<uint8_t>>(target, "uint8");
}
std::unique_ptr<FlagValue> MakeValue(uint16_t* target) {
  return std::make_unique<IntegerValue<uint16_t>>(target, "uint16");
}
std::unique_ptr<FlagValue> MakeValue(uint32_t* target) {
  return std::make_unique<IntegerValue<uint32_t>>(target, "uint32");
}
std::unique_ptr<FlagValue> MakeValue(uint64_t* target) {
  return std::make_unique<IntegerValue<uint64_t>>(target, "uint64");
}
std::unique_ptr<FlagValue> MakeValue(std::string* target) {
  return std::make_unique<StringValue>(target);
}
std::unique_ptr<FlagValue> MakeValue(std::chrono::nanoseconds* target) {
  return std::make_unique<DurationValue>(target);
}
std::unique_ptr<FlagValue> MakeValue(std::vector<std::string>* target) {
  return std::make_unique<SliceValue<std::string>>(target, "strings", &ParseStringList);
}
std::unique_ptr<FlagValue> MakeValue(std::vector<uint32_t>* target) {
  return std::make_unique<SliceValue<uint32_t>>(target, "uints", &ParseUintList);
}
std::unique_ptr<FlagValue> MakeIpValue(std::string* target) {
  return std::make_unique<IpValue>(target);
}
std::unique_ptr<FlagValue> MakeIpSliceValue(std::vector<std::string>* target) {
  return std::make_unique<SliceValue<std::string>>(target, "ipSlice", &ParseIpList);
}

}  // namespace kr::flags
