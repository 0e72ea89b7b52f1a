// Cuts a TCP byte stream into whole BGP messages.
//
// Feed() whatever recv() returned (any split, any number of messages at once), then call
// Next() until it returns kNeedMore. A header error (bad marker, length or type, RFC 4271
// 6.1) is reported as soon as the 19 header octets are in, and is final: the session must
// send the NOTIFICATION and close, and the decoder returns the same error from then on.
//
//   decoder.Feed(received);
//   for (;;) {
//     StreamDecoder::Frame f = decoder.Next();
//     if (f.status == StreamDecoder::Status::kNeedMore) break;
//     if (f.status == StreamDecoder::Status::kError) { send(f.error->notification); close; }
//     auto msg = DecodeMessage(f.bytes, options);  // f.bytes valid until the next Feed()
//   }
//
// Not thread-safe; one instance per connection. Memory: at most one partial message plus
// whatever one Feed() delivered beyond it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "services/routed/bgp/decode_result.h"
#include "services/routed/bgp/message_header.h"

namespace kr::bgp {

class StreamDecoder {
 public:
  enum class Status : uint8_t { kMessage, kNeedMore, kError };

  struct Frame {
    Status status = Status::kNeedMore;
    std::span<const uint8_t> bytes;      // kMessage: the whole message, header included
    const DecodeError* error = nullptr;  // kError: owned by the decoder
  };

  explicit StreamDecoder(size_t max_message_length = kMaxMessageLength)
      : max_length_(max_message_length) {}

  void Feed(std::span<const uint8_t> bytes);
  Frame Next();

  size_t buffered() const { return buffer_.size() - read_; }
  // Raises the limit once RFC 8654 extended messages are negotiated.
  void set_max_message_length(size_t max_length) { max_length_ = max_length; }

 private:
  std::vector<uint8_t> buffer_;
  size_t read_ = 0;  // start of the first unconsumed octet
  size_t max_length_;
  std::optional<DecodeError> error_;
};

}  // namespace kr::bgp
