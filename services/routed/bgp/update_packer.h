// Turns a batch of routes for one peer (rib.h's OutgoingRoute) into as few UPDATE messages as
// fit in the 4096-byte limit: withdrawals share messages per family (Withdrawn Routes for
// IPv4, MP_UNREACH_NLRI for IPv6), and announcements with the same path attributes (and, for
// IPv6, the same next hop) share one attribute block with as many NLRI as fit.
//
// When the batch names one prefix more than once, only its last entry counts (the RIB's
// Adj-RIB-Out ends in that state). Withdrawals go out before announcements. Pure.
#pragma once

#include <vector>

#include "services/routed/bgp/codec_options.h"
#include "services/routed/bgp/message_header.h"
#include "services/routed/bgp/rib.h"
#include "services/routed/bgp/update_message.h"

namespace kr::bgp {

// `options` are the session's (the AS_PATH size depends on them); `max_length` is the
// whole message, header included.
std::vector<UpdateMessage> PackUpdates(const std::vector<const OutgoingRoute*>& routes,
                                       const CodecOptions& options,
                                       size_t max_length = kMaxMessageLength);

}  // namespace kr::bgp
