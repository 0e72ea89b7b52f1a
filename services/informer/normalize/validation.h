// Checks on values the dataplanes will hand to the kernel. Each returns an empty string when
// the value is valid and the reason otherwise, so callers can name the field.
#pragma once

#include <map>
#include <string>

namespace kr::informer {

// "10.0.0.1" or "2001:db8::1"; writes the canonical text form to `canonical` if given.
std::string CheckIp(const std::string& text, std::string* canonical = nullptr);
// "10.0.0.0/24" or "2001:db8::/64" with the host bits clear is not required (the API accepts
// them in ipBlock); the prefix length must fit the family.
std::string CheckCidr(const std::string& text, std::string* canonical = nullptr);
// TCP, UDP or SCTP.
std::string CheckProtocol(const std::string& protocol);
// A port name as Kubernetes accepts it (IANA_SVC_NAME: 1-15 lowercase alphanumerics or '-',
// at least one letter, no leading, trailing or double '-').
std::string CheckPortName(const std::string& name);
// Label keys and values as the API validates them (qualified names, 63-character values).
std::string CheckLabels(const std::map<std::string, std::string>& labels);

// Does `cidr` (valid) contain the network `inner` (valid, same family)?
bool CidrContains(const std::string& cidr, const std::string& inner);

}  // namespace kr::informer
