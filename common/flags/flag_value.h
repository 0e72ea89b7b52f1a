// The typed values behind flags: each binds to a caller's variable and parses text into it.
// FlagSet declares the common ones; FlagSet::Custom takes any FlagValue (e.g. an enum).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"

namespace kr::flags {

class FlagValue {
 public:
  virtual ~FlagValue() = default;

  // Parses text into the bound variable. On error the variable is unchanged and the Error
  // says why, without naming the flag (the parser adds that).
  virtual Status Set(std::string_view text) = 0;

  // The variable's current value as text, as --help shows defaults ("5m0s", "[a,b]", "true").
  virtual std::string Text() const = 0;

  // Type shown in --help after the flag name ("uint16", "duration", "strings", "ipSlice"),
  // pflag's names; empty for booleans, which take no value.
  virtual std::string TypeName() const = 0;

  // Text() of the type's zero value; --help omits a default equal to it, as pflag does.
  virtual std::string ZeroText() const = 0;

  // Booleans: "--flag" alone means true and never consumes the next argument.
  virtual bool IsBool() const { return false; }

  // --help quotes the default of string-typed values: (default "/metrics").
  virtual bool QuoteDefault() const { return false; }
};

std::unique_ptr<FlagValue> MakeValue(bool* target);
std::unique_ptr<FlagValue> MakeValue(int* target);
std::unique_ptr<FlagValue> MakeValue(int64_t* target);
std::unique_ptr<FlagValue> MakeValue(uint8_t* target);
std::unique_ptr<FlagValue> MakeValue(uint16_t* target);
std::unique_ptr<FlagValue> MakeValue(uint32_t* target);
std::unique_ptr<FlagValue> MakeValue(uint64_t* target);
std::unique_ptr<FlagValue> MakeValue(std::string* target);
std::unique_ptr<FlagValue> MakeValue(std::chrono::nanoseconds* target);
// The slices: the first Set replaces the declared default, later ones append (pflag).
std::unique_ptr<FlagValue> MakeValue(std::vector<std::string>* target);
std::unique_ptr<FlagValue> MakeValue(std::vector<uint32_t>* target);
// IP addresses stored as canonical text (see ParseIp); "" = unset.
std::unique_ptr<FlagValue> MakeIpValue(std::string* target);
std::unique_ptr<FlagValue> MakeIpSliceValue(std::vector<std::string>* target);

}  // namespace kr::flags
