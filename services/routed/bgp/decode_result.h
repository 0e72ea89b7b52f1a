// The value every decoder returns: the decoded thing, or the NOTIFICATION the session must
// send before closing (RFC 4271 section 6, RFC 7606 "session reset").
//
// `reason` is a log line for people; the notification is what goes on the wire.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "services/routed/bgp/notification.h"

namespace kr::bgp {

struct DecodeError {
  NotificationMessage notification;
  std::string reason;
};

inline DecodeError MakeDecodeError(uint8_t code, uint8_t subcode, std::vector<uint8_t> data,
                                   std::string reason) {
  return DecodeError{NotificationMessage{code, subcode, std::move(data)}, std::move(reason)};
}

template <typename T>
class [[nodiscard]] DecodeResult {
 public:
  DecodeResult(T value) : state_(std::move(value)) {}            // NOLINT: implicit by design
  DecodeResult(DecodeError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const DecodeError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, DecodeError> state_;
};

}  // namespace kr::bgp
