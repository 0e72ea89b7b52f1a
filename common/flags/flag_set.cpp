#include "common/flags/flag_set.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "common/flags/value_parsers.h"

#ifndef KR_VERSION  // set by the root meson.build; a fallback for other builds
#define KR_VERSION "unknown"
#endif

namespace kr::flags {
namespace {

Error Fail(std::string message) {
  return Error{0, std::move(message)};
}

// "-p, --metrics-port" when the flag has a shorthand, else "--metrics-port" (pflag's naming
// in "invalid argument" errors).
std::string DisplayName(const Flag& flag) {
  std::string out;
  if (flag.shorthand() != '\0') out = std::string("-") + flag.shorthand() + ", ";
  return out + "--" + flag.name();
}

bool ValidName(std::string_view name) {
  if (name.empty() || name[0] == '-') return false;
  for (const char c : name) {
    if (c == '=' || std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Flag::Flag(FlagSet* owner, std::string name, std::unique_ptr<FlagValue> value, std::string usage)
    : owner_(owner),
      name_(std::move(name)),
      value_(std::move(value)),
      usage_(std::move(usage)),
      default_text_(value_->Text()) {}

Flag& Flag::Shorthand(char letter) {
  owner_->RegisterShorthand(*this, letter);
  return *this;
}

FlagSet::FlagSet(std::string program, std::string description, std::string version)
    : program_(std::move(program)),
      description_(std::move(description)),
      version_(version.empty() ? KR_VERSION : std::move(version)) {
  Bool("help", &help_requested_, "Print usage information.").Shorthand('h');
  Bool("version", &version_requested_, "Print version information.").Shorthand('V');
}

Flag& FlagSet::Declare(std::string_view name, std::unique_ptr<FlagValue> value,
                       std::string_view usage) {
  if (!ValidName(name)) throw std::logic_error("invalid flag name \"" + std::string(name) + "\"");
  if (flags_.contains(name)) throw std::logic_error("flag redefined: " + std::string(name));
  auto flag = std::unique_ptr<Flag>(
      new Flag(this, std::string(name), std::move(value), std::string(usage)));
  Flag& ref = *flag;
  flags_.emplace(std::string(name), std::move(flag));
  return ref;
}

void FlagSet::RegisterShorthand(Flag& flag, char letter) {
  if (!std::isalnum(static_cast<unsigned char>(letter))) {
    throw std::logic_error("invalid shorthand for --" + flag.name_);
  }
  if (flag.shorthand_ != '\0' || shorthands_.contains(letter)) {
    throw std::logic_error(std::string("shorthand -") + letter + " redefined (--" + flag.name_ +
                           ")");
  }
  flag.shorthand_ = letter;
  shorthands_[letter] = &flag;
}

Flag& FlagSet::Bool(std::string_view name, bool* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Int(std::string_view name, int* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Int64(std::string_view name, int64_t* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Uint8(std::string_view name, uint8_t* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Uint16(std::string_view name, uint16_t* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Uint32(std::string_view name, uint32_t* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Uint64(std::string_view name, uint64_t* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::String(std::string_view name, std::string* target, std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Duration(std::string_view name, std::chrono::nanoseconds* target,
                        std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::Ip(std::string_view name, std::string* target, std::string_view usage) {
  if (!target->empty() && !ParseIp(*target).ok()) {
    throw std::logic_error("default of --" + std::string(name) + " is not an IP address");
  }
  return Declare(name, MakeIpValue(target), usage);
}
Flag& FlagSet::StringSlice(std::string_view name, std::vector<std::string>* target,
                           std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::UintSlice(std::string_view name, std::vector<uint32_t>* target,
                         std::string_view usage) {
  return Declare(name, MakeValue(target), usage);
}
Flag& FlagSet::IpSlice(std::string_view name, std::vector<std::string>* target,
                       std::string_view usage) {
  for (const auto& ip : *target) {
    if (!ParseIp(ip).ok()) {
      throw std::logic_error("default of --" + std::string(name) + " has a bad IP address");
    }
  }
  return Declare(name, MakeIpSliceValue(target), usage);
}
Flag& FlagSet::Custom(std::string_view name, std::unique_ptr<FlagValue> value,
                      std::string_view usage) {
  if (!value) throw std::logic_error("null value for --" + std::string(name));
  return Declare(name, std::move(value), usage);
}

void FlagSet::AfterParse(std::function<Status()> check) {
  checks_.push_back(std::move(check));
}

const Flag* FlagSet::Lookup(std::string_view name) const {
  const auto it = flags_.find(name);
  return it == flags_.end() ? nullptr : it->second.get();
}

bool FlagSet::Changed(std::string_view name) const {
  const Flag* flag = Lookup(name);
  return flag != nullptr && flag->changed();
}

std::string FlagSet::VersionLine() const {
  return program_ + " version " + version_;
}

Status FlagSet::SetFlag(Flag& flag, std::string_view value) {
  if (Status s = flag.value_->Set(value); !s.ok()) {
    return Fail("invalid argument \"" + std::string(value) + "\" for \"" + DisplayName(flag) +
                "\" flag: " + s.error().message);
  }
  flag.changed_ = true;
  return Status::Ok();
}

Status FlagSet::ParseLong(const std::string& arg, const std::vector<std::string>& args,
                          size_t& next) {
  const std::string_view body = std::string_view(arg).substr(2);
  if (body.empty() || body[0] == '-' || body[0] == '=') return Fail("bad flag syntax: " + arg);
  const size_t eq = body.find('=');
  const std::string_view name = body.substr(0, eq);
  const auto it = flags_.find(name);
  if (it == flags_.end()) return Fail("unknown flag: --" + std::string(name));
  Flag& flag = *it->second;
  if (eq != std::string_view::npos) return SetFlag(flag, body.substr(eq + 1));
  if (flag.value_->IsBool()) return SetFlag(flag, "true");
  if (next < args.size()) return SetFlag(flag, args[next++]);
  return Fail("flag needs an argument: --" + std::string(name));
}

Status FlagSet::ParseShort(const std::string& arg, const std::vector<std::string>& args,
                           size_t& next) {
  std::string_view letters = std::string_view(arg).substr(1);
  while (!letters.empty()) {
    const char letter = letters[0];
    const auto it = shorthands_.find(letter);
    if (it == shorthands_.end()) {
      return Fail(std::string("unknown shorthand flag: '") + letter + "' in " + arg);
    }
    Flag& flag = *it->second;
    if (letters.size() >= 2 && letters[1] == '=') return SetFlag(flag, letters.substr(2));
    if (flag.value_->IsBool()) {
      if (Status s = SetFlag(flag, "true"); !s.ok()) return s;
      letters.remove_prefix(1);
      continue;
    }
    if (letters.size() > 1) return SetFlag(flag, letters.substr(1));
    if (next < args.size()) return SetFlag(flag, args[next++]);
    return Fail(std::string("flag needs an argument: '") + letter + "' in " + arg);
  }
  return Status::Ok();
}

Expected<ParseResult> FlagSet::Parse(const std::vector<std::string>& args) {
  ParseResult result;
  size_t next = 0;
  while (next < args.size()) {
    const std::string& arg = args[next++];
    if (arg.size() < 2 || arg[0] != '-') {
      result.args.push_back(arg);
      continue;
    }
    if (arg == "--") {
      result.args.insert(result.args.end(), args.begin() + static_cast<ptrdiff_t>(next),
                         args.end());
      break;
    }
    const Status s = arg[1] == '-' ? ParseLong(arg, args, next) : ParseShort(arg, args, next);
    if (!s.ok()) return s.error();
    // Help and version end parsing at once, as pflag's ErrHelp does: later arguments may be
    // incomplete because the user only wanted to read the help.
    if (help_requested_) {
      result.action = ParseResult::Action::kShowHelp;
      return result;
    }
    if (version_requested_) {
      result.action = ParseResult::Action::kShowVersion;
      return result;
    }
  }
  for (const auto& check : checks_) {
    if (Status s = check(); !s.ok()) return s.error();
  }
  return result;
}

Expected<ParseResult> FlagSet::Parse(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return Parse(args);
}

std::vector<std::string> FlagSet::ParseOrExit(int argc, const char* const* argv) {
  auto result = Parse(argc, argv);
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", program_.c_str(),
                 result.error().message.c_str(), program_.c_str());
    std::exit(2);
  }
  switch (result->action) {
    case ParseResult::Action::kShowHelp:
      std::fputs(Usage().c_str(), stdout);
      std::exit(0);
    case ParseResult::Action::kShowVersion:
      std::printf("%s\n", VersionLine().c_str());
      std::exit(0);
    case ParseResult::Action::kRun:
      break;
  }
  return std::move(result->args);
}

}  // namespace kr::flags
