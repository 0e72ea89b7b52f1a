// The per-socket settings a BGP session needs that Asio has no option for: a TCP MD5
// signature key for one peer address (RFC 2385, setsockopt TCP_MD5SIG; set on the listening
// socket per peer and on the connecting socket before connect()), and the IP TTL / IPv6 hop
// limit of outgoing packets (eBGP multihop). Plain functions on a file descriptor.
#pragma once

#include <string_view>

#include "common/base/expected.h"
#include "services/routed/bgp/ip_address.h"

namespace kr::bgp {

// An empty password removes the key for `peer`.
Status SetTcpMd5Key(int fd, const IpAddress& peer, std::string_view password);
Status SetOutgoingTtl(int fd, IpFamily family, int ttl);

}  // namespace kr::bgp
