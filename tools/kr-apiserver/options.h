// Command-line options of kr-apiserver. Parsed here with a small parser of its own
// (`--name=value` or `--name value`); the struct is what the rest of the program sees.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::apiserver {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;          // 0: ephemeral
  std::string port_file;      // the bound port is written here once listening
  bool tls = true;            // false: plain HTTP
  std::string tls_cert_file;  // server certificate; generated with a CA when empty
  std::string tls_key_file;
  std::string cert_dir;          // where generated CA/server/client certificates are written
  std::string client_ca_file;    // accept client certificates signed by this CA
  std::string token;             // require "Authorization: Bearer <token>" (or a client cert)
  std::string write_kubeconfig;  // write a kubeconfig for clients here
  std::string state_file;        // load at start, save periodically and at exit
  int save_interval_seconds = 10;
  size_t history_size = 100000;  // watch/continue history window, in events
  int bookmark_interval_seconds = 60;
  int max_watch_seconds = 1800;  // a watch without timeoutSeconds ends after this
  std::string service_cluster_ip_range = "10.96.0.0/12";
  int verbosity = 0;
};

// Exceptions are not used: an unknown flag or a bad value is an Error with a usage hint.
// `help` is set when --help was given (the caller prints Usage()).
Expected<ServerOptions> ParseOptions(const std::vector<std::string>& args, bool& help);
std::string Usage();

}  // namespace kr::apiserver
