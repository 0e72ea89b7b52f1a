// Base64 decoding of kubeconfig "-data" fields (standard alphabet, padding, line breaks).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kr::kube {

// Returns nullopt when the text is not valid base64.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace kr::kube
