#include "services/routed/node_view.h"

#include <cctype>

#include "common/kube/base64.h"

namespace kr::routed {
namespace {

std::string Trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

const std::string* Annotation(const model::Node& node, const char* key) {
  auto it = node.annotations.find(key);
  return it == node.annotations.end() ? nullptr : &it->second;
}

std::optional<bgp::IpAddress> PickAddress(const model::Node& node, const std::string& type) {
  std::optional<bgp::IpAddress> any;
  for (const model::NodeAddress& a : node.addresses) {
    if (a.type != type) continue;
    auto ip = bgp::IpAddress::Parse(a.address);
    if (!ip) continue;
    if (ip->is_v4()) return ip;
    if (!any) any = ip;
  }
  return any;
}

std::optional<uint64_t> ParseUnsigned(const std::string& text, uint64_t max) {
  if (text.empty()) return std::nullopt;
  int base = 10;
  size_t at = 0;
  if (text.size() > 1 && text[0] == '0') {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[1])));
    if (c == 'x')
      base = 16, at = 2;
    else if (c == 'b')
      base = 2, at = 2;
    else if (c == 'o')
      base = 8, at = 2;
    else
      base = 8, at = 1;
  }
  if (at >= text.size()) return std::nullopt;
  uint64_t value = 0;
  for (; at < text.size(); ++at) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[at])));
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0 || digit >= base) return std::nullopt;
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
    if (value > max) return std::nullopt;
  }
  return value;
}

void ParsePodCidrs(const model::Node& node, NodeView& view) {
  std::vector<std::string> texts = node.pod_cidrs;
  std::string source = "spec.podCIDRs";
  if (texts.empty()) {
    if (const std::string* a = Annotation(node, kPodCidrAnnotation)) {
      texts = SplitList(*a);
      source = kPodCidrAnnotation;
    }
  }
  for (const std::string& text : texts) {
    auto prefix = bgp::IpPrefix::Parse(text);
    if (!prefix) {
      view.problems.push_back(source + ": \"" + text + "\" is not a CIDR with zero host bits");
      continue;
    }
    bool same_family = false;
    for (const auto& p : view.pod_cidrs) same_family |= p.family() == prefix->family();
    if (same_family) {
      view.problems.push_back(source + ": \"" + text + "\" is a second CIDR of its family");
      continue;
    }
    view.pod_cidrs.push_back(*prefix);
  }
}

void ParseExternalPeers(const model::Node& node, std::optional<uint8_t> multihop_ttl,
                        NodeView& view) {
  const std::string* ips_text = Annotation(node, kPeerIpsAnnotation);
  if (ips_text == nullptr) return;
  const std::vector<std::string> ips = SplitList(*ips_text);
  const std::string* asns_text = Annotation(node, kPeerAsnsAnnotation);
  const std::vector<std::string> asns =
      asns_text ? SplitList(*asns_text) : std::vector<std::string>{};
  const std::string* passwords_text = Annotation(node, kPeerPasswordsAnnotation);
  const std::vector<std::string> passwords =
      passwords_text ? SplitList(*passwords_text) : std::vector<std::string>{};
  const std::string* ports_text = Annotation(node, kPeerPortsAnnotation);
  const std::vector<std::string> ports =
      ports_text ? SplitList(*ports_text) : std::vector<std::string>{};
  // Items are paired by position: with a count mismatch no pairing can be trusted.
  if (asns.size() != ips.size()) {
    view.problems.push_back(std::string(kPeerAsnsAnnotation) + " has " +
                            std::to_string(asns.size()) + " ASNs for " +
                            std::to_string(ips.size()) + " peer.ips: external peers skipped");
    return;
  }
  if (passwords_text && passwords.size() != ips.size()) {
    view.problems.push_back(std::string(kPeerPasswordsAnnotation) +
                            " count differs from peer.ips: external peers skipped");
    return;
  }
  if (ports_text && ports.size() != ips.size()) {
    view.problems.push_back(std::string(kPeerPortsAnnotation) +
                            " count differs from peer.ips: external peers skipped");
    return;
  }
  for (size_t i = 0; i < ips.size(); ++i) {
    BgpPeerSpec peer;
    auto ip = bgp::IpAddress::Parse(ips[i]);
    if (!ip) {
      view.problems.push_back(std::string(kPeerIpsAnnotation) + ": \"" + ips[i] +
                              "\" is not an IP address: peer skipped");
      continue;
    }
    peer.address = *ip;
    auto asn = ParseAsn(asns[i]);
    if (!asn || *asn == 0) {
      view.problems.push_back(std::string(kPeerAsnsAnnotation) + ": \"" + asns[i] +
                              "\" is not an ASN: peer " + ips[i] + " skipped");
      continue;
    }
    peer.asn = *asn;
    if (!passwords.empty()) {
      auto password = kube::DecodeBase64(passwords[i]);
      if (!password) {
        view.problems.push_back(std::string(kPeerPasswordsAnnotation) + ": item " +
                                std::to_string(i + 1) + " is not base64: peer " + ips[i] +
                                " skipped");
        continue;
      }
      peer.password = *password;
    }
    if (!ports.empty()) {
      auto port = ParseUnsigned(ports[i], 65535);
      if (!port || *port == 0) {
        view.problems.push_back(std::string(kPeerPortsAnnotation) + ": \"" + ports[i] +
                                "\" is not a port: peer " + ips[i] + " skipped");
        continue;
      }
      peer.port = static_cast<uint16_t>(*port);
    }
    peer.multihop_ttl = multihop_ttl;
    peer.origin = "annotation of node " + node.name;
    view.external_peers.push_back(std::move(peer));
  }
}

}  // namespace

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  if (Trim(text).empty()) return items;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    items.push_back(Trim(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::optional<uint32_t> ParseAsn(const std::string& text) {
  auto value = ParseUnsigned(text, 0xffffffffu);
  if (!value) return std::nullopt;
  return static_cast<uint32_t>(*value);
}

NodeView ParseNode(const model::Node& node, std::optional<uint8_t> multihop_ttl) {
  NodeView view;
  view.name = node.name;
  view.ip = PickAddress(node, "InternalIP");
  if (!view.ip) view.ip = PickAddress(node, "ExternalIP");
  ParsePodCidrs(node, view);
  if (const std::string* a = Annotation(node, kNodeAsnAnnotation)) {
    auto asn = ParseAsn(Trim(*a));
    if (asn && *asn != 0) {
      view.asn = *asn;
    } else {
      view.problems.push_back(std::string(kNodeAsnAnnotation) + ": \"" + *a +
                              "\" is not an ASN: ignored");
    }
  }
  if (const std::string* a = Annotation(node, kRrServerAnnotation)) view.rr_server_cluster_id = *a;
  if (const std::string* a = Annotation(node, kRrClientAnnotation)) view.rr_client_cluster_id = *a;
  ParseExternalPeers(node, multihop_ttl, view);
  return view;
}

}  // namespace kr::routed
