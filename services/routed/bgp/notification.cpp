#include "services/routed/bgp/notification.h"

#include <cstdio>

namespace kr::bgp {

std::string_view NotificationCodeName(uint8_t code) {
  switch (code) {
    case err::kMessageHeader:
      return "Message Header Error";
    case err::kOpenMessage:
      return "OPEN Message Error";
    case err::kUpdateMessage:
      return "UPDATE Message Error";
    case err::kHoldTimerExpired:
      return "Hold Timer Expired";
    case err::kFsm:
      return "Finite State Machine Error";
    case err::kCease:
      return "Cease";
    case err::kRouteRefreshMessage:
      return "ROUTE-REFRESH Message Error";
    default:
      return "Unknown error code";
  }
}

namespace {

std::string_view HeaderSubcodeName(uint8_t subcode) {
  switch (subcode) {
    case err::kConnectionNotSynchronized:
      return "Connection Not Synchronized";
    case err::kBadMessageLength:
      return "Bad Message Length";
    case err::kBadMessageType:
      return "Bad Message Type";
    default:
      return "";
  }
}

std::string_view OpenSubcodeName(uint8_t subcode) {
  switch (subcode) {
    case err::kUnspecific:
      return "Unspecific";
    case err::kUnsupportedVersionNumber:
      return "Unsupported Version Number";
    case err::kBadPeerAs:
      return "Bad Peer AS";
    case err::kBadBgpIdentifier:
      return "Bad BGP Identifier";
    case err::kUnsupportedOptionalParameter:
      return "Unsupported Optional Parameter";
    case 5:
      return "Authentication Failure (deprecated)";
    case err::kUnacceptableHoldTime:
      return "Unacceptable Hold Time";
    case err::kUnsupportedCapability:
      return "Unsupported Capability";
    case 8:
      return "Role Mismatch";
    default:
      return "";
  }
}

std::string_view UpdateSubcodeName(uint8_t subcode) {
  switch (subcode) {
    case err::kMalformedAttributeList:
      return "Malformed Attribute List";
    case err::kUnrecognizedWellKnownAttribute:
      return "Unrecognized Well-known Attribute";
    case err::kMissingWellKnownAttribute:
      return "Missing Well-known Attribute";
    case err::kAttributeFlagsError:
      return "Attribute Flags Error";
    case err::kAttributeLengthError:
      return "Attribute Length Error";
    case err::kInvalidOrigin:
      return "Invalid ORIGIN Attribute";
    case 7:
      return "AS Routing Loop (deprecated)";
    case err::kInvalidNextHop:
      return "Invalid NEXT_HOP Attribute";
    case err::kOptionalAttributeError:
      return "Optional Attribute Error";
    case err::kInvalidNetworkField:
      return "Invalid Network Field";
    case err::kMalformedAsPath:
      return "Malformed AS_PATH";
    default:
      return "";
  }
}

std::string_view FsmSubcodeName(uint8_t subcode) {
  switch (subcode) {
    case 0:
      return "Unspecified Error";
    case 1:
      return "Receive Unexpected Message in OpenSent State";
    case 2:
      return "Receive Unexpected Message in OpenConfirm State";
    case 3:
      return "Receive Unexpected Message in Established State";
    default:
      return "";
  }
}

std::string_view CeaseSubcodeName(uint8_t subcode) {
  switch (subcode) {
    case err::kMaximumPrefixes:
      return "Maximum Number of Prefixes Reached";
    case err::kAdministrativeShutdown:
      return "Administrative Shutdown";
    case err::kPeerDeconfigured:
      return "Peer De-configured";
    case err::kAdministrativeReset:
      return "Administrative Reset";
    case err::kConnectionRejected:
      return "Connection Rejected";
    case err::kOtherConfigurationChange:
      return "Other Configuration Change";
    case err::kConnectionCollisionResolution:
      return "Connection Collision Resolution";
    case err::kOutOfResources:
      return "Out of Resources";
    case err::kHardReset:
      return "Hard Reset";
    case 10:
      return "BFD Down";
    default:
      return "";
  }
}

}  // namespace

std::string_view NotificationSubcodeName(uint8_t code, uint8_t subcode) {
  std::string_view name;
  switch (code) {
    case err::kMessageHeader:
      name = HeaderSubcodeName(subcode);
      break;
    case err::kOpenMessage:
      name = OpenSubcodeName(subcode);
      break;
    case err::kUpdateMessage:
      name = UpdateSubcodeName(subcode);
      break;
    case err::kFsm:
      name = FsmSubcodeName(subcode);
      break;
    case err::kCease:
      name = CeaseSubcodeName(subcode);
      break;
    case err::kRouteRefreshMessage:
      name = subcode == err::kInvalidRouteRefreshLength ? "Invalid Message Length" : "";
      break;
    default:
      break;
  }
  if (name.empty()) return subcode == 0 ? "Unspecific" : "Unknown subcode";
  return name;
}

std::string Describe(const NotificationMessage& n) {
  std::string text = std::to_string(n.code) + "/" + std::to_string(n.subcode) + " " +
                     std::string(NotificationCodeName(n.code)) + " / " +
                     std::string(NotificationSubcodeName(n.code, n.subcode));
  if (n.data.empty()) return text;
  // RFC 9003: a length octet then UTF-8 text, for Administrative Shutdown and Reset.
  const bool shutdown = n.code == err::kCease && (n.subcode == err::kAdministrativeShutdown ||
                                                  n.subcode == err::kAdministrativeReset);
  if (shutdown && n.data[0] + 1u == n.data.size()) {
    std::string message;
    for (size_t i = 1; i < n.data.size(); ++i) {
      const char c = static_cast<char>(n.data[i]);
      message += (n.data[i] < 0x20 || n.data[i] == 0x7f) ? '?' : c;
    }
    return text + ": \"" + message + "\"";
  }
  text += " data=";
  for (uint8_t b : n.data) {
    char hex[3];
    std::snprintf(hex, sizeof(hex), "%02x", b);
    text += hex;
  }
  return text;
}

NotificationMessage DecodeNotificationBody(std::span<const uint8_t> body) {
  NotificationMessage n;
  if (body.size() >= 1) n.code = body[0];
  if (body.size() >= 2) {
    n.subcode = body[1];
    n.data.assign(body.begin() + 2, body.end());
  }
  return n;
}

void EncodeNotificationBody(const NotificationMessage& message, std::vector<uint8_t>& out) {
  out.push_back(message.code);
  out.push_back(message.subcode);
  out.insert(out.end(), message.data.begin(), message.data.end());
}

}  // namespace kr::bgp
