#include "common/metrics/registry.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "common/metrics/names.h"
#include "common/metrics/text_format.h"

namespace kr::metrics {
namespace {

void ValidateNames(const std::string& name, const std::vector<std::string>& label_names,
                   MetricType type) {
  if (!IsValidMetricName(name)) throw std::invalid_argument("invalid metric name: " + name);
  std::set<std::string> seen;
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label)) {
      throw std::invalid_argument("metric " + name + ": invalid label name: " + label);
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument("metric " + name + ": duplicate label name: " + label);
    }
    if (type == MetricType::kHistogram && label == "le") {
      throw std::invalid_argument("histogram " + name + ": label name le is reserved");
    }
  }
}

std::string Signature(MetricType type, const std::string& help,
                      const std::vector<std::string>& label_names, const std::string& extra) {
  std::string signature(TypeName(type));
  signature += '\n';
  signature += help;
  for (const std::string& label : label_names) signature += "\n" + label;
  signature += "\n" + extra;
  return signature;
}

}  // namespace

template <typename Child>
Family<Child>& Registry::AddFamily(const std::string& name, const std::string& help,
                                   MetricType type, std::vector<std::string> label_names,
                                   const std::string& extra,
                                   typename Family<Child>::ChildFactory make_child) {
  ValidateNames(name, label_names, type);
  std::string signature = Signature(type, help, label_names, extra);
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second.signature != signature) {
      throw std::invalid_argument("metric " + name +
                                  " already registered with another type, help, labels or buckets");
    }
    // Same signature implies same type, hence the same Family<Child>.
    return static_cast<Family<Child>&>(*it->second.family);
  }
  auto family = std::make_unique<Family<Child>>(name, help, type, std::move(label_names),
                                                std::move(make_child));
  Family<Child>& result = *family;
  families_.emplace(name, Entry{std::move(signature), std::move(family)});
  return result;
}

CounterFamily& Registry::AddCounter(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names) {
  return AddFamily<Counter>(name, help, MetricType::kCounter, std::move(label_names), "",
                            [] { return std::make_shared<Counter>(); });
}

GaugeFamily& Registry::AddGauge(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names) {
  return AddFamily<Gauge>(name, help, MetricType::kGauge, std::move(label_names), "",
                          [] { return std::make_shared<Gauge>(); });
}

HistogramFamily& Registry::AddHistogram(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> buckets) {
  auto bounds = std::make_shared<const std::vector<double>>(ValidateBuckets(std::move(buckets)));
  std::string extra;
  for (const double bound : *bounds) extra += FormatValue(bound) + " ";
  return AddFamily<Histogram>(name, help, MetricType::kHistogram, std::move(label_names), extra,
                              [bounds] { return std::make_shared<Histogram>(bounds); });
}

void Registry::AddCollector(std::shared_ptr<const Collector> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::vector<FamilySnapshot> Registry::Gather() const {
  std::vector<FamilySnapshot> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, entry] : families_) entry.family->Collect(out);
    for (const auto& collector : collectors_) collector->Collect(out);
  }
  std::stable_sort(out.begin(), out.end(), [](const FamilySnapshot& a, const FamilySnapshot& b) {
    return a.name < b.name;
  });
  return out;
}

std::string Registry::Expose() const {
  return WriteTextFormat(Gather());
}

}  // namespace kr::metrics
