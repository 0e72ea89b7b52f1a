// The two requests a reflector makes, as an interface so its logic is tested against a
// scripted server in memory and runs against RestClient in production.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/base/expected.h"

namespace kr::kube {

struct HttpResponse {
  int status = 0;
  std::string body;
};

struct StreamResult {
  int status = 0;
  std::string error_body;  // the body of a non-200 answer (a Status object, usually)
};

class ApiTransport {
 public:
  virtual ~ApiTransport() = default;

  // A plain GET of a path with its query (e.g. "/api/v1/nodes?limit=500").
  virtual Expected<HttpResponse> Get(const std::string& path_and_query,
                                     std::chrono::seconds timeout) = 0;

  // A streaming GET: when the answer is 200, on_data receives the body as it arrives (returning
  // false from it ends the request); any other answer's body is returned in error_body.
  // `timeout` bounds a silent read.
  virtual Expected<StreamResult> Stream(const std::string& path_and_query,
                                        const std::function<bool(std::string_view)>& on_data,
                                        std::chrono::seconds timeout) = 0;

  // Hands back the body of a response the caller is done with, so that the next Get can fill
  // it again instead of growing a fresh buffer (a list page is ~350 KB; fresh memory means a
  // page fault and a zeroed page per 4 KiB). May be called from any thread. Spares are
  // dropped when a Stream starts (a list is over).
  virtual void Recycle(std::string&& body) { (void)body; }

  // Aborts a request in progress on another thread (used on shutdown). Thread-safe.
  virtual void Cancel() = 0;
};

}  // namespace kr::kube
