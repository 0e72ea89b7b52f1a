// Encoding of IPVS objects into generic-netlink attributes (linux/ip_vs.h, IPVS_CMD_ATTR_*) and
// decoding of the kernel's replies. Pure functions on libnl messages: no socket, so they are
// unit-tested without a kernel.
#pragma once

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "common/base/expected.h"
#include "common/ipvs/ipvs_types.h"

namespace kr::ipvs::codec {

// Appends IPVS_CMD_ATTR_SERVICE holding only what identifies the service (for delete, get and
// the destination commands).
Status PutServiceKey(nl_msg* msg, const ServiceKey& key);
// Appends IPVS_CMD_ATTR_SERVICE with every setting (for new and set): scheduler, flags with a
// full mask, persistence timeout and netmask (IPv4: a mask in network order; IPv6: a prefix
// length, as the kernel expects). EINVAL when a field cannot be encoded.
Status PutService(nl_msg* msg, const Service& service);

// Appends IPVS_CMD_ATTR_DEST holding the address, port and family (for delete).
Status PutDestinationKey(nl_msg* msg, const DestinationKey& key);
// Appends IPVS_CMD_ATTR_DEST with every setting (for new and set).
Status PutDestination(nl_msg* msg, const Destination& destination);

// Decode the nested IPVS_CMD_ATTR_SERVICE / IPVS_CMD_ATTR_DEST of a kernel reply. A destination
// without IPVS_DEST_ATTR_ADDR_FAMILY (kernels before 4.3) takes its service's family.
Expected<ServiceEntry> ParseService(nlattr* nested);
Expected<DestinationEntry> ParseDestination(nlattr* nested, int service_family);

}  // namespace kr::ipvs::codec
