// Which source address a TCP connection between two test namespaces arrives with: how the
// overlay and routing tests see that pod traffic took the path (tunnel, SNAT or none) they
// expect.
//
//   CHECK(ConnectAndSeeSource(pod_a, pod_b, "198.18.2.2") == "198.18.1.2");
//
// IPv4 only. Blocking, bounded by 10 s per step (a broken path gives "error: ..." rather than
// hanging the test). Opens a listener on to_ip:port inside `to`, connects from `from`, accepts,
// and closes all three sockets before returning.
#pragma once

#include <cstdint>
#include <string>

#include "test/support/netns.h"

namespace kr::test {

// The peer address the listener saw (getpeername of the accepted socket), or "error: ...".
std::string ConnectAndSeeSource(const NetNs& from, const NetNs& to, const std::string& to_ip,
                                uint16_t port = 9090);

}  // namespace kr::test
