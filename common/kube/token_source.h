// The bearer token to send with each request. A token given inline never changes; a token
// file (the in-cluster service-account token, or a kubeconfig tokenFile) is re-read once it
// is older than the refresh period, as client-go does, because bound tokens rotate.
//
// Thread-safe: reflectors on several threads share one TokenSource.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "common/base/expected.h"

namespace kr::kube {

class TokenSource {
 public:
  using Clock = std::chrono::steady_clock;

  TokenSource(std::string inline_token, std::string token_file,
              Clock::duration refresh = std::chrono::minutes(1));

  // The current token (empty when none is configured), or the error reading its file.
  Expected<std::string> Token();

 private:
  const std::string inline_token_;
  const std::string token_file_;
  const Clock::duration refresh_;

  std::mutex mutex_;
  std::string cached_;
  Clock::time_point read_at_{};
  bool have_cached_ = false;
};

}  // namespace kr::kube
