// The watch verb: a chunked response of newline-delimited watch events.
#include <algorithm>
#include <chrono>

#include "tools/kr-apiserver/api_server.h"
#include "tools/kr-apiserver/request_options.h"
#include "tools/kr-apiserver/table.h"

namespace kr::apiserver {

namespace {

using Clock = std::chrono::steady_clock;

// Initial ADDED events written per chunk, so one chunk stays of moderate size.
constexpr size_t kInitialEventsPerChunk = 500;

struct WatchState;
std::string EventLine(const char* type_name, const WatchState& state, const ObjectPtr& obj);

std::string BookmarkLine(const ResourceType& type, uint64_t rv) {
  nlohmann::json object = {{"kind", type.kind},
                           {"apiVersion", type.ApiVersion()},
                           {"metadata", {{"resourceVersion", std::to_string(rv)}}}};
  return "{\"type\":\"BOOKMARK\",\"object\":" + object.dump() + "}\n";
}

struct WatchState {
  const ResourceType* type = nullptr;
  WatchFilter filter;
  uint64_t cursor = 0;
  std::vector<ObjectPtr> initial;  // synthetic ADDED events of a watch without resourceVersion
  size_t initial_sent = 0;
  Clock::time_point deadline;
  bool bookmarks = false;
  Clock::duration bookmark_interval{};
  Clock::time_point next_bookmark;
  bool finished = false;
  bool table = false;  // objects as one-row Tables (kubectl get -w)
  TableObjects table_objects = TableObjects::kMetadata;
};

std::string EventLine(const char* type_name, const WatchState& state, const ObjectPtr& obj) {
  std::string body;
  if (state.table) {
    nlohmann::json meta = {{"resourceVersion", (*obj)["metadata"].value("resourceVersion", "")}};
    body = MakeTable(*state.type, {obj}, meta, state.table_objects).dump();
  } else {
    body = WithTypeMeta(*state.type, *obj);
  }
  return std::string("{\"type\":\"") + type_name + "\",\"object\":" + body + "}\n";
}

}  // namespace

void ApiServer::WatchObjects(const ApiPath& path, const httplib::Request& req,
                             httplib::Response& res) {
  auto query = ParseCollectionQuery(path, req);
  if (!query) {
    res.status = query.error().code;
    res.set_content(query.error().ToStatus().dump(), "application/json");
    return;
  }
  auto state = std::make_shared<WatchState>();
  state->type = path.type;
  state->filter = {path.type, path.ns, query->list.labels, query->list.fields};
  if (query->resource_version) {
    state->cursor = *query->resource_version;
  } else {
    // No resourceVersion, or "0": the current state as ADDED events, then changes.
    auto [objects, rv] = store_.Snapshot(state->filter);
    state->initial = std::move(objects);
    state->cursor = rv;
  }
  int timeout = config_.max_watch_seconds;
  if (query->timeout_seconds && *query->timeout_seconds > 0) {
    timeout = std::min(timeout, *query->timeout_seconds);
  }
  auto now = Clock::now();
  state->deadline = now + std::chrono::seconds(timeout);
  state->bookmarks = query->allow_bookmarks;
  state->bookmark_interval = std::chrono::seconds(config_.bookmark_interval_seconds);
  state->next_bookmark = now + state->bookmark_interval;
  state->table = WantsTable(req.get_header_value("Accept"));
  state->table_objects = ParseIncludeObject(req.get_param_value("includeObject"));

  // "stream=watch" marks the stream for clients, and keeps httplib from compressing it
  // (a compressor would hold events back until the watch ends).
  res.set_chunked_content_provider(
      "application/json;stream=watch", [this, state](size_t, httplib::DataSink& sink) {
        const ResourceType& type = *state->type;
        if (state->finished) {
          sink.done();
          return true;
        }
        std::string out;
        if (state->initial_sent < state->initial.size()) {
          size_t end =
              std::min(state->initial.size(), state->initial_sent + kInitialEventsPerChunk);
          for (; state->initial_sent < end; ++state->initial_sent) {
            out += EventLine("ADDED", *state, state->initial[state->initial_sent]);
          }
          if (state->initial_sent == state->initial.size()) state->initial.clear();
          return sink.write(out.data(), out.size());
        }
        auto start = Clock::now();
        if (start >= state->deadline) {
          sink.done();
          return true;
        }
        auto wake =
            state->bookmarks ? std::min(state->deadline, state->next_bookmark) : state->deadline;
        WatchBatch batch = store_.WaitForEvents(state->filter, state->cursor, wake);
        if (batch.stopped) {
          sink.done();
          return true;
        }
        if (batch.expired) {
          // An in-stream error with HTTP 200 already sent, as kube-apiserver's watch cache does.
          ApiError expired =
              Expired("too old resource version: " + std::to_string(state->cursor) + " (" +
                      std::to_string(store_.CompactedResourceVersion() + 1) + ")");
          out = "{\"type\":\"ERROR\",\"object\":" + expired.ToStatus().dump() + "}\n";
          state->finished = true;
          return sink.write(out.data(), out.size());
        }
        for (const auto& event : batch.events) {
          out += EventLine(EventTypeName(event.event), *state, event.object);
        }
        state->cursor = batch.cursor;
        if (state->bookmarks && Clock::now() >= state->next_bookmark) {
          out += BookmarkLine(type, state->cursor);
          state->next_bookmark = Clock::now() + state->bookmark_interval;
        }
        if (out.empty()) return true;
        return sink.write(out.data(), out.size());
      });
}

}  // namespace kr::apiserver
