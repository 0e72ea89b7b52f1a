// Prometheus text exposition format, version 0.0.4.
//
//   # HELP <name> <escaped help>
//   # TYPE <name> counter|gauge|histogram|untyped
//   <sample name>{<label>="<escaped value>",...} <value>
//
// Families are written in the order given (the Registry sorts them by name); a family
// without samples is still written with its HELP and TYPE lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/metrics/sample.h"

namespace kr::metrics {

// The Content-Type a /metrics handler answers with.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Shortest text that parses back to the same double (Go's strconv.ParseFloat, which Prometheus
// uses, reads it), with the spellings Prometheus expects for +Inf, -Inf and NaN.
std::string FormatValue(double value);

// Label values escape backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);

// HELP text escapes backslash and newline (quotes stay as they are).
std::string EscapeHelp(std::string_view help);

std::string_view TypeName(MetricType type);

std::string WriteTextFormat(const std::vector<FamilySnapshot>& families);

}  // namespace kr::metrics
