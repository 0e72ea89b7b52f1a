// The data model every metric is reduced to at scrape time, and the Collector interface that
// produces it. Families (counter.h, gauge.h, histogram.h via family.h) and ad-hoc collectors
// such as ProcessCollector implement Collector; the Registry gathers them and text_format.h
// writes the result.
#pragma once

#include <string>
#include <vector>

namespace kr::metrics {

enum class MetricType { kCounter, kGauge, kHistogram, kUntyped };

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};
using Labels = std::vector<Label>;

// One exposition line: `name{labels} value`. `name` is the full sample name, which for a
// histogram carries the _bucket/_sum/_count suffix.
struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kUntyped;
  std::vector<Sample> samples;
};

// Produces zero or more families on each scrape. Collect runs on the scraping thread, possibly
// while other threads update metrics, so implementations must be thread-safe.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual void Collect(std::vector<FamilySnapshot>& out) const = 0;
};

}  // namespace kr::metrics
