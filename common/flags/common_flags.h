// The flags every kr-node daemon registers, with kube-router's names and meanings.
//
//   kr::flags::CommonFlags common;
//   common.health_port = 20245;        // each daemon its own default: they share the host network
//   kr::flags::FlagSet fs("kr-proxyd", "IPVS service proxy");
//   common.Register(fs);
//   ... daemon flags ...
//   fs.ParseOrExit(argc, argv);        // also applies -v to kr::log
//   if (common.cleanup_config) { ... }
//
// Set the fields to the daemon's defaults before Register(): the values at that moment are the
// defaults --help shows. -h/--help and -V/--version come with every FlagSet.
//
// Lifetime: Register keeps pointers to the fields and an AfterParse check that reads
// `verbosity`, so the CommonFlags must outlive the FlagSet's Parse.
#pragma once

#include <cstdint>
#include <string>

#include "common/flags/flag_set.h"

namespace kr::flags {

struct CommonFlags {
  int verbosity = 0;                      // -v, --v: log level for KR_VLOG lines
  std::string kubeconfig;                 // --kubeconfig: "" = in-cluster config
  std::string master;                     // --master: API server address, overrides kubeconfig
  std::string hostname_override;          // --hostname-override: the node name, if not detectable
  bool cleanup_config = false;            // --cleanup-config: remove what the daemon owns, exit
  uint16_t health_port = 20244;           // --health-port: /healthz port, 0 = disabled
  uint16_t metrics_port = 0;              // --metrics-port: /metrics port, 0 = disabled
  std::string metrics_addr;               // --metrics-addr: IP to listen on, "" = all interfaces
  std::string metrics_path = "/metrics";  // --metrics-path
  std::string bus_dir = "/var/run/kr-node";  // --bus-dir: directory of the bus ipc sockets
  bool dry_run = false;                      // --dry-run: log kernel changes instead of making them

  // Declares the flags above on fs, and a check that applies -v (kr::log::SetVerbosity) and
  // rejects a negative level.
  void Register(FlagSet& fs);

  // The node this daemon runs on: --hostname-override if given, else the host name
  // (kube-router's rule); "" if neither is known.
  std::string NodeName() const;
};

}  // namespace kr::flags
