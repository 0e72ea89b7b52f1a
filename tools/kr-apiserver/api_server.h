// The HTTP face of the store: authentication, discovery, and the REST verbs on every served
// type (get, list, watch, create, update, patch, delete, deletecollection, /status), with the
// status codes and Status bodies kube-apiserver answers.
//
// Threading: handlers run on the HTTP server's connection threads; all shared state is in
// the Store. A watch occupies its connection thread until it ends (timeoutSeconds, the
// server's watch limit, a write failure or Store::Stop()).
#pragma once

#include <httplib.h>

#include <string>

#include "tools/kr-apiserver/api_path.h"
#include "tools/kr-apiserver/store.h"

namespace kr::apiserver {

struct ApiServerConfig {
  std::string token;              // non-empty: bearer token accepted
  bool client_cert_auth = false;  // a verified TLS client certificate is accepted
  bool require_auth = false;      // answer 401 without one of the above
  int bookmark_interval_seconds = 60;
  int max_watch_seconds = 1800;
  std::string server_address;  // "127.0.0.1:port", for /api
};

class ApiServer {
 public:
  ApiServer(Store& store, ApiServerConfig config);

  // Registers the routes and the authentication check on `server`.
  void Install(httplib::Server& server);
  void set_server_address(const std::string& address) { config_.server_address = address; }

 private:
  void Route(const httplib::Request& req, httplib::Response& res);
  bool Authenticated(const httplib::Request& req) const;

  void GetObject(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void ListObjects(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void WatchObjects(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void CreateObject(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void UpdateObject(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void PatchObject(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void DeleteObject(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void ScaleObject(const ApiPath& path, const httplib::Request& req, httplib::Response& res);
  void DeleteCollection(const ApiPath& path, const httplib::Request& req, httplib::Response& res);

  Store& store_;
  ApiServerConfig config_;
};

}  // namespace kr::apiserver
