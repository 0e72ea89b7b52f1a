// kr-apiserver-load: creates many pods through the HTTP API with several connections, runs a
// watch started part-way through the creation, then lists everything in pages. Fails
// (exit 1) unless the watch saw every pod created after its start, in resourceVersion order,
// and the paged list returned every pod exactly once. Prints the figures.
//
//   kr-apiserver-load --url http://127.0.0.1:PORT --pods 150000 [--threads 4] [--page 500]
//                     [--reference]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr char kNamespace[] = "load";
constexpr char kPods[] = "/api/v1/namespaces/load/pods";
constexpr char kEndMarker[] = "zz-end-of-load";

struct Options {
  std::string url;
  size_t pods = 5000;
  size_t threads = 4;
  size_t page = 500;
  bool reference = false;  // also time the same number of GET /healthz (the HTTP floor)
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string PodName(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "pod-%07zu", i);
  return buf;
}

std::string PodBody(const std::string& name, size_t i) {
  json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"labels", {{"app", "load-" + std::to_string(i % 100)}}}}},
      {"spec",
       {{"nodeName", "node-" + std::to_string(i % 5000)},
        {"containers",
         {{{"name", "app"},
           {"image", "registry.example/app:1"},
           {"ports", {{{"containerPort", 8080}, {"protocol", "TCP"}}}}}}}}},
      {"status",
       {{"phase", "Running"},
        {"podIP", "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) +
                      "." + std::to_string(i & 255)}}}};
  return pod.dump();
}

// The resourceVersion in a JSON body, found without parsing the whole object.
uint64_t ResourceVersionOf(const std::string& body) {
  size_t at = body.find("\"resourceVersion\":\"");
  if (at == std::string::npos) return 0;
  return std::strtoull(body.c_str() + at + 19, nullptr, 10);
}

struct WatchResult {
  std::vector<std::pair<uint64_t, std::string>> added;  // (rv, name) in arrival order
  size_t other_events = 0;
  std::string error;
};

// Watches pods from `rv` until the end marker arrives.
void RunWatch(const Options& options, uint64_t rv, WatchResult& out) {
  httplib::Client client(options.url);
  client.set_read_timeout(600);
  std::string buffer;
  bool done = false;
  auto res = client.Get(
      std::string(kPods) + "?watch=true&timeoutSeconds=1200&resourceVersion=" + std::to_string(rv),
      [&](const char* data, size_t len) {
        buffer.append(data, len);
        size_t start = 0;
        for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
          json event = json::parse(buffer.begin() + start, buffer.begin() + nl, nullptr, false);
          if (event.is_discarded()) {
            out.error = "unparsable watch line";
            return false;
          }
          std::string type = event.value("type", "");
          const json& meta = event["object"]["metadata"];
          std::string name = meta.value("name", "");
          if (type == "ADDED" && name == kEndMarker) {
            done = true;
            return false;
          }
          if (type == "ADDED") {
            out.added.emplace_back(std::stoull(meta["resourceVersion"].get<std::string>()), name);
          } else {
            ++out.other_events;
            if (type == "ERROR") out.error = "watch ERROR event: " + event["object"].dump();
          }
        }
        buffer.erase(0, start);
        return true;
      });
  if (!done && out.error.empty()) out.error = "watch ended before the end marker";
}

// Requests per second for `count` GET /healthz over `threads` keep-alive connections: the
// cost of the HTTP layer alone, as a same-run reference for the create rate.
double HealthzRate(const Options& options, size_t count) {
  std::atomic<size_t> next{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < options.threads; ++t) {
    threads.emplace_back([&] {
      httplib::Client client(options.url);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      while (next.fetch_add(1) < count) (void)client.Get("/healthz");
    });
  }
  for (auto& t : threads) t.join();
  return count / Seconds(start);
}

int Run(const Options& options) {
  httplib::Client setup(options.url);
  auto ns = setup.Post(
      "/api/v1/namespaces",
      json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNamespace}}}}
          .dump(),
      "application/json");
  if (!ns || ns->status != 201) {
    std::fprintf(stderr, "cannot create namespace %s\n", kNamespace);
    return 1;
  }

  std::atomic<size_t> next{0};
  std::atomic<size_t> created{0};
  std::atomic<bool> failed{false};
  std::vector<uint64_t> create_rv(options.pods, 0);
  std::thread watcher;
  WatchResult watch;
  uint64_t watch_from = 0;

  auto creator = [&] {
    httplib::Client client(options.url);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    for (size_t i; (i = next.fetch_add(1)) < options.pods && !failed;) {
      auto res = client.Post(kPods, PodBody(PodName(i), i), "application/json");
      if (!res || res->status != 201) {
        std::fprintf(stderr, "create %s: %s\n", PodName(i).c_str(),
                     res ? res->body.c_str() : "connection failed");
        failed = true;
        return;
      }
      create_rv[i] = ResourceVersionOf(res->body);
      created.fetch_add(1);
    }
  };

  auto start = Clock::now();
  std::vector<std::thread> creators;
  for (size_t t = 0; t < options.threads; ++t) creators.emplace_back(creator);
  // Start the watch a third of the way through, from the collection's current version.
  while (created < options.pods / 3 && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  {
    httplib::Client client(options.url);
    auto res = client.Get(std::string(kPods) + "?limit=1");
    if (!res || res->status != 200) {
      failed = true;
    } else {
      watch_from = ResourceVersionOf(res->body);  // the list's, written before its items
      watcher = std::thread([&] { RunWatch(options, watch_from, watch); });
    }
  }
  for (auto& t : creators) t.join();
  double create_seconds = Seconds(start);
  if (failed) {
    if (watcher.joinable()) watcher.detach();
    return 1;
  }
  auto end_marker = setup.Post(kPods, PodBody(kEndMarker, 0), "application/json");
  if (!end_marker || end_marker->status != 201) return 1;
  watcher.join();
  double watch_seconds = Seconds(start);

  // Paged list of everything.
  auto list_start = Clock::now();
  std::vector<std::string> listed;
  listed.reserve(options.pods + 1);
  std::string token;
  size_t pages = 0;
  std::string list_rv;
  do {
    std::string path = std::string(kPods) + "?limit=" + std::to_string(options.page);
    if (!token.empty()) path += "&continue=" + httplib::detail::encode_query_param(token);
    auto res = setup.Get(path);
    if (!res || res->status != 200) {
      std::fprintf(stderr, "list page %zu failed\n", pages);
      return 1;
    }
    json page = json::parse(res->body);
    std::string rv = page["metadata"]["resourceVersion"];
    if (pages == 0) list_rv = rv;
    if (rv != list_rv) {
      std::fprintf(stderr, "page %zu at resourceVersion %s, first at %s\n", pages, rv.c_str(),
                   list_rv.c_str());
      return 1;
    }
    for (const auto& item : page["items"]) listed.push_back(item["metadata"]["name"]);
    token = page["metadata"].value("continue", "");
    ++pages;
  } while (!token.empty());
  double list_seconds = Seconds(list_start);

  // Checks.
  int status = 0;
  std::vector<std::string> expected_list;
  for (size_t i = 0; i < options.pods; ++i) expected_list.push_back(PodName(i));
  expected_list.push_back(kEndMarker);
  if (listed != expected_list) {
    std::fprintf(stderr, "paged list returned %zu names, want %zu in order\n", listed.size(),
                 expected_list.size());
    status = 1;
  }
  std::vector<std::pair<uint64_t, std::string>> expected_watch;
  for (size_t i = 0; i < options.pods; ++i) {
    if (create_rv[i] > watch_from) expected_watch.emplace_back(create_rv[i], PodName(i));
  }
  std::sort(expected_watch.begin(), expected_watch.end());
  if (!watch.error.empty()) {
    std::fprintf(stderr, "watch: %s\n", watch.error.c_str());
    status = 1;
  }
  if (watch.added != expected_watch || watch.other_events != 0) {
    std::fprintf(stderr,
                 "watch saw %zu ADDED (+%zu other) events, want the %zu creates after rv %llu "
                 "in order\n",
                 watch.added.size(), watch.other_events, expected_watch.size(),
                 static_cast<unsigned long long>(watch_from));
    status = 1;
  }
  std::printf("created %zu pods in %.2f s: %.0f pods/s (%zu connections)\n", options.pods,
              create_seconds, options.pods / create_seconds, options.threads);
  std::printf("watch from rv %llu: %zu ADDED events in order, complete %.2f s after start\n",
              static_cast<unsigned long long>(watch_from), watch.added.size(), watch_seconds);
  std::printf("paged list (limit %zu): %zu pods in %zu pages in %.2f s\n", options.page,
              listed.size(), pages, list_seconds);
  if (options.reference) {
    double rate = HealthzRate(options, options.pods);
    std::printf(
        "reference: %.0f GET /healthz per s on the same connections; create/healthz "
        "ratio %.2f\n",
        rate, (options.pods / create_seconds) / rate);
  }
  return status;
}

}  // namespace

int main(int argc, char* argv[]) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--reference") {
      options.reference = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "flag %s needs a value\n", flag.c_str());
      return 2;
    }
    std::string value = argv[i + 1];
    if (flag == "--url") {
      options.url = value;
    } else if (flag == "--pods") {
      options.pods = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--threads") {
      options.threads = std::max<size_t>(1, std::strtoull(value.c_str(), nullptr, 10));
    } else if (flag == "--page") {
      options.page = std::max<size_t>(1, std::strtoull(value.c_str(), nullptr, 10));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (options.url.empty() || options.pods == 0) {
    std::fprintf(stderr,
                 "usage: kr-apiserver-load --url http://127.0.0.1:PORT --pods N "
                 "[--threads T] [--page P]\n");
    return 2;
  }
  return Run(options);
}
