// For the normalizer tests: every object is normalized twice, as it is (a nlohmann tree) and as
// the informer sees it (scanned from a list page through the kind's FieldFilter into a flat
// view), and both results must be the same, so a field a normalizer reads but fields_read.cpp
// drops fails the test, and so does a difference between the scanned and the tree layout.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/kube/filtered_parse.h"
#include "services/informer/normalize/fields_read.h"
#include "services/informer/normalize/normalize.h"

// The overload set of a normalizer (view and tree) as one callable.
#define KR_NORMALIZER(f) [](const auto& object) { return f(object); }

namespace kr::informer {

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
  const std::string page =
      nlohmann::json{{"metadata", {{"resourceVersion", "1"}}}, {"items", {object}}}.dump();
  std::optional<decltype(whole)> filtered;
  int items = 0;
  auto info = kube::ScanListPage(page, fields, [&](kube::JsonView item) {
    ++items;
    filtered.emplace(normalize(item));
  });
  REQUIRE(info.ok());
  REQUIRE(items == 1);
  INFO("whole and filtered parse of " << object.dump());
  REQUIRE(whole.ok() == filtered->ok());
  if (whole.ok()) {
    REQUIRE(SameNormalized(*whole, **filtered));
  } else {
    REQUIRE(whole.error().message == filtered->error().message);
  }
  return whole;
}

}  // namespace kr::informer
