#include "common/kube/server_url.h"

#include <charconv>

namespace kr::kube {

std::optional<ServerUrl> ParseServerUrl(const std::string& url) {
  ServerUrl out;
  std::string rest = url;
  if (rest.rfind("https://", 0) == 0) {
    rest = rest.substr(8);
  } else if (rest.rfind("http://", 0) == 0) {
    out.tls = false;
    out.port = 80;
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return std::nullopt;  // another scheme
  }

  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    out.base_path = rest.substr(slash);
    while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  }

  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    if (port_text.find(':') != std::string::npos) return std::nullopt;  // bare IPv6
  }
  if (out.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return std::nullopt;
    }
    out.port = port;
  }
  return out;
}

}  // namespace kr::kube
