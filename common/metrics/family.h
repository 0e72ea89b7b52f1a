// A metric family: one name, HELP text, type and label names, with one child per tuple of
// label values. Created by the Registry (registry.h), which owns it for its whole life.
//
//   CounterFamily& syncs = registry.AddCounter("kr_syncs_total", "Syncs done.", {"result"});
//   std::shared_ptr<Counter> ok = syncs.WithLabels({"ok"});  // keep it: no lookup per Inc
//   ok->Inc();
//   syncs.Remove({"ok"});  // the series disappears from the next scrape
//
// Threading: all methods are safe from any thread. WithLabels/Remove/Collect take the family's
// mutex; updates through a child handle take no lock.
// Ownership: children are shared. A handle kept after Remove stays valid, but its updates are
// no longer exposed; a later WithLabels with the same values starts a new child from zero.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/metrics/counter.h"
#include "common/metrics/gauge.h"
#include "common/metrics/histogram.h"
#include "common/metrics/sample.h"

namespace kr::metrics {

template <typename Child>
class Family final : public Collector {
 public:
  using ChildFactory = std::function<std::shared_ptr<Child>()>;

  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         ChildFactory make_child)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)),
        make_child_(std::move(make_child)) {
    // A family without labels has exactly one series, exposed (as zero) from the start.
    if (label_names_.empty()) children_.emplace(std::vector<std::string>{}, make_child_());
  }

  // The child for these label values (one per label name, in order), created on first use.
  // A wrong number of values is a programming error and aborts.
  std::shared_ptr<Child> WithLabels(const std::vector<std::string>& values) {
    CheckArity(values);
    std::lock_guard lock(mutex_);
    auto it = children_.find(values);
    if (it == children_.end()) it = children_.emplace(values, make_child_()).first;
    return it->second;
  }

  // The single child of a family declared without label names.
  std::shared_ptr<Child> Get() { return WithLabels({}); }

  // Drops the series for these label values; returns whether it existed.
  bool Remove(const std::vector<std::string>& values) {
    CheckArity(values);
    std::lock_guard lock(mutex_);
    return children_.erase(values) > 0;
  }

  // Drops every series of a labelled family (a label-less family keeps its one series).
  void Clear() {
    if (label_names_.empty()) return;
    std::lock_guard lock(mutex_);
    children_.clear();
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return children_.size();
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Children in the order of their label values, so scrapes are stable.
  void Collect(std::vector<FamilySnapshot>& out) const override {
    FamilySnapshot snapshot{name_, help_, type_, {}};
    std::lock_guard lock(mutex_);
    for (const auto& [values, child] : children_) {
      Labels labels;
      labels.reserve(values.size());
      for (size_t i = 0; i < values.size(); ++i)
        labels.push_back(Label{label_names_[i], values[i]});
      child->AppendSamples(name_, labels, snapshot.samples);
    }
    out.push_back(std::move(snapshot));
  }

 private:
  void CheckArity(const std::vector<std::string>& values) const {
    if (values.size() == label_names_.size()) return;
    std::fprintf(stderr, "metric %s: %zu label values given, %zu label names declared\n",
                 name_.c_str(), values.size(), label_names_.size());
    std::abort();
  }

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const ChildFactory make_child_;

  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::shared_ptr<Child>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

}  // namespace kr::metrics
