// The iptables glue and the health check ports of proxyd, kept in step with ProxyCore's
// desired state: what each Service contributes (hairpin rules, DSR marks, health check port
// and local endpoint count) is remembered per Service, so an event re-reads only the Services
// it touched, and iptables / the responder are written only when the contributions changed.
//
//   ServiceGlue glue(options, {.iptables_v4 = &runner4, .iptables_v6 = &runner6,
//                              .health_checks = &responder});
//   glue.Update("ns/name", core);          // after each service's IPVS sync
//   glue.UpdateAll(core);                  // after a full sync
//   Status s = glue.Apply(core, full, ipvs_healthy);   // iptables-restore, health ports
//   glue.Cleanup();                        // --cleanup-config
//
// With a DsrNetworking seam, DSR targets also get the node's policy routing and their local
// endpoints the pod-side tunnels (dsr_networking.h), written when they changed.
//
// A full Apply reads the kernel's rules (iptables-save) and repairs drift; otherwise the
// syncer plans against what it last wrote. Any runner or the responder may be null (not
// managed).
//
// Threading: not thread-safe; the controller's loop thread owns it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/iptables/iptables_runner.h"
#include "common/iptables/owned_chain_syncer.h"
#include "services/proxyd/core/iptables_glue.h"
#include "services/proxyd/core/proxy_core.h"
#include "services/proxyd/dsr_networking.h"
#include "services/proxyd/health_check_responder.h"

namespace kr::proxyd {

struct ServiceGlueSeams {
  iptables::IptablesRunner* iptables_v4 = nullptr;
  iptables::IptablesRunner* iptables_v6 = nullptr;
  HealthCheckResponder* health_checks = nullptr;
  DsrNetworking* dsr = nullptr;  // DSR's policy routing and pod tunnels
  bool dry_run = false;          // log the restore payloads instead of applying them
};

class ServiceGlue {
 public:
  ServiceGlue(const ProxyOptions& options, ServiceGlueSeams seams);

  void Update(const std::string& key, const ProxyCore& core);
  void UpdateAll(const ProxyCore& core);
  // Writes what changed (everything when `full`). `proxy_healthy` goes into the health check
  // replies. Returns the first failure; the others are logged.
  Status Apply(const ProxyCore& core, bool full, bool proxy_healthy);
  // Removes our chains and jump rules in both families and stops the health check servers.
  Status Cleanup();

  // For tests and metrics.
  GlueSettings SettingsFor(iptables::IpFamily family, const ProxyCore& core) const;
  DsrWanted WantedDsr() const;
  size_t hairpin_rules() const;

 private:
  struct Contribution {
    std::vector<HairpinRule> hairpins;
    std::vector<DsrTarget> dsr_targets;
    std::vector<DsrPodTunnel> dsr_pod_tunnels;
    HealthCheckTarget health;

    bool operator==(const Contribution&) const = default;
  };
  struct Family {
    iptables::IpFamily family;
    std::unique_ptr<iptables::OwnedChainSyncer> syncer;
    std::optional<GlueSettings> applied_settings;
  };

  Status ApplyFamily(Family& family, const ProxyCore& core, const GlueServices& services,
                     bool full);

  const ProxyOptions options_;
  ServiceGlueSeams seams_;
  std::vector<Family> families_;
  std::map<std::string, Contribution> contributions_;  // Services with any glue
  bool rules_dirty_ = true;
  bool health_dirty_ = true;
  bool dsr_dirty_ = true;
  bool last_healthy_ = false;
};

}  // namespace kr::proxyd
