#include "common/kube/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "common/kube/base64.h"

namespace kr::kube {
namespace {

namespace fs = std::filesystem;

// One named entry (cluster, user or context) and the directory of the file it came from.
struct Entry {
  YAML::Node body;
  fs::path base_dir;
  std::string file;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
};

[[noreturn]] void Fail(const std::string& file, const std::string& what) {
  throw std::runtime_error("kubeconfig " + file + ": " + what);
}

std::string ReadFile(const fs::path& path, const std::string& origin) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(origin, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Scalar(const YAML::Node& map, const char* key) {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) return {};
  if (!value.IsScalar()) throw std::runtime_error(std::string("field ") + key + " is not a string");
  return value.as<std::string>();
}

void MergeNamed(const YAML::Node& list, const char* body_key, const std::string& file,
                const fs::path& dir, std::map<std::string, Entry>& into) {
  if (!list) return;
  if (!list.IsSequence()) Fail(file, std::string(body_key) + "s must be a list");
  for (const YAML::Node& item : list) {
    const std::string name = Scalar(item, "name");
    if (name.empty()) Fail(file, std::string("a ") + body_key + " entry has no name");
    into.emplace(name, Entry{item[body_key], dir, file});  // first definition wins
  }
}

void MergeFile(const std::string& path, Merged& merged) {
  YAML::Node root;
  try {
    root = YAML::Load(ReadFile(path, path));
  } catch (const YAML::Exception& e) {
    Fail(path, std::string("invalid YAML: ") + e.what());
  }
  if (!root || root.IsNull()) return;  // an empty file contributes nothing, as in client-go
  if (!root.IsMap()) Fail(path, "top level is not a mapping");
  const fs::path dir = fs::absolute(path).parent_path();
  MergeNamed(root["clusters"], "cluster", path, dir, merged.clusters);
  MergeNamed(root["users"], "user", path, dir, merged.users);
  MergeNamed(root["contexts"], "context", path, dir, merged.contexts);
  if (merged.current_context.empty()) merged.current_context = Scalar(root, "current-context");
}

// Reads "<key>-data" (base64) or "<key>" (a file path relative to the entry's file).
std::string InlineOrFile(const Entry& entry, const std::string& key) {
  const std::string data = Scalar(entry.body, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = DecodeBase64(data);
    if (!decoded) Fail(entry.file, key + "-data is not valid base64");
    return *decoded;
  }
  const std::string file = Scalar(entry.body, key.c_str());
  if (file.empty()) return {};
  const fs::path path = fs::path(file).is_absolute() ? fs::path(file) : entry.base_dir / file;
  return ReadFile(path, entry.file);
}

const Entry& Lookup(const std::map<std::string, Entry>& entries, const std::string& name,
                    const char* kind, const std::string& context) {
  auto it = entries.find(name);
  if (it == entries.end()) {
    throw std::runtime_error("kubeconfig: context \"" + context + "\" refers to unknown " + kind +
                             " \"" + name + "\"");
  }
  return it->second;
}

void ApplyCluster(const Entry& cluster, RestConfig& cfg) {
  if (!cluster.body || !cluster.body.IsMap()) Fail(cluster.file, "cluster has no body");
  cfg.server = Scalar(cluster.body, "server");
  if (cfg.server.empty()) Fail(cluster.file, "cluster has no server");
  cfg.ca_pem = InlineOrFile(cluster, "certificate-authority");
  cfg.insecure_skip_tls_verify = cluster.body["insecure-skip-tls-verify"] &&
                                 cluster.body["insecure-skip-tls-verify"].as<bool>();
  cfg.tls_server_name = Scalar(cluster.body, "tls-server-name");
}

void ApplyUser(const Entry& user, RestConfig& cfg) {
  if (!user.body || user.body.IsNull()) return;  // anonymous
  if (user.body["exec"] || user.body["auth-provider"]) {
    Fail(user.file, "exec and auth-provider credential plugins are not supported");
  }
  cfg.client_cert_pem = InlineOrFile(user, "client-certificate");
  cfg.client_key_pem = InlineOrFile(user, "client-key");
  if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty()) {
    Fail(user.file, "client-certificate and client-key must be given together");
  }
  cfg.bearer_token = Scalar(user.body, "token");
  const std::string token_file = Scalar(user.body, "tokenFile");
  if (!token_file.empty()) {
    cfg.token_file =
        fs::path(token_file).is_absolute() ? token_file : (user.base_dir / token_file).string();
  }
  cfg.username = Scalar(user.body, "username");
  cfg.password = Scalar(user.body, "password");
}

}  // namespace

std::vector<std::string> SplitKubeconfigList(const std::string& list) {
  std::vector<std::string> paths;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ':');) {
    if (!item.empty()) paths.push_back(item);
  }
  return paths;
}

RestConfig LoadKubeconfig(const std::vector<std::string>& paths, const std::string& context) {
  if (paths.empty()) throw std::runtime_error("kubeconfig: no file given");
  Merged merged;
  for (const std::string& path : paths) MergeFile(path, merged);

  const std::string context_name = context.empty() ? merged.current_context : context;
  if (context_name.empty()) {
    throw std::runtime_error("kubeconfig: no current-context set and no --context given");
  }
  const Entry& ctx = Lookup(merged.contexts, context_name, "context", context_name);
  if (!ctx.body || !ctx.body.IsMap()) Fail(ctx.file, "context " + context_name + " has no body");

  RestConfig cfg;
  ApplyCluster(Lookup(merged.clusters, Scalar(ctx.body, "cluster"), "cluster", context_name), cfg);
  const std::string user = Scalar(ctx.body, "user");
  if (!user.empty()) ApplyUser(Lookup(merged.users, user, "user", context_name), cfg);
  return cfg;
}

}  // namespace kr::kube
