// Command-line flags with kube-router's syntax (Go pflag).
//
//   struct ProxyConfig {
//     bool run_firewall = true;
//     std::chrono::nanoseconds sync_period = std::chrono::minutes(5);
//     std::vector<std::string> peer_ips;
//   } cfg;
//   kr::flags::CommonFlags common;                              // see common_flags.h
//   common.health_port = 20245;
//
//   kr::flags::FlagSet fs("kr-proxyd", "IPVS service proxy");
//   common.Register(fs);                                        // -v, --kubeconfig, ...
//   fs.Bool("run-firewall", &cfg.run_firewall, "Enables Network Policy.");
//   fs.Duration("ipvs-sync-period", &cfg.sync_period, "The delay between ipvs syncs (e.g. '5s').");
//   fs.IpSlice("peer-router-ips", &cfg.peer_ips, "The ip addresses of the external routers.");
//   fs.AfterParse([&]() -> kr::Status {
//     if (cfg.sync_period <= std::chrono::nanoseconds(0))
//       return kr::Error{0, "--ipvs-sync-period must be greater than 0"};
//     return {};
//   });
//   std::vector<std::string> args = fs.ParseOrExit(argc, argv);  // positional arguments
//
// Declarations bind to the caller's variables; a variable's value when it is declared is the
// flag's default and is what --help shows. Syntax, as pflag:
//   --name=value, --name value; booleans: --flag (true), --flag=false (1 0 t f T F true
//   false TRUE FALSE True False); "--flag false" sets true and leaves "false" positional.
//   Shorthands (Flag::Shorthand): -p 8080, -p8080, -p=8080, and grouped booleans -dn.
//   Slices: comma-separated, repeating a flag appends; the first use replaces the default.
//   Durations in Go syntax (300ms, 5s, 2h22m, 1.5h; see duration.h). Integers in Go syntax,
//   range-checked for their width (0x1f hex, 0o17 or 017 octal, 0b101 binary).
//   Positional arguments may appear anywhere; "--" ends the flags; "-" is positional.
//   -h/--help and -V/--version exist in every FlagSet.
//
// Errors: Parse returns them as values (kr::Expected) with pflag's wording, e.g.
//   unknown flag: --foo        unknown shorthand flag: 'x' in -x
//   flag needs an argument: --metrics-port
//   invalid argument "abc" for "--metrics-port" flag: not a number
// ParseOrExit is for main(): on an error it prints "<program>: <error>" and a hint to run
// --help to stderr and exits 2 (pflag's status; the full usage would bury the error); it
// prints --help to stdout or the version and exits 0; otherwise it returns the positional
// arguments. Declaring a flag twice
// or a bad name/shorthand is a programming error and throws std::logic_error at start-up.
//
// Threading: a FlagSet is used by one thread, at start-up. It must outlive the parse, and the
// bound variables must outlive the FlagSet's use. Not copyable or movable (flags point back).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/flags/flag_value.h"

namespace kr::flags {

class FlagSet;

// One declared flag, returned by the declaration so that a shorthand can be chained:
//   fs.Uint16("metrics-port", &port, "...").Shorthand('p');
class Flag {
 public:
  // A one-letter alias used with a single dash. Throws std::logic_error when not a letter or
  // digit or when the FlagSet already uses it.
  Flag& Shorthand(char letter);

  const std::string& name() const { return name_; }
  char shorthand() const { return shorthand_; }  // '\0' when none
  const std::string& usage() const { return usage_; }
  const std::string& default_text() const { return default_text_; }  // value at declaration
  bool changed() const { return changed_; }                          // set on the command line
  const FlagValue& value() const { return *value_; }

 private:
  friend class FlagSet;
  Flag(FlagSet* owner, std::string name, std::unique_ptr<FlagValue> value, std::string usage);

  FlagSet* owner_;
  std::string name_;
  char shorthand_ = '\0';
  std::unique_ptr<FlagValue> value_;
  std::string usage_;
  std::string default_text_;
  bool changed_ = false;
};

struct ParseResult {
  enum class Action {
    kRun,          // flags parsed and AfterParse checks passed
    kShowHelp,     // -h/--help seen: print Usage() and exit 0
    kShowVersion,  // -V/--version seen: print VersionLine() and exit 0
  };
  Action action = Action::kRun;
  std::vector<std::string> args;  // positional arguments, in order
};

class FlagSet {
 public:
  // program names the binary in --help and errors; version defaults to the project's.
  FlagSet(std::string program, std::string description, std::string version = "");
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Declarations. A name is lowercase words joined by '-' (pflag style); usage is one
  // sentence, and a `word` in backquotes replaces the type name in --help ("--kubeconfig
  // path" instead of "--kubeconfig string").
  Flag& Bool(std::string_view name, bool* target, std::string_view usage);
  Flag& Int(std::string_view name, int* target, std::string_view usage);
  Flag& Int64(std::string_view name, int64_t* target, std::string_view usage);
  Flag& Uint8(std::string_view name, uint8_t* target, std::string_view usage);
  Flag& Uint16(std::string_view name, uint16_t* target, std::string_view usage);
  Flag& Uint32(std::string_view name, uint32_t* target, std::string_view usage);
  Flag& Uint64(std::string_view name, uint64_t* target, std::string_view usage);
  Flag& String(std::string_view name, std::string* target, std::string_view usage);
  Flag& Duration(std::string_view name, std::chrono::nanoseconds* target, std::string_view usage);
  // An IPv4 or IPv6 address, stored as canonical text ("" = unset). A non-empty default must
  // be a valid address.
  Flag& Ip(std::string_view name, std::string* target, std::string_view usage);
  Flag& StringSlice(std::string_view name, std::vector<std::string>* target,
                    std::string_view usage);
  Flag& UintSlice(std::string_view name, std::vector<uint32_t>* target, std::string_view usage);
  Flag& IpSlice(std::string_view name, std::vector<std::string>* target, std::string_view usage);
  // Any other value type (e.g. an enum that accepts a fixed set of words).
  Flag& Custom(std::string_view name, std::unique_ptr<FlagValue> value, std::string_view usage);

  // A check run after a successful parse (not for --help/--version), in declaration order;
  // the first failure is Parse's error. For constraints between flags or value ranges.
  void AfterParse(std::function<Status()> check);

  // Parses args (without the program name). Parse once per FlagSet.
  Expected<ParseResult> Parse(const std::vector<std::string>& args);
  // Same, from main's argc/argv (argv[0] is skipped).
  Expected<ParseResult> Parse(int argc, const char* const* argv);
  // For main(): see the top of this file.
  std::vector<std::string> ParseOrExit(int argc, const char* const* argv);

  // pflag-style help: description, usage line, then every flag sorted by name with its type,
  // usage and non-zero default.
  std::string Usage() const;
  // "<program> version <version>".
  std::string VersionLine() const;

  const Flag* Lookup(std::string_view name) const;  // nullptr when not declared
  bool Changed(std::string_view name) const;        // false when not declared or not set
  const std::string& program() const { return program_; }

 private:
  friend class Flag;

  Flag& Declare(std::string_view name, std::unique_ptr<FlagValue> value, std::string_view usage);
  void RegisterShorthand(Flag& flag, char letter);
  Status SetFlag(Flag& flag, std::string_view value);
  // Parsers for one argument; `next` indexes the argument after it and advances when the
  // flag's value is taken from there.
  Status ParseLong(const std::string& arg, const std::vector<std::string>& args, size_t& next);
  Status ParseShort(const std::string& arg, const std::vector<std::string>& args, size_t& next);

  std::string program_;
  std::string description_;
  std::string version_;
  std::map<std::string, std::unique_ptr<Flag>, std::less<>> flags_;  // sorted, for Usage()
  std::map<char, Flag*> shorthands_;
  std::vector<std::function<Status()>> checks_;
  bool help_requested_ = false;
  bool version_requested_ = false;
};

}  // namespace kr::flags
