// The flat document: scanned list items read as the same values nlohmann parses, escaped
// strings survive the scanner's scratch buffer, a repeated member reads as its last value, and
// a document laid out from a nlohmann tree reads back as that tree.
#include "common/kube/json_view.h"

#include <catch2/catch.hpp>

#include "common/kube/filtered_parse.h"

using namespace kr::kube;
using nlohmann::json;

namespace {

std::vector<json> ScannedItems(std::string_view body, const FieldFilter& filter) {
  std::vector<json> items;
  auto info = ScanListPage(body, filter, [&](JsonView item) { items.push_back(item.ToJson()); });
  REQUIRE(info.ok());
  return items;
}

}  // namespace

TEST_CASE("scanned items read as nlohmann parses them, escapes included", "[json_view]") {
  const std::string page = R"({"metadata": {"resourceVersion": "9"}, "items": [
    {"metadata": {"name": "a\"b", "labels": {"k\u00e9y\n": "v\\al\ud83d\ude00", "x": "y"}},
     "n": [-5, 18446744073709551615, 1.5e3, true, false, null, [], {}], "s": "plain"},
    {"metadata": {"name": "second"}, "deep": [[{"a": [1, {"b": "c"}]}]]},
    "not an object", 7
  ]})";
  const std::vector<json> items = ScannedItems(page, FieldFilter::Everything());
  const json parsed = json::parse(page)["items"];
  REQUIRE(items.size() == parsed.size());
  for (size_t i = 0; i < items.size(); ++i) CHECK(items[i] == parsed[i]);
}

TEST_CASE("a view finds members, iterates in order and reports types", "[json_view]") {
  const std::string page = R"({"metadata": {"resourceVersion": "1"}, "items": [
    {"a": 1, "list": [10, "x", {"k": true}], "dup": "first", "dup": "last", "n": null}]})";
  int calls = 0;
  auto info = ScanListPage(page, FieldFilter::Everything(), [&](JsonView item) {
    ++calls;
    CHECK(item.is_object());
    CHECK(item.size() == 5);
    CHECK(item.find("a").is_integer());
    CHECK(item.find("a").integer() == 1);
    CHECK(item.find("missing").absent());
    CHECK(item.find("n").unset());
    CHECK_FALSE(item.find("n").absent());
    CHECK(item.find("dup").string() == "last");
    CHECK(item.find("a").find("a").absent());  // not an object
    const JsonView list = item.find("list");
    REQUIRE(list.is_array());
    CHECK(list.size() == 3);
    std::vector<JsonView::Type> types;
    for (JsonView entry : list) types.push_back(entry.type());
    CHECK(types == std::vector<JsonView::Type>{JsonView::Type::kUint, JsonView::Type::kString,
                                               JsonView::Type::kObject});
    CHECK(item.ToJson()["dup"] == "last");
    size_t absent_entries = 0;
    for (JsonView entry : item.find("missing")) {
      (void)entry;
      ++absent_entries;
    }
    CHECK(absent_entries == 0);
  });
  REQUIRE(info.ok());
  CHECK(calls == 1);
}

TEST_CASE("a document laid out from a tree reads back as the tree", "[json_view]") {
  const json tree = json::parse(R"({"metadata": {"name": "n", "labels": {"a": "b"}},
    "spec": {"ports": [{"port": 80, "name": "http"}, {"port": -1}], "x": 2.5, "ok": false,
             "none": null, "big": 18446744073709551615}})");
  JsonDoc doc;
  doc.Assign(tree);
  CHECK(doc.root().ToJson() == tree);
  CHECK(doc.root().find("spec").find("ports").size() == 2);
  // Reused: a second, smaller document replaces the first entirely.
  doc.Assign(json{{"only", 1}});
  CHECK(doc.root().ToJson() == json{{"only", 1}});
}

TEST_CASE("an unsigned integer above INT64_MAX wraps as nlohmann's get<int64_t>", "[json_view]") {
  JsonDoc doc;
  doc.Assign(json{{"big", 18446744073709551615ull}});
  CHECK(doc.root().find("big").integer() == json(18446744073709551615ull).get<int64_t>());
}
