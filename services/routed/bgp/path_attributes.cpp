#include "services/routed/bgp/path_attributes.h"

namespace kr::bgp {

std::string CommunityToString(uint32_t c) {
  switch (c) {
    case community::kGracefulShutdown:
      return "graceful-shutdown";
    case community::kBlackhole:
      return "blackhole";
    case community::kNoExport:
      return "no-export";
    case community::kNoAdvertise:
      return "no-advertise";
    case community::kNoExportSubconfed:
      return "no-export-subconfed";
    case community::kNoPeer:
      return "no-peer";
    default:
      return std::to_string(c >> 16) + ":" + std::to_string(c & 0xffff);
  }
}

std::string_view OriginName(Origin origin) {
  switch (origin) {
    case Origin::kIgp:
      return "igp";
    case Origin::kEgp:
      return "egp";
    case Origin::kIncomplete:
      return "incomplete";
  }
  return "unknown";
}

}  // namespace kr::bgp
