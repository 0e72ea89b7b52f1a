#include "common/kube/reflector.h"

#include <charconv>
#include <condition_variable>
#include <future>
#include <mutex>

#include "common/kube/filtered_parse.h"
#include "common/log/log.h"

namespace kr::kube {

namespace {

constexpr int kGone = 410;

FieldFilter WithIdentity(FieldFilter fields) {
  return fields.Keep("metadata.name").Keep("metadata.namespace").Keep("metadata.resourceVersion");
}

// StatusCode reads kind and code; reason and message are for logs.
FieldFilter WithStatus(FieldFilter fields) {
  return fields.Keep("kind").Keep("code").Keep("reason").Keep("message");
}

// OnBatchBegin now, OnBatchEnd when it goes out of scope (an early return included).
class SinkBatch {
 public:
  explicit SinkBatch(ReflectorSink& sink) : sink_(sink) { sink_.OnBatchBegin(); }
  ~SinkBatch() { sink_.OnBatchEnd(); }
  SinkBatch(const SinkBatch&) = delete;
  SinkBatch& operator=(const SinkBatch&) = delete;

 private:
  ReflectorSink& sink_;
};

}  // namespace

Reflector::Reflector(std::string resource_path, ApiTransport& transport, ReflectorSink& sink,
                     ReflectorOptions options)
    : path_(std::move(resource_path)),
      transport_(transport),
      sink_(sink),
      options_(options),
      list_filter_(WithIdentity(options.fields)),
      watch_filter_(WithStatus(list_filter_)),
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

std::uint64_t Reflector::VersionTag(std::string_view version) {
  constexpr std::uint64_t kHashed = std::uint64_t{1} << 63;
  std::uint64_t number = 0;
  const char* end = version.data() + version.size();
  const bool canonical = !version.empty() && (version[0] != '0' || version.size() == 1);
  if (canonical) {
    auto [at, ec] = std::from_chars(version.data(), end, number);
    if (ec == std::errc() && at == end && number < kHashed) return number;
  }
  return kHashed | std::hash<std::string_view>{}(version);
}

std::string Reflector::PagePath(const std::string& continue_token) const {
  std::string path = WithQuery(path_, "limit", std::to_string(options_.page_size));
  if (!continue_token.empty()) path = WithQuery(path, "continue", continue_token);
  return path;
}

Status Reflector::List(std::stop_token stop) {
  const auto started = std::chrono::steady_clock::now();
  ++list_pass_;
  std::string continue_token;
  std::string collection_version;
  // The next page, requested while this one is parsed. Its destructor waits for the request,
  // which a stop cancels.
  std::future<Expected<HttpResponse>> next_page;
  for (;;) {
    if (stop.stop_requested()) return Error{ECANCELED, "stopped"};
    auto response = next_page.valid()
                        ? next_page.get()
                        : transport_.Get(PagePath(continue_token), options_.request_timeout);
    if (!response.ok()) return response.error();
    if (response->status == kGone && !continue_token.empty()) {
      // The continue token outlived the server's snapshot: list again from the start.
      continue_token.clear();
      ++list_pass_;
      continue;
    }
    if (response->status != 200) {
      return Error{EPROTO, "list " + path_ + ": HTTP " + std::to_string(response->status) + " " +
                               response->body.substr(0, 512)};
    }
    std::string prefetched_token;
    auto head = PeekListPageInfo(response->body);
    if (head && continue_token.empty()) {
      // The first page says how many follow: size the map once instead of rehashing it as it
      // grows (150,000 pods rehash about 18 times).
      versions_.reserve(head->remaining_items + static_cast<uint64_t>(options_.page_size));
      sink_.OnListSize(head->remaining_items + static_cast<uint64_t>(options_.page_size));
    }
    if (head && !head->continue_token.empty()) {
      prefetched_token = head->continue_token;
      next_page = std::async(std::launch::async, [this, path = PagePath(prefetched_token)] {
        return transport_.Get(path, options_.request_timeout);
      });
    }
    auto page = [&] {
      SinkBatch batch(sink_);  // the page's objects go on together
      return ScanListPage(response->body, list_filter_, [&](JsonView item) {
        std::string key = ObjectKey(item);
        if (key.empty()) {
          ++stats_.decode_errors;
          sink_.OnDecodeError("list item without metadata.name in " + path_);
          return;
        }
        const std::string_view version = ObjectResourceVersion(item);
        auto [it, inserted] = versions_.try_emplace(std::move(key));
        it->second.pass = list_pass_;
        const std::uint64_t tag = VersionTag(version);
        if (!inserted && it->second.version == tag) return;  // unchanged since we last saw it
        it->second.version = tag;
        sink_.OnUpsertView(it->first, item);
      });
    }();
    transport_.Recycle(std::move(response->body));
    if (!page.ok()) return Error{EBADMSG, "list " + path_ + ": " + page.error().message};
    continue_token = std::move(page->continue_token);
    if (next_page.valid() && continue_token != prefetched_token) {
      next_page.wait();  // not the page the body asks for (cannot happen with a sane server)
      next_page = {};
    }
    if (continue_token.empty()) {
      collection_version = std::move(page->resource_version);
      break;
    }
  }

  {
    SinkBatch batch(sink_);
    for (auto it = versions_.begin(); it != versions_.end();) {
      if (it->second.pass != list_pass_) {
        sink_.OnDelete(it->first);
        it = versions_.erase(it);
      } else {
        ++it;
      }
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
        SinkBatch batch(sink_);  // the events of one read go on together
        return lines.Feed(data, [&](std::string_view line) {
          if (line.empty()) return true;
          auto event = ParseWatchEvent(line, watch_filter_);
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
    versions_[key].version = VersionTag(version);
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
