#include "common/iptables/restore_failure.h"

#include <array>
#include <charconv>
#include <string>

namespace kr::iptables {
namespace {

std::optional<int> NumberAfter(std::string_view text, std::string_view marker) {
  auto at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + marker.size());
  int line = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
  if (ec != std::errc() || end == rest.data()) return std::nullopt;
  return line;
}

std::string_view LineOf(std::string_view text, int number) {
  std::size_t pos = 0;
  for (int i = 1; i < number; ++i) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  return text.substr(pos, text.find('\n', pos) - pos);
}

}  // namespace

std::optional<int> FailedRestoreLine(std::string_view stderr_text) {
  if (auto line = NumberAfter(stderr_text, "Error occurred at line: ")) return line;
  return NumberAfter(stderr_text, ": line ");
}

Error RestoreError(std::string_view tool, int exit_code, std::string_view stderr_text,
                   std::string_view payload) {
  constexpr int kResourceProblem = 4;
  std::string message = std::string(tool) + " exited with " + std::to_string(exit_code);
  if (auto line = FailedRestoreLine(stderr_text)) {
    message +=
        " at line " + std::to_string(*line) + " (" + std::string(LineOf(payload, *line)) + ")";
  }
  std::string_view first = stderr_text.substr(0, stderr_text.find('\n'));
  if (!first.empty()) message += ": " + std::string(first);
  return Error{exit_code == kResourceProblem ? EAGAIN : EINVAL, message};
}

}  // namespace kr::iptables
