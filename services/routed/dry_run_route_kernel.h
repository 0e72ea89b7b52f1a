// --dry-run for kernel routes: reads go to the real kernel, writes are logged and reported as
// done; and for the CNI file (DryRunCniSeam: logged, not written). BGP still runs under
// --dry-run: it changes nothing on this node.
// Threading: as the wrapped kernel.
#pragma once

#include "common/route/route_kernel.h"
#include "services/routed/routed_controller.h"

namespace kr::routed {

class DryRunRouteKernel final : public route::RouteKernel {
 public:
  explicit DryRunRouteKernel(route::RouteKernel& real) : real_(real) {}

  route::RouteProtocol protocol() const override { return real_.protocol(); }
  Status AddRoute(const route::Route& route) override;
  Status ReplaceRoute(const route::Route& route) override;
  Status DeleteRoute(const route::Route& route) override;
  Expected<std::vector<route::Route>> DumpRoutes(const route::RouteFilter& filter) override {
    return real_.DumpRoutes(filter);
  }
  Status CreateTunnel(const route::TunnelSpec& spec) override;
  Status DeleteTunnel(const std::string& name) override;
  Expected<std::vector<route::Tunnel>> ListTunnels() override { return real_.ListTunnels(); }

 private:
  route::RouteKernel& real_;
};

// The default CniSeam with a write that only logs.
CniSeam DryRunCniSeam();

}  // namespace kr::routed
