#include "services/routed/dry_run_route_kernel.h"

#include "common/log/log.h"

namespace kr::routed {

Status DryRunRouteKernel::AddRoute(const route::Route& route) {
  KR_LOG(INFO) << "dry-run: ip route add " << route.ToString();
  return Status::Ok();
}

Status DryRunRouteKernel::ReplaceRoute(const route::Route& route) {
  KR_LOG(INFO) << "dry-run: ip route replace " << route.ToString();
  return Status::Ok();
}

Status DryRunRouteKernel::DeleteRoute(const route::Route& route) {
  KR_LOG(INFO) << "dry-run: ip route del " << route.ToString();
  return Status::Ok();
}

Status DryRunRouteKernel::CreateTunnel(const route::TunnelSpec& spec) {
  KR_LOG(INFO) << "dry-run: create tunnel " << spec.name << " to " << spec.remote.ToString();
  return Status::Ok();
}

Status DryRunRouteKernel::DeleteTunnel(const std::string& name) {
  KR_LOG(INFO) << "dry-run: delete tunnel " << name;
  return Status::Ok();
}

CniSeam DryRunCniSeam() {
  CniSeam seam = RoutedController::DefaultCniSeam();
  seam.write = [](const std::string& path,
                  const cni::BridgeConfigSettings& settings) -> Expected<bool> {
    std::string cidrs;
    for (const std::string& c : settings.pod_cidrs) cidrs += (cidrs.empty() ? "" : ",") + c;
    KR_LOG(INFO) << "dry-run: cni config " << path << " with pod CIDRs " << cidrs;
    return false;
  };
  return seam;
}

}  // namespace kr::routed
