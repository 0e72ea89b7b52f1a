// The reflector against an in-memory apiserver that keeps objects, a resourceVersion counter
// and an event history it can compact, as the real one does.
#include "common/kube/reflector.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

using namespace kr::kube;
using nlohmann::json;

namespace {

constexpr auto kWait = std::chrono::seconds(20);  // generous: only reached when a test fails

std::string QueryValue(const std::string& path, const std::string& key) {
  const std::string needle = key + "=";
  size_t at = path.find("?" + needle);
  if (at == std::string::npos) at = path.find("&" + needle);
  if (at == std::string::npos) return {};
  at += needle.size() + 1;
  return path.substr(at, path.find('&', at) - at);
}

json Pod(const std::string& name, int rv, const std::string& label = "x") {
  return {{"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", "default"},
            {"resourceVersion", std::to_string(rv)},
            {"labels", {{"app", label}}}}}};
}

// An apiserver for one resource. Watches block until the test ends them, adds events, or the
// reflector cancels. All methods are thread-safe.
class FakeApiServer : public ApiTransport {
 public:
  void Upsert(const std::string& name, const std::string& label = "x") {
    std::lock_guard lock(mu_);
    const bool existed = objects_.count(name) > 0;
    json pod = Pod(name, ++rv_, label);
    objects_[name] = pod;
    history_.push_back({rv_, {{"type", existed ? "MODIFIED" : "ADDED"}, {"object", pod}}});
    if (streaming_) idle_ = false;  // idle again once the open watch delivered it
    cv_.notify_all();
  }
  void Delete(const std::string& name) {
    std::lock_guard lock(mu_);
    json pod = objects_.at(name);
    objects_.erase(name);
    pod["metadata"]["resourceVersion"] = std::to_string(++rv_);
    history_.push_back({rv_, {{"type", "DELETED"}, {"object", pod}}});
    if (streaming_) idle_ = false;  // idle again once the open watch delivered it
    cv_.notify_all();
  }
  void Bookmark() {
    std::lock_guard lock(mu_);
    history_.push_back(
        {++rv_,
         {{"type", "BOOKMARK"},
          {"object",
           {{"kind", "Pod"}, {"metadata", {{"resourceVersion", std::to_string(rv_)}}}}}}});
    if (streaming_) idle_ = false;
    cv_.notify_all();
  }
  void RawLine(const std::string& line) {
    std::lock_guard lock(mu_);
    raw_lines_.push_back(line);
    if (streaming_) idle_ = false;  // idle again once the open watch delivered it
    cv_.notify_all();
  }
  // Forget history up to now: watches from older versions get "410 Expired".
  void Compact(bool as_http_status = false) {
    std::lock_guard lock(mu_);
    compacted_rv_ = rv_;
    gone_as_http_ = as_http_status;
  }
  // Holds new watch connections at the door until Resume(); ends the open ones.
  void Pause() {
    std::lock_guard lock(mu_);
    paused_ = true;
    ++generation_;
    cv_.notify_all();
  }
  void Resume() {
    std::lock_guard lock(mu_);
    paused_ = false;
    if (at_door_) idle_ = false;  // idle again once the waiting watch is served
    cv_.notify_all();
  }
  void FailNextRequests(int n) {
    std::lock_guard lock(mu_);
    failures_ = n;
  }
  void ExpireNextContinue() {
    std::lock_guard lock(mu_);
    expire_continue_ = true;
  }
  // Waits until `n` watch requests have arrived in total and the last one is idle or paused.
  void WaitForWatch(int n) {
    std::unique_lock lock(mu_);
    REQUIRE(cv_.wait_for(lock, kWait, [&] { return watches_ >= n && idle_; }));
  }
  int lists() {
    std::lock_guard lock(mu_);
    return lists_;
  }

  kr::Expected<HttpResponse> Get(const std::string& path, std::chrono::seconds) override {
    std::lock_guard lock(mu_);
    if (failures_ > 0) {
      --failures_;
      return kr::Error{ECONNREFUSED, "scripted failure"};
    }
    const size_t limit = std::stoul(QueryValue(path, "limit"));
    const std::string token = QueryValue(path, "continue");
    if (!token.empty() && expire_continue_) {
      expire_continue_ = false;
      return HttpResponse{410, R"({"kind":"Status","code":410,"reason":"Expired"})"};
    }
    if (token.empty()) {
      ++lists_;
      list_snapshot_ = objects_;
      list_rv_ = rv_;
    }
    size_t start = token.empty() ? 0 : std::stoul(token);
    json items = json::array();
    auto it = list_snapshot_.begin();
    std::advance(it, static_cast<long>(start));
    for (; it != list_snapshot_.end() && items.size() < limit; ++it) items.push_back(it->second);
    const size_t next = start + items.size();
    json body = {{"kind", "PodList"},
                 {"metadata", {{"resourceVersion", std::to_string(list_rv_)}}},
                 {"items", items}};
    if (next < list_snapshot_.size()) body["metadata"]["continue"] = std::to_string(next);
    return HttpResponse{200, body.dump()};
  }

  kr::Expected<StreamResult> Stream(const std::string& path,
                                    const std::function<bool(std::string_view)>& on_data,
                                    std::chrono::seconds) override {
    std::unique_lock lock(mu_);
    ++watches_;
    idle_ = true;
    cv_.notify_all();
    at_door_ = true;
    cv_.wait(lock, [&] { return !paused_ || cancelled_; });
    at_door_ = false;
    if (cancelled_) return StreamResult{200, ""};
    if (failures_ > 0) {
      --failures_;
      return kr::Error{ECONNRESET, "scripted failure"};
    }
    const int from = std::stoi(QueryValue(path, "resourceVersion"));
    CHECK(QueryValue(path, "allowWatchBookmarks") == "true");
    if (from < compacted_rv_) {
      const std::string expired = R"({"kind":"Status","code":410,"reason":"Expired"})";
      if (gone_as_http_) return StreamResult{410, expired};
      on_data(R"({"type":"ERROR","object":)" + expired + "}\n");
      return StreamResult{200, ""};
    }
    const int generation = generation_;
    int sent = from;
    size_t raw_sent = raw_lines_.size();
    idle_ = false;
    streaming_ = true;
    // Returns false when the reflector ended the stream.
    auto deliver_pending = [&] {
      for (const auto& [rv, event] : history_) {
        if (rv <= sent) continue;
        sent = rv;
        // Split each event over two chunks, as TCP may deliver it.
        const std::string line = event.dump() + "\n";
        if (!on_data(line.substr(0, 7)) || !on_data(line.substr(7))) return false;
      }
      for (; raw_sent < raw_lines_.size(); ++raw_sent) {
        if (!on_data(raw_lines_[raw_sent] + "\n")) return false;
      }
      return true;
    };
    while (!cancelled_ && generation == generation_ && deliver_pending()) {
      idle_ = true;
      cv_.notify_all();
      cv_.wait(lock);
    }
    streaming_ = false;
    return StreamResult{200, ""};
  }

  void Cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, json> objects_, list_snapshot_;
  std::vector<std::pair<int, json>> history_;
  std::vector<std::string> raw_lines_;
  int rv_ = 100, list_rv_ = 0, compacted_rv_ = 0, generation_ = 0, failures_ = 0;
  int watches_ = 0, lists_ = 0;
  bool paused_ = false, cancelled_ = false, idle_ = false, gone_as_http_ = false;
  bool streaming_ = false;  // a watch is delivering events
  bool at_door_ = false;    // a watch is held by Pause()
  bool expire_continue_ = false;
};

// Records what the reflector reports, and the state it implies.
class RecordingSink : public ReflectorSink {
 public:
  void OnUpsert(const std::string& key, json&& object) override {
    std::lock_guard lock(mu_);
    if (!in_batch_) ++outside_batch_;
    log_.push_back("upsert " + key);
    state_[key] = object["metadata"]["labels"]["app"];
  }
  void OnDelete(const std::string& key) override {
    std::lock_guard lock(mu_);
    if (!in_batch_) ++outside_batch_;
    log_.push_back("delete " + key);
    state_.erase(key);
  }
  void OnListed() override {
    std::lock_guard lock(mu_);
    log_.push_back("listed");
  }
  void OnBatchBegin() override {
    std::lock_guard lock(mu_);
    if (in_batch_) ++nested_;
    in_batch_ = true;
    ++batches_;
  }
  void OnBatchEnd() override {
    std::lock_guard lock(mu_);
    if (!in_batch_) ++nested_;
    in_batch_ = false;
  }
  struct Batching {
    int batches = 0;        // begun
    int outside_batch = 0;  // upserts and deletes outside any batch
    int misnested = 0;      // a begin inside a batch or an end outside one
    bool open = false;
  };
  Batching batching() {
    std::lock_guard lock(mu_);
    return {batches_, outside_batch_, nested_, in_batch_};
  }
  std::vector<std::string> TakeLog() {
    std::lock_guard lock(mu_);
    return std::exchange(log_, {});
  }
  std::map<std::string, std::string> state() {
    std::lock_guard lock(mu_);
    return state_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> log_;
  std::map<std::string, std::string> state_;
  bool in_batch_ = false;
  int batches_ = 0;
  int outside_batch_ = 0;
  int nested_ = 0;
};

ReflectorOptions FastOptions() {
  ReflectorOptions options;
  options.page_size = 2;
  options.initial_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(4);
  options.seed = 7;
  return options;
}

struct Harness {
  FakeApiServer server;
  RecordingSink sink;
  Reflector reflector{"/api/v1/pods", server, sink, FastOptions()};
  std::jthread thread;
  void Start() {
    thread = std::jthread([this](std::stop_token stop) { reflector.Run(stop); });
  }
};

using Log = std::vector<std::string>;

}  // namespace

TEST_CASE("paged list, then watch events in order", "[kube][reflector]") {
  Harness h;
  for (auto name : {"a", "b", "c", "d", "e"}) h.server.Upsert(name);
  h.Start();
  h.server.WaitForWatch(1);
  CHECK(h.sink.TakeLog() == Log{"upsert default/a", "upsert default/b", "upsert default/c",
                                "upsert default/d", "upsert default/e", "listed"});

  h.server.Upsert("b", "changed");
  h.server.Delete("c");
  h.server.Upsert("f");
  h.server.WaitForWatch(1);
  CHECK(h.sink.TakeLog() == Log{"upsert default/b", "delete default/c", "upsert default/f"});
  CHECK(h.reflector.stats().events == 3);
  CHECK(h.reflector.stats().lists == 1);
}

// The next page is requested while one is parsed: the sink must still see every item once, in
// the server's order, and the list must end only after the last page.
TEST_CASE("a long paged list reaches the sink in order, each item once", "[kube][reflector]") {
  Harness h;
  Log expected;
  for (int i = 0; i < 101; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "p%03d", i);
    h.server.Upsert(name);
    expected.push_back(std::string("upsert default/") + name);
  }
  expected.push_back("listed");
  h.Start();
  h.server.WaitForWatch(1);
  CHECK(h.sink.TakeLog() == expected);
  CHECK(h.server.lists() == 1);
  CHECK(h.reflector.stats().decode_errors == 0);
}

// The sink may hand each list page and each chunk of a watch stream on as one bus batch: every
// object must arrive inside a batch, batches must pair up and never nest, and none may be left
// open while the reflector waits for the server.
TEST_CASE("list pages and watch chunks reach the sink inside batches", "[kube][reflector]") {
  Harness h;
  for (auto name : {"a", "b", "c", "d", "e"}) h.server.Upsert(name);
  h.Start();
  h.server.WaitForWatch(1);
  h.server.Upsert("b", "changed");
  h.server.Delete("c");
  h.server.WaitForWatch(1);
  CHECK(h.sink.TakeLog().size() == 8);  // 5 upserts, listed, an upsert and a delete
  const auto batching = h.sink.batching();
  CHECK(batching.outside_batch == 0);
  CHECK(batching.misnested == 0);
  CHECK_FALSE(batching.open);
  CHECK(batching.batches >= 3 + 2);  // three pages of two, then at least one per event
}

TEST_CASE("a watch that ends resumes from the last version, bookmarks included",
          "[kube][reflector]") {
  Harness h;
  h.server.Upsert("a");
  h.Start();
  h.server.WaitForWatch(1);
  h.server.Bookmark();
  h.server.WaitForWatch(1);
  h.server.Pause();  // ends the open watch; the next one waits at the door
  h.server.WaitForWatch(2);
  h.server.Resume();
  h.server.Upsert("b");
  h.server.WaitForWatch(2);
  CHECK(h.sink.TakeLog() == Log{"upsert default/a", "listed", "upsert default/b"});
  CHECK(h.server.lists() == 1);  // no relist for a normal end of watch
  CHECK(h.reflector.stats().watch_restarts == 1);
}

TEST_CASE("compaction leads to a relist that reports only the differences", "[kube][reflector]") {
  const bool as_http = GENERATE(false, true);
  Harness h;
  for (auto name : {"a", "b", "c"}) h.server.Upsert(name);
  h.Start();
  h.server.WaitForWatch(1);
  h.sink.TakeLog();

  h.server.Pause();
  h.server.WaitForWatch(2);
  // Missed while disconnected, then compacted away.
  h.server.Upsert("b", "changed");
  h.server.Delete("c");
  h.server.Upsert("d");
  h.server.Compact(as_http);
  h.server.Resume();
  h.server.WaitForWatch(3);

  const Log log = h.sink.TakeLog();
  CHECK(log == Log{"upsert default/b", "upsert default/d", "delete default/c", "listed"});
  CHECK(h.sink.state() == std::map<std::string, std::string>{
                              {"default/a", "x"}, {"default/b", "changed"}, {"default/d", "x"}});
  CHECK(h.reflector.stats().relists == 1);
  CHECK(h.server.lists() == 2);
}

TEST_CASE("an expired continue token restarts the list", "[kube][reflector]") {
  Harness h;
  for (auto name : {"a", "b", "c", "d", "e"}) h.server.Upsert(name);
  h.server.ExpireNextContinue();
  h.Start();
  h.server.WaitForWatch(1);
  CHECK(h.sink.state().size() == 5);
  CHECK(h.server.lists() == 2);
  CHECK(h.reflector.stats().lists == 1);
}

TEST_CASE("transport failures are retried with backoff", "[kube][reflector]") {
  Harness h;
  h.server.Upsert("a");
  h.server.FailNextRequests(2);  // two lists fail
  h.Start();
  h.server.WaitForWatch(1);
  CHECK(h.sink.TakeLog() == Log{"upsert default/a", "listed"});
  CHECK(h.reflector.stats().request_errors == 2);

  h.server.Pause();
  h.server.WaitForWatch(2);
  h.server.FailNextRequests(1);  // then one watch
  h.server.Resume();
  h.server.WaitForWatch(3);
  CHECK(h.reflector.stats().request_errors == 3);
  CHECK(h.server.lists() == 1);  // a failed watch resumes from its version, no relist
  CHECK(h.sink.TakeLog().empty());
}

TEST_CASE("an unreadable watch line leads to a relist, not to lost state", "[kube][reflector]") {
  Harness h;
  h.server.Upsert("a");
  h.Start();
  h.server.WaitForWatch(1);
  h.sink.TakeLog();
  h.server.RawLine("{not json");
  h.server.WaitForWatch(2);
  CHECK(h.reflector.stats().decode_errors == 1);
  CHECK(h.reflector.stats().relists == 1);
  CHECK(h.sink.TakeLog() == Log{"listed"});  // nothing changed, so nothing but the marker
  CHECK(h.sink.state().size() == 1);
}

TEST_CASE("list and watch paths carry the protocol parameters", "[kube][reflector]") {
  CHECK(WithQuery("/api/v1/pods", "limit", "500") == "/api/v1/pods?limit=500");
  CHECK(WithQuery("/api/v1/pods?limit=5", "continue", "a b/=") ==
        "/api/v1/pods?limit=5&continue=a%20b%2F%3D");
  CHECK(ObjectKey(Pod("x", 1)) == "default/x");
  CHECK(ObjectKey(json{{"metadata", {{"name", "node-1"}}}}) == "node-1");
  CHECK(ObjectKey(json{{"metadata", json::object()}}).empty());
  CHECK(StatusCode(json{{"kind", "Status"}, {"code", 410}}) == 410);
  CHECK(StatusCode(json{{"kind", "Pod"}}) == 0);
  CHECK_FALSE(ParseListPage("[]").ok());
  CHECK_FALSE(ParseListPage(R"({"items":[]})").ok());
  CHECK_FALSE(ParseWatchEvent(R"({"type":"SOMETHING","object":{}})").ok());
}
