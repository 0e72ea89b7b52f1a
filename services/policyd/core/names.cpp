#include "services/policyd/core/names.h"

#include <openssl/sha.h>

namespace kr::policyd {
namespace {

std::string Named(std::string_view prefix, std::string_view input) {
  return std::string(prefix) + StableHash(input);
}

std::string SetNamed(std::string_view kind, char family, std::string_view what) {
  std::string prefix = std::string(kSetPrefix) + std::string(kind) + family + "-";
  std::string input = std::string(kind) + family + "|" + std::string(what);
  return Named(prefix, input);
}

}  // namespace

std::string StableHash(std::string_view input) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char byte : digest) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.size() < 16) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.size() == 16) break;
  }
  return out;
}

std::string PodIngressChain(std::string_view pod_key) {
  return Named("KR-POL-PI-", std::string("pod|") + std::string(pod_key));
}
std::string PodEgressChain(std::string_view pod_key) {
  return Named("KR-POL-PE-", std::string("pod|") + std::string(pod_key));
}
std::string PolicyIngressChain(std::string_view policy_key) {
  return Named("KR-POL-NPI-", std::string("policy|") + std::string(policy_key));
}
std::string PolicyEgressChain(std::string_view policy_key) {
  return Named("KR-POL-NPE-", std::string("policy|") + std::string(policy_key));
}
std::string PeerSetName(char family, std::string_view what) {
  return SetNamed("S", family, what);
}
std::string ExceptSetName(char family, std::string_view what) {
  return SetNamed("X", family, what);
}
std::string NamedPortSetName(char family, std::string_view what) {
  return SetNamed("N", family, what);
}
std::string LocalPodsSetName(char family) {
  return std::string(kSetPrefix) + "LOCAL" + family;
}

}  // namespace kr::policyd
