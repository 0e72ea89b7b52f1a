// What a session has negotiated or configured that changes how UPDATEs are read and written.
// The session FSM fills this in after the OPEN exchange and passes it to every decode/encode.
#pragma once

#include <cstdint>
#include <optional>

namespace kr::bgp {

enum class UpdateErrorPolicy : uint8_t {
  kRevised,  // RFC 7606: treat-as-withdraw / attribute discard where it allows (the default)
  kStrict,   // RFC 4271 only: every UPDATE error closes the session (for tests and debugging)
};

struct CodecOptions {
  bool four_octet_as = true;  // both OPENs carried the 4-octet AS capability (RFC 6793)
  bool external_peer = true;  // eBGP: LOCAL_PREF from the peer is ignored (RFC 4271 5.1.5)
  // When set (eBGP, not a route server), an AS_PATH whose first AS differs is malformed.
  std::optional<uint32_t> enforce_first_as;
  UpdateErrorPolicy error_policy = UpdateErrorPolicy::kRevised;
};

}  // namespace kr::bgp
