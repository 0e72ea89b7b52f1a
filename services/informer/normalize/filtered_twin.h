// For the normalizer tests: every object is normalized twice, as it is and as the informer sees
// it (parsed from a list page through the kind's FieldFilter), and both results must be the
// same, so a field a normalizer reads but fields_read.cpp drops fails the test.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/kube/filtered_parse.h"
#include "services/informer/normalize/fields_read.h"
#include "services/informer/normalize/normalize.h"

namespace kr::informer {

inline nlohmann::json ParsedThrough(const nlohmann::json& object, const kube::FieldFilter& fields) {
  const nlohmann::json page = {{"metadata", {{"resourceVersion", "1"}}}, {"items", {object}}};
  std::vector<nlohmann::json> items;
  auto info = kube::ParseListPageItems(page.dump(), fields,
                                       [&](nlohmann::json&& item) { items.push_back(item); });
  REQUIRE(info.ok());
  REQUIRE(items.size() == 1);
  return items[0];
}

template <typename T>
bool SameNormalized(const T& a, const T& b) {
  return a == b;
}
inline bool SameNormalized(const EndpointSliceShare& a, const EndpointSliceShare& b) {
  return a.service_key == b.service_key && a.endpoints == b.endpoints && a.ports == b.ports;
}

template <typename Normalizer>
auto BothWays(Normalizer normalize, const nlohmann::json& object, const kube::FieldFilter& fields) {
  auto whole = normalize(object);
  auto filtered = normalize(ParsedThrough(object, fields));
  INFO("whole and filtered parse of " << object.dump());
  REQUIRE(whole.ok() == filtered.ok());
  if (whole.ok()) {
    REQUIRE(SameNormalized(*whole, *filtered));
  } else {
    REQUIRE(whole.error().message == filtered.error().message);
  }
  return whole;
}

}  // namespace kr::informer
