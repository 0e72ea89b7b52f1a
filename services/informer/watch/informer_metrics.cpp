#include "services/informer/watch/informer_metrics.h"

#include <functional>

namespace kr::informer {

using metrics::FamilySnapshot;
using metrics::MetricType;

namespace {

using KindValue = std::function<double(const Informer::KindState&, const bus::PublisherStats&)>;

FamilySnapshot PerKind(const char* name, const char* help, MetricType type,
                       const std::vector<Informer::KindState>& states,
                       const bus::PublisherStats& bus, const KindValue& value) {
  FamilySnapshot family{name, help, type, {}};
  for (const Informer::KindState& state : states) {
    family.samples.push_back({name, {{"kind", std::string(state.info->name)}}, value(state, bus)});
  }
  return family;
}

}  // namespace

void InformerCollector::Collect(std::vector<FamilySnapshot>& out) const {
  const auto states = informer_.States();
  const bus::PublisherStats bus = publisher_.Stats();
  auto counter = [](auto member) {
    return [member](const Informer::KindState& s, const bus::PublisherStats&) {
      return static_cast<double>((s.reflector->*member).load());
    };
  };
  out.push_back(PerKind("kr_informer_objects", "Objects of each kind on the bus.",
                        MetricType::kGauge, states, bus,
                        [](const Informer::KindState& s, const bus::PublisherStats& b) {
                          return static_cast<double>(b.objects[bus::Index(s.info->topic)]);
                        }));
  out.push_back(PerKind("kr_informer_lists_total", "Complete lists, the first included.",
                        MetricType::kCounter, states, bus, counter(&kube::ReflectorStats::lists)));
  out.push_back(PerKind(
      "kr_informer_relists_total", "Relists after 410 Gone, Expired or an unreadable watch stream.",
      MetricType::kCounter, states, bus, counter(&kube::ReflectorStats::relists)));
  out.push_back(PerKind("kr_informer_watch_restarts_total", "Watches opened after the first.",
                        MetricType::kCounter, states, bus,
                        counter(&kube::ReflectorStats::watch_restarts)));
  out.push_back(PerKind("kr_informer_watch_events_total", "Watch events applied.",
                        MetricType::kCounter, states, bus, counter(&kube::ReflectorStats::events)));
  out.push_back(PerKind("kr_informer_request_errors_total",
                        "Apiserver requests that failed or answered unexpectedly.",
                        MetricType::kCounter, states, bus,
                        counter(&kube::ReflectorStats::request_errors)));
  out.push_back(PerKind("kr_informer_rejected_objects_total",
                        "Objects skipped because they could not be normalized.",
                        MetricType::kCounter, states, bus,
                        [](const Informer::KindState& s, const bus::PublisherStats&) {
                          return static_cast<double>(s.sink->rejected.load());
                        }));
  out.push_back(PerKind("kr_informer_list_duration_seconds", "Duration of the last complete list.",
                        MetricType::kGauge, states, bus,
                        [](const Informer::KindState& s, const bus::PublisherStats&) {
                          return s.reflector->last_list_seconds.load();
                        }));
  out.push_back({"kr_informer_in_sync",
                 "1 once every kind has been listed and the bus marked in sync.",
                 MetricType::kGauge,
                 {{"kr_informer_in_sync", {}, informer_.in_sync() ? 1.0 : 0.0}}});
}

}  // namespace kr::informer
