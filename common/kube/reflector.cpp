#include "common/kube/reflector.h"

#include <condition_variable>
#include <mutex>
#include <unordered_set>

#include "common/log/log.h"

namespace kr::kube {

namespace {
constexpr int kGone = 410;
}

Reflector::Reflector(std::string resource_path, ApiTransport& transport, ReflectorSink& sink,
                     ReflectorOptions options)
    : path_(std::move(resource_path)),
      transport_(transport),
      sink_(sink),
      options_(options),
      random_(options.seed),
      backoff_(options.initial_backoff) {}

void Reflector::Run(std::stop_token stop) {
  std::stop_callback cancel_request(stop, [this] { transport_.Cancel(); });
  bool need_list = true;
  bool first_watch = true;
  while (!stop.stop_requested()) {
    if (need_list) {
      if (Status listed = List(stop); !listed.ok()) {
        if (stop.stop_requested()) return;
        RequestFailed(listed.error().message);
        if (!Backoff(stop)) return;
        continue;
      }
      need_list = false;
      backoff_ = options_.initial_backoff;
      last_failure_.clear();
    }
    if (!first_watch) ++stats_.watch_restarts;
    first_watch = false;
    std::string watch_failure;
    switch (Watch(stop, watch_failure)) {
      case WatchEnd::kTimedOut:
        backoff_ = options_.initial_backoff;
        last_failure_.clear();
        break;
      case WatchEnd::kExpired:
        ++stats_.relists;
        need_list = true;
        break;
      case WatchEnd::kFailed:
        RequestFailed(watch_failure);
        if (!Backoff(stop)) return;
        break;
      case WatchEnd::kStopped:
        return;
    }
  }
}

Status Reflector::List(std::stop_token stop) {
  const auto started = std::chrono::steady_clock::now();
  std::unordered_set<std::string> seen;
  std::string continue_token;
  std::string collection_version;
  for (;;) {
    if (stop.stop_requested()) return Error{ECANCELED, "stopped"};
    std::string path = WithQuery(path_, "limit", std::to_string(options_.page_size));
    if (!continue_token.empty()) path = WithQuery(path, "continue", continue_token);
    auto response = transport_.Get(path, options_.request_timeout);
    if (!response.ok()) return response.error();
    if (response->status == kGone && !continue_token.empty()) {
      // The continue token outlived the server's snapshot: list again from the start.
      continue_token.clear();
      seen.clear();
      continue;
    }
    if (response->status != 200) {
      return Error{EPROTO, "list " + path_ + ": HTTP " + std::to_string(response->status) + " " +
                               response->body.substr(0, 512)};
    }
    auto page = ParseListPage(response->body);
    if (!page.ok()) return Error{EBADMSG, "list " + path_ + ": " + page.error().message};
    for (nlohmann::json& item : page->items) {
      std::string key = ObjectKey(item);
      if (key.empty()) {
        ++stats_.decode_errors;
        sink_.OnDecodeError("list item without metadata.name in " + path_);
        continue;
      }
      std::string version = ObjectResourceVersion(item);
      seen.insert(key);
      auto [it, inserted] = versions_.try_emplace(key, version);
      if (!inserted && it->second == version) continue;  // unchanged since we last saw it
      it->second = std::move(version);
      sink_.OnUpsert(key, std::move(item));
    }
    continue_token = std::move(page->continue_token);
    if (continue_token.empty()) {
      collection_version = std::move(page->resource_version);
      break;
    }
  }

  for (auto it = versions_.begin(); it != versions_.end();) {
    if (seen.count(it->first) == 0) {
      sink_.OnDelete(it->first);
      it = versions_.erase(it);
    } else {
      ++it;
    }
  }
  resource_version_ = std::move(collection_version);
  ++stats_.lists;
  stats_.last_list_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  sink_.OnListed();
  return Status::Ok();
}

Reflector::WatchEnd Reflector::Watch(std::stop_token stop, std::string& failure) {
  const auto min = options_.min_watch_timeout.count();
  const auto timeout =
      min + static_cast<std::int64_t>(random_() %
                                      static_cast<std::uint64_t>(std::max<std::int64_t>(min, 1)));
  std::string path = WithQuery(path_, "watch", "1");
  path = WithQuery(path, "resourceVersion", resource_version_);
  path = WithQuery(path, "allowWatchBookmarks", "true");
  path = WithQuery(path, "timeoutSeconds", std::to_string(timeout));

  WatchEnd end = WatchEnd::kTimedOut;
  LineSplitter lines;
  auto result = transport_.Stream(
      path,
      [&](std::string_view data) {
        return lines.Feed(data, [&](std::string_view line) {
          if (line.empty()) return true;
          auto event = ParseWatchEvent(line);
          if (!event.ok()) {
            // We cannot know which object the line was about: only a relist is safe.
            ++stats_.decode_errors;
            sink_.OnDecodeError(path_ + " watch: " + event.error().message);
            end = WatchEnd::kExpired;
            return false;
          }
          return ApplyEvent(std::move(*event), end);
        });
      },
      // A watch is silent between events; allow the whole server-side timeout plus a margin.
      std::chrono::seconds(timeout + 30));

  if (stop.stop_requested()) return WatchEnd::kStopped;
  if (!result.ok()) {
    failure = result.error().message;
    return WatchEnd::kFailed;
  }
  if (result->status == kGone) return WatchEnd::kExpired;
  if (result->status != 200) {
    failure =
        "watch " + path_ + ": HTTP " + std::to_string(result->status) + " " + result->error_body;
    return WatchEnd::kFailed;
  }
  if (end == WatchEnd::kFailed) failure = "watch " + path_ + ": ERROR event";
  return end;
}

bool Reflector::ApplyEvent(WatchEvent&& event, WatchEnd& end) {
  if (event.type == WatchEventType::kError) {
    end = StatusCode(event.object) == kGone ? WatchEnd::kExpired : WatchEnd::kFailed;
    return false;
  }
  std::string version = ObjectResourceVersion(event.object);
  if (event.type == WatchEventType::kBookmark) {
    if (!version.empty()) resource_version_ = std::move(version);
    return true;
  }
  std::string key = ObjectKey(event.object);
  if (key.empty() || version.empty()) {
    ++stats_.decode_errors;
    sink_.OnDecodeError(path_ + " watch event without metadata.name or resourceVersion");
    return true;
  }
  ++stats_.events;
  resource_version_ = version;
  if (event.type == WatchEventType::kDeleted) {
    if (versions_.erase(key) > 0) sink_.OnDelete(key);
  } else {
    versions_[key] = std::move(version);
    sink_.OnUpsert(key, std::move(event.object));
  }
  return true;
}

void Reflector::RequestFailed(const std::string& what) {
  ++stats_.request_errors;
  if (what == last_failure_) return;
  last_failure_ = what;
  KR_LOG(WARNING) << what;
}

bool Reflector::Backoff(std::stop_token stop) {
  // Full jitter: a uniformly random wait up to the current step, then double the step.
  const auto step = std::max<std::int64_t>(backoff_.count(), 1);
  const auto wait = std::chrono::milliseconds(
      static_cast<std::int64_t>(random_() % static_cast<std::uint64_t>(step)) + 1);
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  return !wake.wait_for(lock, stop, wait, [] { return false; });
}

}  // namespace kr::kube
