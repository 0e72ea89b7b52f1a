// NOTIFICATION message (RFC 4271 4.5) and the error codes BGP defines, with names for logs.
//
// The codes are plain uint8_t constants, not enums, because a peer may send any value and we
// must log and re-encode what it sent. Describe() renders "code/subcode name (data)" and, for
// the Cease shutdown subcodes, the RFC 9003 shutdown communication text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kr::bgp {

namespace err {
inline constexpr uint8_t kMessageHeader = 1;
inline constexpr uint8_t kOpenMessage = 2;
inline constexpr uint8_t kUpdateMessage = 3;
inline constexpr uint8_t kHoldTimerExpired = 4;
inline constexpr uint8_t kFsm = 5;
inline constexpr uint8_t kCease = 6;
inline constexpr uint8_t kRouteRefreshMessage = 7;  // RFC 7313

// Message Header Error subcodes.
inline constexpr uint8_t kConnectionNotSynchronized = 1;
inline constexpr uint8_t kBadMessageLength = 2;
inline constexpr uint8_t kBadMessageType = 3;

// OPEN Message Error subcodes.
inline constexpr uint8_t kUnspecific = 0;
inline constexpr uint8_t kUnsupportedVersionNumber = 1;
inline constexpr uint8_t kBadPeerAs = 2;
inline constexpr uint8_t kBadBgpIdentifier = 3;
inline constexpr uint8_t kUnsupportedOptionalParameter = 4;
inline constexpr uint8_t kUnacceptableHoldTime = 6;
inline constexpr uint8_t kUnsupportedCapability = 7;  // RFC 5492

// UPDATE Message Error subcodes.
inline constexpr uint8_t kMalformedAttributeList = 1;
inline constexpr uint8_t kUnrecognizedWellKnownAttribute = 2;
inline constexpr uint8_t kMissingWellKnownAttribute = 3;
inline constexpr uint8_t kAttributeFlagsError = 4;
inline constexpr uint8_t kAttributeLengthError = 5;
inline constexpr uint8_t kInvalidOrigin = 6;
inline constexpr uint8_t kInvalidNextHop = 8;
inline constexpr uint8_t kOptionalAttributeError = 9;
inline constexpr uint8_t kInvalidNetworkField = 10;
inline constexpr uint8_t kMalformedAsPath = 11;

// Cease subcodes (RFC 4486, RFC 8538).
inline constexpr uint8_t kMaximumPrefixes = 1;
inline constexpr uint8_t kAdministrativeShutdown = 2;
inline constexpr uint8_t kPeerDeconfigured = 3;
inline constexpr uint8_t kAdministrativeReset = 4;
inline constexpr uint8_t kConnectionRejected = 5;
inline constexpr uint8_t kOtherConfigurationChange = 6;
inline constexpr uint8_t kConnectionCollisionResolution = 7;
inline constexpr uint8_t kOutOfResources = 8;
inline constexpr uint8_t kHardReset = 9;

// ROUTE-REFRESH Message Error subcodes (RFC 7313).
inline constexpr uint8_t kInvalidRouteRefreshLength = 1;
}  // namespace err

struct NotificationMessage {
  uint8_t code = 0;
  uint8_t subcode = 0;
  std::vector<uint8_t> data;

  bool operator==(const NotificationMessage&) const = default;
};

std::string_view NotificationCodeName(uint8_t code);
std::string_view NotificationSubcodeName(uint8_t code, uint8_t subcode);
std::string Describe(const NotificationMessage& notification);

// Body = everything after the 19-byte header (at least 2 bytes; the framer checks that).
NotificationMessage DecodeNotificationBody(std::span<const uint8_t> body);
void EncodeNotificationBody(const NotificationMessage& message, std::vector<uint8_t>& out);

}  // namespace kr::bgp
