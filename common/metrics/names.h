// Validation of metric and label names against the Prometheus data model.
#pragma once

#include <string_view>

namespace kr::metrics {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool IsValidLabelName(std::string_view name);

}  // namespace kr::metrics
