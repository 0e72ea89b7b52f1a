#include "services/proxyd/proxy_controller.h"

#include "common/log/log.h"

namespace kr::proxyd {
namespace {

double Seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

}  // namespace

ProxyController::ProxyController(ProxyOptions options, ipvs::IpvsKernel& kernel, DummyVips& vips,
                                 ProxyMetrics* metrics, ServiceGlueSeams glue)
    : options_(options),
      kernel_(kernel),
      vips_(vips),
      metrics_(metrics),
      core_(options),
      glue_(options, glue) {
  core_.OnVipsWanted([this](const std::set<ipvs::IpAddress>& wanted) { AddVips(wanted); });
}

void ProxyController::AddVips(const std::set<ipvs::IpAddress>& wanted) {
  auto report = vips_.Sync(wanted, /*allow_delete=*/false);
  if (!report) {
    if (vip_add_status_) vip_add_status_ = report.error();
    return;
  }
  for (const auto& vip : report->added) KR_VLOG(1) << "VIP " << vip.ToString() << " added";
}

void ProxyController::Record(std::string service_key, std::function<void(ProxyCore&)> apply) {
  std::lock_guard lock(mu_);
  inbox_.push_back({std::move(service_key), std::move(apply), Clock::now()});
}

void ProxyController::UpsertService(const model::Service& service) {
  Record(service.Key(), [service](ProxyCore& core) { core.UpsertService(service); });
}

void ProxyController::RemoveService(const std::string& key) {
  Record(key, [key](ProxyCore& core) { core.RemoveService(key); });
}

void ProxyController::UpsertEndpoints(const model::Endpoints& endpoints) {
  Record(endpoints.Key(), [endpoints](ProxyCore& core) { core.UpsertEndpoints(endpoints); });
}

void ProxyController::RemoveEndpoints(const std::string& key) {
  Record(key, [key](ProxyCore& core) { core.RemoveEndpoints(key); });
}

void ProxyController::UpsertNode(const model::Node& node) {
  if (node.name != options_.node_name) return;
  Record("", [node](ProxyCore& core) { core.SetNode(node); });
}

void ProxyController::MarkInSync() {
  std::lock_guard lock(mu_);
  in_sync_ = true;
}

bool ProxyController::HasDraining() const {
  return !core_.graceful().ServicesWithDraining().empty();
}

void ProxyController::Account(const SyncReport& report) {
  if (!metrics_) return;
  metrics_->ops_failed->Inc(static_cast<double>(report.failures.size()));
  metrics_->ops_ok->Inc(static_cast<double>(report.ops.size() - report.failures.size()));
}

Status ProxyController::SyncVips() {
  bool in_sync;
  {
    std::lock_guard lock(mu_);
    in_sync = in_sync_;
  }
  auto report = vips_.Sync(core_.DummyVips(), in_sync);
  if (!report) return report.error();
  for (const auto& vip : report->added) KR_VLOG(1) << "VIP " << vip.ToString() << " added";
  for (const auto& vip : report->removed) KR_VLOG(1) << "VIP " << vip.ToString() << " removed";
  return vip_add_status_;
}

Status ProxyController::Sync(SyncKind kind, const StopToken& stop) {
  std::vector<Event> events;
  bool in_sync;
  {
    std::lock_guard lock(mu_);
    events.swap(inbox_);
    in_sync = in_sync_;
  }
  KR_VLOG(2) << ToString(kind) << " sync: " << events.size() << " new changes";
  for (auto& event : events) {
    event.apply(core_);
    if (event.service_key.empty()) {
      node_changed_ = true;
      node_waiting_.push_back(event.received);
    } else {
      dirty_.insert(event.service_key);
      waiting_since_.emplace(event.service_key, event.received);
    }
  }
  if (!in_sync) {
    KR_VLOG(1) << "bus not in-sync yet: " << events.size() << " changes held back";
    return Status::Ok();
  }
  if (!claimed_vips_) {
    // VIPs left on kube-dummy-if by an earlier run are ours: their services may be deleted.
    auto existing = vips_.Existing();
    if (!existing) return existing.error();
    core_.ClaimVips(*existing);
    claimed_vips_ = true;
  }
  if (options_.nodeport_bind_on_all_ip && (kind == SyncKind::kFull || !kernel_synced_once_)) {
    auto local = vips_.OtherLocalAddresses();
    if (!local) return local.error();
    core_.SetLocalIps(std::move(*local));
  }

  const auto now = Clock::now();
  const bool full = kind == SyncKind::kFull || node_changed_ || !kernel_synced_once_;
  size_t failures = 0;
  std::vector<std::string> applied;
  vip_add_status_ = Status::Ok();
  bool vips_may_go = full;  // whether a changed service may have dropped a VIP
  if (full) {
    SyncReport report = core_.FullSync(kernel_, now);
    if (!report.read_status) return report.read_status;
    glue_.UpdateAll(core_);
    Account(report);
    failures += report.failures.size();
    KR_VLOG(1) << "full sync: " << report.ops.size() << " IPVS writes\n" << ToString(report.ops);
    if (report.failures.empty()) {
      applied.assign(dirty_.begin(), dirty_.end());
      kernel_synced_once_ = true;
      node_changed_ = false;
    }
  } else {
    for (const auto& key : dirty_) {
      if (stop.stop_requested()) return Error{ECANCELED, "stopping"};
      auto before = core_.desired().find(key);
      const bool had_vips = before != core_.desired().end() && !before->second.dummy_vips.empty();
      const std::set<ipvs::IpAddress> old_vips =
          had_vips ? before->second.dummy_vips : std::set<ipvs::IpAddress>{};
      SyncReport report = core_.SyncService(key, kernel_, now);
      glue_.Update(key, core_);
      if (had_vips) {
        auto after = core_.desired().find(key);
        if (after == core_.desired().end() || after->second.dummy_vips != old_vips) {
          vips_may_go = true;
        }
      }
      if (!report.read_status) return report.read_status;
      Account(report);
      failures += report.failures.size();
      KR_VLOG(1) << "sync of " << key << ": " << report.ops.size() << " IPVS writes\n"
                 << ToString(report.ops);
      if (report.failures.empty()) applied.push_back(key);
    }
  }
  SyncReport graceful = core_.GracefulTick(kernel_, now);
  Account(graceful);

  // Removing VIPs after the IPVS writes: a VIP goes only once no virtual service uses it.
  Status vips = vips_may_go ? SyncVips() : vip_add_status_;
  Status glue = glue_.Apply(core_, full, failures == 0);
  const auto done = Clock::now();
  for (const auto& key : applied) {
    dirty_.erase(key);
    auto since = waiting_since_.find(key);
    if (since == waiting_since_.end()) continue;
    if (metrics_) metrics_->programming_latency->Observe(Seconds(done - since->second));
    waiting_since_.erase(since);
  }
  if (!node_changed_) {
    for (auto received : node_waiting_) {
      if (metrics_) metrics_->programming_latency->Observe(Seconds(done - received));
    }
    node_waiting_.clear();
  }

  if (core_.service_errors().size() != reported_errors_) {
    for (const auto& [service, error] : core_.service_errors()) {
      KR_LOG(WARNING) << "service " << service << " skipped: " << error.message;
    }
    reported_errors_ = core_.service_errors().size();
  }
  if (metrics_) {
    metrics_->services->Set(static_cast<double>(core_.VirtualServiceCount()));
    metrics_->destinations->Set(static_cast<double>(core_.DestinationCount()));
    metrics_->service_errors->Set(static_cast<double>(core_.service_errors().size()));
  }
  if (failures != 0) {
    return Error{EIO, std::to_string(failures) + " IPVS writes failed (see log)"};
  }
  if (!vips) return vips;
  return glue;
}

Status ProxyController::Cleanup() {
  ProxyOptions options = options_;
  options.graceful_termination = false;    // delete now: the daemon is going away
  options.nodeport_bind_on_all_ip = true;  // NodePorts on any local address are ours
  ProxyCore cleaner(options);
  auto existing = vips_.Existing();
  if (!existing) return existing.error();
  cleaner.ClaimVips(*existing);
  auto local = vips_.OtherLocalAddresses();
  if (!local) return local.error();
  cleaner.SetLocalIps(std::move(*local));
  SyncReport report = cleaner.FullSync(kernel_, Clock::now());
  if (!report.read_status) return report.read_status;
  KR_LOG(INFO) << "cleanup: " << report.ops.size() << " IPVS services removed";
  Status vips = vips_.Cleanup();
  Status glue = glue_.Cleanup();
  if (vips) vips = glue;
  if (!report.failures.empty()) {
    return Error{EIO, std::to_string(report.failures.size()) + " IPVS deletes failed"};
  }
  return vips;
}

}  // namespace kr::proxyd
