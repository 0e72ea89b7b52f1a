// IPVS carries addresses as a family and the address bytes in network order: the common type
// (common/base/ip_address.h). Addresses read from IPVS's 16-byte nf_inet_addr union are made
// with IpAddress::FromPaddedBytes.
#pragma once

#include "common/base/ip_address.h"

namespace kr::ipvs {

using kr::AddressLength;
using kr::IpAddress;

}  // namespace kr::ipvs
