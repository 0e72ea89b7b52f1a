// Server-set metadata values: uids, timestamps, generated name suffixes, continue tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kr::apiserver {

// A random (version 4) UUID, as metadata.uid.
std::string RandomUuid();

// Now in RFC 3339 with second precision and a Z suffix, as metadata.creationTimestamp.
std::string NowRfc3339();

// The five random characters kube-apiserver appends to metadata.generateName.
std::string RandomNameSuffix();

// The opaque continue token of a paged list: the snapshot rv, the last key returned and
// the number of items returned so far.
struct ContinueToken {
  uint64_t rv = 0;
  std::string last_key;
  int64_t seen = 0;
};
std::string EncodeContinueToken(const ContinueToken& token);
std::optional<ContinueToken> DecodeContinueToken(const std::string& text);

}  // namespace kr::apiserver
