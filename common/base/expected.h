// Errors as values for run-time kernel and network calls (see architecture.md, "Errors").
//
// C++20 has no std::expected, so this is the small subset the project needs: a value or an
// Error carrying a negative-errno-style code (0 when no errno applies) and a message meant for
// a log line. Exceptions stay for start-up and config load only.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace kr {

struct Error {
  int code = 0;         // errno value (positive, e.g. ENOENT), or 0 when none applies
  std::string message;  // human-readable, already includes the operation that failed

  static Error FromErrno(int err, const std::string& what) {
    return Error{err, what + ": " + std::strerror(err)};
  }
};

// Holds either a T or an Error. Accessing the wrong alternative is a broken invariant.
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Success or an Error, for operations without a result value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace kr
