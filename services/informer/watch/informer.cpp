#include "services/informer/watch/informer.h"

#include <malloc.h>

#include "common/log/log.h"
#include "services/informer/normalize/fields_read.h"

namespace kr::informer {

namespace {

kube::FieldFilter FieldsRead(Kind kind) {
  switch (kind) {
    case Kind::kNodes:
      return NodeFieldsRead();
    case Kind::kPods:
      return PodFieldsRead();
    case Kind::kServices:
      return ServiceFieldsRead();
    case Kind::kEndpointSlices:
      return EndpointSliceFieldsRead();
    case Kind::kNamespaces:
      return NamespaceFieldsRead();
    case Kind::kNetworkPolicies:
      return NetworkPolicyFieldsRead();
  }
  return kube::FieldFilter::Everything();
}

}  // namespace

Informer::Informer(TransportFactory transports, BusWriter& bus, kube::ReflectorOptions options)
    : transports_(std::move(transports)), bus_(bus), options_(options) {}

Informer::~Informer() {
  Stop();
}

Status Informer::Start() {
  for (const KindInfo& info : kKinds) {
    auto transport = transports_();
    if (!transport.ok()) return transport.error();
    auto watcher = std::make_unique<Watcher>();
    watcher->info = &info;
    watcher->transport = std::move(*transport);
    Watcher* raw = watcher.get();
    watcher->sink = std::make_unique<PublishingSink>(info, bus_, [this, raw] { OnListed(*raw); });
    kube::ReflectorOptions options = options_;
    options.seed = options_.seed + static_cast<uint64_t>(info.kind);  // spread watch timeouts
    options.fields = FieldsRead(info.kind);
    watcher->reflector = std::make_unique<kube::Reflector>(
        std::string(info.path), *watcher->transport, *watcher->sink, options);
    watchers_.push_back(std::move(watcher));
  }
  for (auto& watcher : watchers_) {
    watcher->thread = std::jthread(
        [reflector = watcher->reflector.get()](std::stop_token stop) { reflector->Run(stop); });
  }
  return Status::Ok();
}

void Informer::Stop() {
  for (auto& watcher : watchers_) watcher->thread.request_stop();
  for (auto& watcher : watchers_) {
    if (watcher->thread.joinable()) watcher->thread.join();
  }
}

void Informer::OnListed(Watcher& watcher) {
  if (watcher.listed.exchange(true)) return;
  KR_LOG(INFO) << "listed all " << watcher.info->name;
  std::lock_guard lock(in_sync_mutex_);
  if (in_sync_) return;
  for (const auto& w : watchers_) {
    if (!w->listed) return;
  }
  bus_.MarkInSync();
  in_sync_ = true;
  KR_LOG(INFO) << "every kind listed: bus in sync";
  // The initial lists freed far more than the state they left (response bodies, parse trees)
  // in every reflector thread's arena; give those pages back instead of keeping the peak.
  malloc_trim(0);
}

std::vector<Informer::KindState> Informer::States() const {
  std::vector<KindState> states;
  for (const auto& watcher : watchers_) {
    states.push_back({watcher->info, &watcher->reflector->stats(), &watcher->sink->counters()});
  }
  return states;
}

}  // namespace kr::informer
