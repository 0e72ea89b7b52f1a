// Splitting an apiserver address ("https://[2001:db8::1]:6443/prefix") into its parts.
#pragma once

#include <optional>
#include <string>

namespace kr::kube {

struct ServerUrl {
  bool tls = true;
  std::string host;  // without IPv6 brackets
  int port = 443;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};

// nullopt when the address is not http(s)://host[:port][/path]. A missing scheme means https,
// as client-go assumes.
std::optional<ServerUrl> ParseServerUrl(const std::string& url);

}  // namespace kr::kube
