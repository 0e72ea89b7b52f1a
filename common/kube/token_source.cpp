#include "common/kube/token_source.h"

#include <fstream>
#include <sstream>

namespace kr::kube {

TokenSource::TokenSource(std::string inline_token, std::string token_file, Clock::duration refresh)
    : inline_token_(std::move(inline_token)),
      token_file_(std::move(token_file)),
      refresh_(refresh) {}

Expected<std::string> TokenSource::Token() {
  if (token_file_.empty()) return inline_token_;
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (have_cached_ && now - read_at_ < refresh_) return cached_;

  std::ifstream in(token_file_);
  if (!in) {
    // Keep serving the last good token: a rotation writes the file by rename, and a moment
    // without it must not fail every request.
    if (have_cached_) return cached_;
    return Error{ENOENT, "cannot read token file " + token_file_};
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  cached_ = std::move(token);
  read_at_ = now;
  have_cached_ = true;
  return cached_;
}

}  // namespace kr::kube
