// The HTTP(S) connection to an apiserver, as a RestConfig describes it: plain or TLS (CA bundle,
// client certificate, insecure-skip-tls-verify), basic auth, keep-alive, a 10 s connection
// timeout. RestClient (reads) and the sandbox's write client build on it and add their own
// settings (compression, read timeouts). Bearer tokens are per request (token_source.h).
#pragma once

#include <memory>

#include "common/base/expected.h"
#include "common/kube/rest_config.h"
#include "common/kube/server_url.h"

namespace httplib {
class ClientImpl;
}

namespace kr::kube {

Expected<std::unique_ptr<httplib::ClientImpl>> MakeHttpClient(const ServerUrl& url,
                                                              const RestConfig& config);

}  // namespace kr::kube
