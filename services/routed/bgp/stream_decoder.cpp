#include "services/routed/bgp/stream_decoder.h"

namespace kr::bgp {

void StreamDecoder::Feed(std::span<const uint8_t> bytes) {
  if (error_) return;
  // Drop what Next() has consumed; frames handed out before this call become invalid.
  if (read_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<long>(read_));
    read_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

StreamDecoder::Frame StreamDecoder::Next() {
  if (error_) return Frame{Status::kError, {}, &*error_};
  const size_t available = buffer_.size() - read_;
  if (available < kHeaderLength) return Frame{};
  const std::span<const uint8_t> pending(buffer_.data() + read_, available);
  auto header = DecodeHeader(pending, max_length_);
  if (!header) {
    error_ = header.error();
    return Frame{Status::kError, {}, &*error_};
  }
  if (available < header->length) return Frame{};
  read_ += header->length;
  return Frame{Status::kMessage, pending.first(header->length), nullptr};
}

}  // namespace kr::bgp
