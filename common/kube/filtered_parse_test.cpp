// Filtered parsing of list pages and watch events: only the kept fields are built, items come
// one by one in order, and the page metadata is read without the items.
#include "common/kube/filtered_parse.h"

#include <catch2/catch.hpp>

using namespace kr::kube;
using nlohmann::json;

namespace {

const char* const kPage = R"({
  "kind": "PodList", "apiVersion": "v1",
  "metadata": {"resourceVersion": "42", "continue": "next-token", "remainingItemCount": 7},
  "items": [
    {"metadata": {"name": "a", "namespace": "ns", "uid": "u1",
                  "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
                  "labels": {"app": "web"},
                  "annotations": {"kube-router.io/service.dsr": "tunnel", "unrelated": "x"}},
     "spec": {"nodeName": "n1",
              "containers": [{"name": "c", "image": "i", "env": [{"name": "E", "value": "v"}],
                              "ports": [{"containerPort": 80, "protocol": "TCP"}]},
                             {"name": "d", "image": "j"}]},
     "status": {"phase": "Running", "conditions": [{"type": "Ready"}]}},
    {"metadata": {"name": "b", "namespace": "ns"}, "spec": "not an object"}
  ]
})";

std::vector<json> Items(std::string_view body, const FieldFilter& filter) {
  std::vector<json> items;
  auto info = ParseListPageItems(body, filter, [&](json&& item) { items.push_back(item); });
  REQUIRE(info.ok());
  return items;
}

}  // namespace

TEST_CASE("a filter keeps only the listed fields, lists are transparent", "[filtered_parse]") {
  FieldFilter filter = FieldFilter::Only(
      {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.containers.ports"});
  filter.KeepMembersWithPrefix("metadata.annotations", "kube-router.io/");
  const std::vector<json> items = Items(kPage, filter);
  REQUIRE(items.size() == 2);
  CHECK(items[0] == json::parse(R"({
    "metadata": {"name": "a", "namespace": "ns",
                 "annotations": {"kube-router.io/service.dsr": "tunnel"}},
    "spec": {"nodeName": "n1",
             "containers": [{"ports": [{"containerPort": 80, "protocol": "TCP"}]}, {}]}})"));
  // A kept member of the wrong type is kept as it is, for the consumer to reject.
  CHECK(items[1] == json::parse(R"({"metadata": {"name": "b", "namespace": "ns"},
                                    "spec": "not an object"})"));
}

TEST_CASE("keeping everything gives the items as parsed", "[filtered_parse]") {
  const std::vector<json> items = Items(kPage, FieldFilter::Everything());
  const json whole = json::parse(kPage);
  REQUIRE(items.size() == 2);
  CHECK(items[0] == whole["items"][0]);
  CHECK(items[1] == whole["items"][1]);
  // Keeping a path under one kept whole changes nothing.
  FieldFilter metadata = FieldFilter::Only({"metadata"});
  metadata.Keep("metadata.name");
  CHECK(Items(kPage, metadata)[0] == json{{"metadata", whole["items"][0]["metadata"]}});
}

TEST_CASE("a filter is not changed by a copy that keeps more", "[filtered_parse]") {
  const FieldFilter names = FieldFilter::Only({"metadata.name"});
  FieldFilter more = names;
  more.Keep("spec.nodeName");
  CHECK(Items(kPage, names)[0] == json{{"metadata", {{"name", "a"}}}});
  CHECK(Items(kPage, more)[0] ==
        json{{"metadata", {{"name", "a"}}}, {"spec", {{"nodeName", "n1"}}}});
}

TEST_CASE("page metadata", "[filtered_parse]") {
  auto info = ParseListPageItems(kPage, FieldFilter::Everything(), [](json&&) {});
  REQUIRE(info.ok());
  CHECK(info->resource_version == "42");
  CHECK(info->continue_token == "next-token");
  CHECK(info->remaining_items == 7);

  auto peeked = PeekListPageInfo(kPage);
  REQUIRE(peeked.has_value());
  CHECK(peeked->resource_version == "42");
  CHECK(peeked->continue_token == "next-token");
  CHECK(peeked->remaining_items == 7);
  // Peeking does not read the items: a body cut short after the metadata still peeks.
  CHECK(PeekListPageInfo(R"({"metadata": {"resourceVersion": "1", "continue": "c"}, "items": [{)")
            ->continue_token == "c");
  // Metadata after the items cannot be peeked (the full parse still reads it).
  const char* const late = R"({"items": [], "metadata": {"resourceVersion": "9"}})";
  CHECK_FALSE(PeekListPageInfo(late).has_value());
  CHECK(ParseListPageItems(late, FieldFilter::Everything(), [](json&&) {})->resource_version ==
        "9");
}

TEST_CASE("bad list pages are refused", "[filtered_parse]") {
  auto none = [](json&&) {};
  CHECK_FALSE(ParseListPageItems("[]", FieldFilter::Everything(), none).ok());
  CHECK_FALSE(ParseListPageItems(R"({"items": []})", FieldFilter::Everything(), none).ok());
  CHECK_FALSE(ParseListPageItems(R"({"metadata": {"resourceVersion": "1"}, "items": {}})",
                                 FieldFilter::Everything(), none)
                  .ok());
  CHECK_FALSE(ParseListPageItems(R"({"metadata": {"resourceVersion": "1"}, "items": [)",
                                 FieldFilter::Everything(), none)
                  .ok());
  auto null_items = ParseListPageItems(R"({"metadata": {"resourceVersion": "1"}, "items": null})",
                                       FieldFilter::Everything(), none);
  CHECK(null_items.ok());
}

TEST_CASE("watch events are filtered; a Status keeps what the filter keeps", "[filtered_parse]") {
  const FieldFilter filter = FieldFilter::Only({"metadata.name", "kind", "code"});
  auto added = ParseWatchEvent(
      R"({"type": "ADDED", "object": {"kind": "Pod", "metadata": {"name": "a", "uid": "u"},
          "spec": {"nodeName": "n"}}})",
      filter);
  REQUIRE(added.ok());
  CHECK(added->type == WatchEventType::kAdded);
  CHECK(added->object == json{{"kind", "Pod"}, {"metadata", {{"name", "a"}}}});

  // The object may come before the type.
  auto error = ParseWatchEvent(
      R"({"object": {"kind": "Status", "code": 410, "reason": "Expired"}, "type": "ERROR"})",
      filter);
  REQUIRE(error.ok());
  CHECK(error->type == WatchEventType::kError);
  CHECK(StatusCode(error->object) == 410);

  CHECK_FALSE(ParseWatchEvent(R"({"type": "SOMETHING", "object": {}})", filter).ok());
  CHECK_FALSE(ParseWatchEvent(R"({"type": "ADDED"})", filter).ok());
  CHECK_FALSE(ParseWatchEvent(R"({"type": "ADDED", "object": 5})", filter).ok());
  CHECK_FALSE(ParseWatchEvent(R"({"type": "ADDED", "object": {})", filter).ok());
}
