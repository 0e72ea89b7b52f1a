#include "tools/kr-apiserver/options.h"

#include <charconv>
#include <functional>
#include <map>

namespace kr::apiserver {

namespace {

struct Flag {
  const char* help;
  bool is_bool;
  std::function<bool(ServerOptions&, const std::string&)> set;
};

template <typename T>
bool ParseNumber(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

const std::map<std::string, Flag>& Flags() {
  static const std::map<std::string, Flag> flags = {
      {"bind-address",
       {"address to listen on (default 127.0.0.1)", false,
        [](ServerOptions& o, const std::string& v) {
          o.bind_address = v;
          return !v.empty();
        }}},
      {"port",
       {"port to listen on; 0 picks a free one (default 0)", false,
        [](ServerOptions& o, const std::string& v) { return ParseNumber(v, o.port); }}},
      {"port-file",
       {"write the bound port to this file once listening", false,
        [](ServerOptions& o, const std::string& v) {
          o.port_file = v;
          return true;
        }}},
      {"insecure-http",
       {"serve plain HTTP instead of HTTPS", true,
        [](ServerOptions& o, const std::string& v) {
          o.tls = v != "true";
          return true;
        }}},
      {"tls-cert-file",
       {"server certificate (PEM); generated with its own CA when not given", false,
        [](ServerOptions& o, const std::string& v) {
          o.tls_cert_file = v;
          return true;
        }}},
      {"tls-private-key-file",
       {"server private key (PEM)", false,
        [](ServerOptions& o, const std::string& v) {
          o.tls_key_file = v;
          return true;
        }}},
      {"cert-dir",
       {"directory for generated ca.crt, server and client certificates", false,
        [](ServerOptions& o, const std::string& v) {
          o.cert_dir = v;
          return true;
        }}},
      {"client-ca-file",
       {"authenticate clients presenting a certificate signed by this CA", false,
        [](ServerOptions& o, const std::string& v) {
          o.client_ca_file = v;
          return true;
        }}},
      {"token",
       {"require this bearer token (or a valid client certificate)", false,
        [](ServerOptions& o, const std::string& v) {
          o.token = v;
          return !v.empty();
        }}},
      {"write-kubeconfig",
       {"write a kubeconfig for clients to this path", false,
        [](ServerOptions& o, const std::string& v) {
          o.write_kubeconfig = v;
          return true;
        }}},
      {"state-file",
       {"persist objects to this JSON file (loaded at start)", false,
        [](ServerOptions& o, const std::string& v) {
          o.state_file = v;
          return true;
        }}},
      {"save-interval",
       {"seconds between saves of the state file (default 10)", false,
        [](ServerOptions& o, const std::string& v) {
          return ParseNumber(v, o.save_interval_seconds) && o.save_interval_seconds > 0;
        }}},
      {"history-size",
       {"events kept for watches and paged lists (default 100000)", false,
        [](ServerOptions& o, const std::string& v) {
          return ParseNumber(v, o.history_size) && o.history_size > 0;
        }}},
      {"bookmark-interval",
       {"seconds between watch BOOKMARK events (default 60)", false,
        [](ServerOptions& o, const std::string& v) {
          return ParseNumber(v, o.bookmark_interval_seconds) && o.bookmark_interval_seconds > 0;
        }}},
      {"max-watch-seconds",
       {"longest watch when timeoutSeconds is not given (default 1800)", false,
        [](ServerOptions& o, const std::string& v) {
          return ParseNumber(v, o.max_watch_seconds) && o.max_watch_seconds > 0;
        }}},
      {"v",
       {"log verbosity (default 0; 2 logs every request)", false,
        [](ServerOptions& o, const std::string& v) { return ParseNumber(v, o.verbosity); }}},
  };
  return flags;
}

}  // namespace

Expected<ServerOptions> ParseOptions(const std::vector<std::string>& args, bool& help) {
  ServerOptions options;
  help = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return options;
    }
    if (arg.rfind("--", 0) != 0 && !(arg.size() > 1 && arg[0] == '-')) {
      return Error{EINVAL, "unexpected argument: " + arg};
    }
    arg = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto flag = Flags().find(arg);
    if (flag == Flags().end()) return Error{EINVAL, "unknown flag: --" + arg};
    if (!has_value) {
      if (flag->second.is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Error{EINVAL, "flag needs a value: --" + arg};
      }
    }
    if (!flag->second.set(options, value)) {
      return Error{EINVAL, "invalid value for --" + arg + ": \"" + value + "\""};
    }
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Error{EINVAL, "--tls-cert-file and --tls-private-key-file go together"};
  }
  return options;
}

std::string Usage() {
  std::string out =
      "Usage: kr-apiserver [flags]\n"
      "A local Kubernetes API server (in memory) for tests and the sandbox.\n\nFlags:\n";
  for (const auto& [name, flag] : Flags()) {
    out += "  --" + name + (flag.is_bool ? "" : " VALUE");
    out += std::string(name.size() < 24 ? 24 - name.size() : 1, ' ') + flag.help + "\n";
  }
  return out;
}

}  // namespace kr::apiserver
