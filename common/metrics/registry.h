// A Prometheus registry: owns metric families, gathers them with any extra collectors, and
// writes the text exposition format that /metrics serves (common/http serves it).
//
//   kr::metrics::Registry registry;
//   auto& syncs = registry.AddCounter("kr_proxyd_syncs_total", "Syncs by result.", {"result"});
//   auto& up = registry.AddGauge("kr_proxyd_services", "IPVS services programmed.");
//   auto& took = registry.AddHistogram("kr_proxyd_sync_duration_seconds", "Sync time.", {},
//                                      kr::metrics::ExponentialBuckets(0.001, 2, 15));
//   registry.AddCollector(std::make_shared<kr::metrics::ProcessCollector>());  // its own header
//
//   std::shared_ptr<kr::metrics::Counter> ok = syncs.WithLabels({"ok"});  // keep the handle
//   ok->Inc();
//   up.Get()->Set(42);
//   took.Get()->Observe(0.012);
//   std::string body = registry.Expose();  // text format 0.0.4, see text_format.h
//
// Registration is a start-up step: an invalid metric or label name, or a second registration
// of a name with a different type, help, label names or buckets, throws std::invalid_argument.
// Registering an identical family again returns the existing one.
//
// Threading: every method is safe from any thread. Families live as long as the registry;
// references returned by Add* stay valid until it is destroyed.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/metrics/buckets.h"
#include "common/metrics/family.h"
#include "common/metrics/sample.h"

namespace kr::metrics {

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
  // buckets: upper bounds, strictly increasing; +Inf is added implicitly.
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names = {},
                                std::vector<double> buckets = DefaultBuckets());

  // Collectors produce families computed at scrape time (e.g. ProcessCollector). Their names
  // are not checked against the registered families; keep them distinct.
  void AddCollector(std::shared_ptr<const Collector> collector);

  // Every family, sorted by name; children sorted by label values.
  std::vector<FamilySnapshot> Gather() const;

  // Gather() in the text exposition format 0.0.4.
  std::string Expose() const;

 private:
  struct Entry {
    std::string signature;  // type, help, label names and buckets: equal means same family
    std::unique_ptr<Collector> family;
  };

  template <typename Child>
  Family<Child>& AddFamily(const std::string& name, const std::string& help, MetricType type,
                           std::vector<std::string> label_names, const std::string& extra,
                           typename Family<Child>::ChildFactory make_child);

  mutable std::mutex mutex_;
  std::map<std::string, Entry> families_;
  std::vector<std::shared_ptr<const Collector>> collectors_;
};

}  // namespace kr::metrics
