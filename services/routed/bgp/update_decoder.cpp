// UPDATE decoding: locate the three fields, parse the prefixes, walk the attribute list with
// RFC 7606's rules, then apply treat-as-withdraw.
#include <algorithm>
#include <bitset>

#include "services/routed/bgp/attribute_decoder.h"
#include "services/routed/bgp/byte_io.h"
#include "services/routed/bgp/nlri.h"
#include "services/routed/bgp/update_message.h"

namespace kr::bgp {

namespace {

using detail::AttributeProblem;
using detail::Verdict;

DecodeError SessionReset(uint8_t subcode, std::vector<uint8_t> data, std::string reason) {
  return MakeDecodeError(err::kUpdateMessage, subcode, std::move(data), std::move(reason));
}

UpdateErrorAction ToAction(const AttributeProblem& p, const detail::WireAttribute& a) {
  UpdateErrorAction action;
  action.approach = p.verdict == Verdict::kAttributeDiscard ? ErrorApproach::kAttributeDiscard
                                                            : ErrorApproach::kTreatAsWithdraw;
  action.attribute_type = a.type;
  action.rfc4271_error.code = err::kUpdateMessage;
  action.rfc4271_error.subcode = p.subcode;
  if (p.attribute_data) action.rfc4271_error.data.assign(a.whole.begin(), a.whole.end());
  action.reason = p.reason;
  return action;
}

UpdateErrorAction ListAction(ErrorApproach approach, uint8_t type, uint8_t subcode,
                             std::vector<uint8_t> data, std::string reason) {
  return UpdateErrorAction{approach, type,
                           NotificationMessage{err::kUpdateMessage, subcode, std::move(data)},
                           std::move(reason)};
}

// Moves every announced prefix to the withdrawn lists: IPv4 to the Withdrawn Routes field,
// IPv6 to MP_UNREACH_NLRI, so that one UpdateMessage can hold them all.
void TreatAsWithdraw(UpdateMessage& u) {
  std::vector<IpPrefix> v6;
  auto take = [&](const std::vector<IpPrefix>& from) {
    for (const IpPrefix& p : from) (p.family() == IpFamily::kIpv4 ? u.withdrawn : v6).push_back(p);
  };
  take(u.nlri);
  if (u.mp_reach) take(u.mp_reach->nlri);
  if (u.mp_unreach) take(u.mp_unreach->withdrawn);
  u.nlri.clear();
  u.mp_reach.reset();
  u.mp_unreach.reset();
  if (!v6.empty()) u.mp_unreach = MpUnreachNlri{kIpv6Unicast, std::move(v6)};
  u.attributes = PathAttributes{};
}

bool HasReachability(const UpdateMessage& u) {
  return !u.nlri.empty() || (u.mp_reach && !u.mp_reach->nlri.empty());
}

}  // namespace

DecodeResult<DecodedUpdate> DecodeUpdateBody(std::span<const uint8_t> body,
                                             const CodecOptions& options) {
  ByteReader r(body);
  uint16_t withdrawn_length = 0;
  uint16_t attributes_length = 0;
  std::span<const uint8_t> withdrawn_field;
  std::span<const uint8_t> attributes_field;
  // RFC 4271 6.3: lengths that overrun the message leave no way to find the NLRI.
  if (!r.ReadU16(withdrawn_length) || !r.ReadBytes(withdrawn_length, withdrawn_field)) {
    return SessionReset(err::kMalformedAttributeList, {}, "withdrawn routes length overruns");
  }
  if (!r.ReadU16(attributes_length) || !r.ReadBytes(attributes_length, attributes_field)) {
    return SessionReset(err::kMalformedAttributeList, {}, "path attribute length overruns");
  }
  DecodedUpdate out;
  UpdateMessage& u = out.update;
  // RFC 7606 5.3: a bad prefix field cannot be withdrawn, only the session reset.
  if (!DecodePrefixes(withdrawn_field, IpFamily::kIpv4, u.withdrawn)) {
    return SessionReset(err::kInvalidNetworkField, {}, "malformed withdrawn routes");
  }
  if (!DecodePrefixes(r.rest(), IpFamily::kIpv4, u.nlri)) {
    return SessionReset(err::kInvalidNetworkField, {}, "malformed NLRI");
  }

  detail::AttributeDecoder decoder(options, u);
  std::bitset<256> seen;
  std::bitset<256> malformed;
  ByteReader a(attributes_field);
  while (!a.empty()) {
    const size_t start = a.position();
    detail::WireAttribute w;
    uint8_t length8 = 0;
    uint16_t length16 = 0;
    const bool header_ok =
        a.ReadU8(w.flags) && a.ReadU8(w.type) &&
        ((w.flags & attr::kFlagExtendedLength) ? a.ReadU16(length16) : a.ReadU8(length8));
    const size_t length = (w.flags & attr::kFlagExtendedLength) ? length16 : length8;
    if (!header_ok || !a.ReadBytes(length, w.value)) {
      // RFC 7606 4: underrun or overrun of the attribute list.
      out.actions.push_back(
          ListAction(ErrorApproach::kTreatAsWithdraw, 0, err::kMalformedAttributeList, {},
                     "attribute list overrun at offset " + std::to_string(start)));
      break;
    }
    w.whole = attributes_field.subspan(start, a.position() - start);
    if (seen[w.type]) {
      // RFC 7606 3(g): duplicates are dropped, except the MP attributes.
      if (w.type == attr::kMpReachNlri || w.type == attr::kMpUnreachNlri) {
        return SessionReset(err::kMalformedAttributeList, {},
                            "duplicate attribute " + std::to_string(w.type));
      }
      out.actions.push_back(ListAction(ErrorApproach::kAttributeDiscard, w.type,
                                       err::kMalformedAttributeList, {},
                                       "duplicate attribute " + std::to_string(w.type)));
      continue;
    }
    seen[w.type] = true;
    if (auto problem = decoder.Decode(w)) {
      if (problem->verdict == Verdict::kSessionReset) {
        std::vector<uint8_t> data;
        if (problem->attribute_data) data.assign(w.whole.begin(), w.whole.end());
        return SessionReset(problem->subcode, std::move(data), problem->reason);
      }
      malformed[w.type] = true;
      out.actions.push_back(ToAction(*problem, w));
    }
  }
  decoder.Finish();
  std::stable_sort(u.attributes.unknown_transitive.begin(), u.attributes.unknown_transitive.end(),
                   [](const RawAttribute& x, const RawAttribute& y) { return x.type < y.type; });

  // RFC 7606 3(d): missing well-known mandatory attributes mean treat-as-withdraw.
  if (HasReachability(u)) {
    std::vector<uint8_t> required = {attr::kOrigin, attr::kAsPath};
    if (!u.nlri.empty()) required.push_back(attr::kNextHop);
    for (uint8_t type : required) {
      const bool present = type == attr::kOrigin   ? u.attributes.origin.has_value()
                           : type == attr::kAsPath ? u.attributes.as_path.has_value()
                                                   : u.attributes.next_hop.has_value();
      if (!present && !malformed[type]) {
        out.actions.push_back(ListAction(ErrorApproach::kTreatAsWithdraw, type,
                                         err::kMissingWellKnownAttribute, {type},
                                         "missing well-known attribute " + std::to_string(type)));
      }
    }
  }
  // RFC 4271 6.3 / RFC 7606 7.2: an eBGP path must start with the peer's AS.
  if (options.enforce_first_as && u.attributes.as_path &&
      u.attributes.as_path->FirstAs() != options.enforce_first_as) {
    out.actions.push_back(ListAction(ErrorApproach::kTreatAsWithdraw, attr::kAsPath,
                                     err::kMalformedAsPath, {},
                                     "AS_PATH does not start with the peer AS"));
  }

  if (options.error_policy == UpdateErrorPolicy::kStrict && !out.actions.empty()) {
    return DecodeError{out.actions.front().rfc4271_error, out.actions.front().reason};
  }
  out.treated_as_withdraw = std::any_of(
      out.actions.begin(), out.actions.end(),
      [](const UpdateErrorAction& x) { return x.approach == ErrorApproach::kTreatAsWithdraw; });
  if (out.treated_as_withdraw) TreatAsWithdraw(u);
  if (out.actions.empty()) out.end_of_rib = EndOfRibFamily(u);
  return out;
}

std::string_view ErrorApproachName(ErrorApproach approach) {
  return approach == ErrorApproach::kTreatAsWithdraw ? "treat-as-withdraw" : "attribute-discard";
}

std::optional<AfiSafi> EndOfRibFamily(const UpdateMessage& u) {
  if (!u.withdrawn.empty() || !u.nlri.empty() || u.mp_reach ||
      !(u.attributes == PathAttributes{})) {
    return std::nullopt;
  }
  if (!u.mp_unreach) return kIpv4Unicast;
  if (u.mp_unreach->withdrawn.empty()) return u.mp_unreach->family;
  return std::nullopt;
}

UpdateMessage MakeEndOfRib(AfiSafi family) {
  UpdateMessage u;
  if (family != kIpv4Unicast) u.mp_unreach = MpUnreachNlri{family, {}};
  return u;
}

}  // namespace kr::bgp
