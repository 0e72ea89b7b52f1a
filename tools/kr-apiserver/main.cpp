// kr-apiserver: a local Kubernetes API server for tests and the sandbox.
// Wiring only: options -> store (+ state file) -> certificates -> HTTP(S) server -> signals.
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "tools/kr-apiserver/api_server.h"
#include "tools/kr-apiserver/atomic_file.h"
#include "tools/kr-apiserver/certificates.h"
#include "tools/kr-apiserver/kubeconfig.h"
#include "tools/kr-apiserver/logging.h"
#include "tools/kr-apiserver/options.h"
#include "tools/kr-apiserver/state_file.h"
#include "tools/kr-apiserver/store.h"
#include "tools/kr-apiserver/thread_per_connection.h"

namespace kr::apiserver {
namespace {

int Run(const ServerOptions& options) {
  SetVerbosity(options.verbosity);
  Store store(options.history_size);
  auto network = ParseServiceNetwork(options.service_cluster_ip_range);
  if (!network) {
    LogError("invalid --service-cluster-ip-range " + options.service_cluster_ip_range);
    return 1;
  }
  store.SetServiceNetwork(*network);
  bool loaded = false;
  if (!options.state_file.empty()) {
    Status status = LoadStateFile(store, options.state_file, loaded);
    if (!status) {
      LogError(status.error().message);
      return 1;
    }
    if (loaded) {
      LogInfo("loaded state from " + options.state_file + " at resourceVersion " +
              std::to_string(store.CurrentResourceVersion()));
    }
  }
  if (!loaded) store.AddDefaultNamespaces();

  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::unique_ptr<httplib::Server> server;
  ApiServerConfig config;
  config.token = options.token;
  config.bookmark_interval_seconds = options.bookmark_interval_seconds;
  config.max_watch_seconds = options.max_watch_seconds;
  config.require_auth = !options.token.empty() || !options.client_ca_file.empty();
  if (options.tls) {
    std::string cert_pem;
    std::string key_pem;
    std::string client_ca_pem;
    if (!options.tls_cert_file.empty()) {
      auto cert = ReadFile(options.tls_cert_file);
      auto key = ReadFile(options.tls_key_file);
      if (!cert || !key) {
        LogError("cannot read --tls-cert-file / --tls-private-key-file");
        return 1;
      }
      cert_pem = *cert;
      key_pem = *key;
      ca_pem = cert_pem;  // a given certificate is trusted as its own CA in the kubeconfig
    } else {
      auto generated = GenerateCertificates();
      if (!generated) {
        LogError(generated.error().message);
        return 1;
      }
      cert_pem = generated->server_cert;
      key_pem = generated->server_key;
      ca_pem = generated->ca_cert;
      client_ca_pem = generated->ca_cert;
      client_cert_pem = generated->client_cert;
      client_key_pem = generated->client_key;
      if (!options.cert_dir.empty()) {
        Status written = WriteCertificates(*generated, options.cert_dir);
        if (!written) {
          LogError(written.error().message);
          return 1;
        }
      }
    }
    if (!options.client_ca_file.empty()) {
      auto ca = ReadFile(options.client_ca_file);
      if (!ca) {
        LogError("cannot read --client-ca-file " + options.client_ca_file);
        return 1;
      }
      client_ca_pem = *ca;
    }
    config.client_cert_auth = !client_ca_pem.empty();
    server = std::make_unique<httplib::SSLServer>(
        [&](SSL_CTX& ctx) { return ConfigureServerTls(ctx, cert_pem, key_pem, client_ca_pem); });
  } else {
    server = std::make_unique<httplib::Server>();
  }
  if (!server->is_valid()) {
    LogError("TLS setup failed (certificate, key or client CA unusable)");
    return 1;
  }
  server->new_task_queue = [] { return new ThreadPerConnection(std::chrono::seconds(2)); };
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(100000);
  server->set_keep_alive_timeout(30);
  server->set_read_timeout(60);
  server->set_write_timeout(60);

  ApiServer api(store, config);
  api.Install(*server);

  int port = options.port;
  if (port == 0) {
    port = server->bind_to_any_port(options.bind_address);
  } else if (!server->bind_to_port(options.bind_address, port)) {
    port = -1;
  }
  if (port < 0) {
    LogError("cannot bind " + options.bind_address + ":" + std::to_string(options.port));
    return 1;
  }
  std::string host = options.bind_address.find(':') != std::string::npos
                         ? "[" + options.bind_address + "]"
                         : options.bind_address;
  std::string address = host + ":" + std::to_string(port);
  std::string url = std::string(options.tls ? "https://" : "http://") + address;
  api.set_server_address(address);

  if (!options.write_kubeconfig.empty()) {
    KubeconfigParams params{url, options.tls ? ca_pem : "", options.token, client_cert_pem,
                            client_key_pem};
    Status written = WriteFileAtomically(options.write_kubeconfig, RenderKubeconfig(params), 0600);
    if (!written) {
      LogError(written.error().message);
      return 1;
    }
  }
  if (!options.port_file.empty()) {
    Status written = WriteFileAtomically(options.port_file, std::to_string(port) + "\n", 0644);
    if (!written) {
      LogError(written.error().message);
      return 1;
    }
  }

  std::thread listener([&] { server->listen_after_bind(); });
  std::printf("kr-apiserver listening on %s\n", url.c_str());
  std::fflush(stdout);
  LogInfo("listening on " + url);

  // Periodic saving runs until shutdown is signalled.
  std::mutex save_mu;
  std::condition_variable save_cv;
  bool stopping = false;
  std::thread saver;
  if (!options.state_file.empty()) {
    saver = std::thread([&] {
      std::unique_lock<std::mutex> lock(save_mu);
      while (!save_cv.wait_for(lock, std::chrono::seconds(options.save_interval_seconds),
                               [&] { return stopping; })) {
        if (!store.Dirty()) continue;
        if (Status saved = SaveStateFile(store, options.state_file); !saved) {
          LogError(saved.error().message);
        }
      }
    });
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  LogInfo(std::string("shutting down on ") + (received == SIGINT ? "SIGINT" : "SIGTERM"));

  server->stop();
  store.Stop();
  listener.join();
  if (saver.joinable()) {
    {
      std::lock_guard<std::mutex> lock(save_mu);
      stopping = true;
    }
    save_cv.notify_all();
    saver.join();
  }
  int status = 0;
  if (!options.state_file.empty()) {
    if (Status saved = SaveStateFile(store, options.state_file); !saved) {
      LogError(saved.error().message);
      status = 1;
    }
  }
  LogInfo("stopped");
  // Connection threads idling in keep-alive may still use `server` (see
  // thread_per_connection.h): leave without running the destructors under them.
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}

}  // namespace
}  // namespace kr::apiserver

int main(int argc, char* argv[]) {
  // Block the shutdown signals before any thread starts, so only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  bool help = false;
  auto options = kr::apiserver::ParseOptions(args, help);
  if (help) {
    std::cout << kr::apiserver::Usage();
    return 0;
  }
  if (!options) {
    std::cerr << "kr-apiserver: " << options.error().message << "\n\n" << kr::apiserver::Usage();
    return 2;
  }
  return kr::apiserver::Run(*options);
}
