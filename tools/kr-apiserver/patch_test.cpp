#include "tools/kr-apiserver/patch.h"

#include <catch2/catch.hpp>

namespace kr::apiserver {
namespace {

using nlohmann::json;

TEST_CASE("merge patch follows RFC 7386", "[kr-apiserver][patch]") {
  // The examples of RFC 7386 appendix A.
  CHECK(ApplyMergePatch(json{{"a", "b"}}, json{{"a", "c"}}) == json{{"a", "c"}});
  CHECK(ApplyMergePatch(json{{"a", "b"}}, json{{"b", "c"}}) == json{{"a", "b"}, {"b", "c"}});
  CHECK(ApplyMergePatch(json{{"a", "b"}}, json{{"a", nullptr}}) == json::object());
  CHECK(ApplyMergePatch(json{{"a", "b"}, {"b", "c"}}, json{{"a", nullptr}}) == json{{"b", "c"}});
  CHECK(ApplyMergePatch(json{{"a", {"b"}}}, json{{"a", "c"}}) == json{{"a", "c"}});
  CHECK(ApplyMergePatch(json{{"a", "c"}}, json{{"a", {"b"}}}) == json{{"a", {"b"}}});
  CHECK(ApplyMergePatch(json{{"a", {{"b", "c"}}}}, json{{"a", {{"b", "d"}, {"c", nullptr}}}}) ==
        json{{"a", {{"b", "d"}}}});
  CHECK(ApplyMergePatch(json{{"a", {{{"b", "c"}}}}}, json{{"a", {1}}}) == json{{"a", {1}}});
  CHECK(ApplyMergePatch(json::array({"a", "b"}), json::array({"c", "d"})) ==
        json::array({"c", "d"}));
  CHECK(ApplyMergePatch(json{{"a", "b"}}, json::array({"c"})) == json::array({"c"}));
  CHECK(ApplyMergePatch(json{{"a", "foo"}}, json(nullptr)) == json(nullptr));
  CHECK(ApplyMergePatch(json{{"a", "foo"}}, json("bar")) == json("bar"));
  CHECK(ApplyMergePatch(json{{"e", nullptr}}, json{{"a", 1}}) == json{{"e", nullptr}, {"a", 1}});
  CHECK(ApplyMergePatch(json::array({1, 2}), json{{"a", "b"}, {"c", nullptr}}) == json{{"a", "b"}});
  CHECK(ApplyMergePatch(json::object(), json{{"a", {{"bb", {{"ccc", nullptr}}}}}}) ==
        json{{"a", {{"bb", json::object()}}}});
}

TEST_CASE("strategic merge patch: labels and annotations as kubectl sends them",
          "[kr-apiserver][patch]") {
  json pod = {{"metadata", {{"name", "p"}, {"labels", {{"app", "web"}, {"old", "x"}}}}}};
  auto result =
      ApplyStrategicMergePatch(pod, json{{"metadata",
                                          {{"labels", {{"tier", "front"}, {"old", nullptr}}},
                                           {"annotations", {{"note", "hi"}}}}}});
  REQUIRE(result.ok());
  CHECK((*result)["metadata"]["labels"] == json{{"app", "web"}, {"tier", "front"}});
  CHECK((*result)["metadata"]["annotations"] == json{{"note", "hi"}});
  CHECK((*result)["metadata"]["name"] == "p");
}

TEST_CASE("strategic merge patch merges lists by their merge key", "[kr-apiserver][patch]") {
  json pod = {
      {"spec",
       {{"containers", {{{"name", "a"}, {"image", "a:1"}}, {{"name", "b"}, {"image", "b:1"}}}}}}};
  auto result = ApplyStrategicMergePatch(
      pod, json{{"spec",
                 {{"containers",
                   {{{"name", "b"}, {"image", "b:2"}}, {{"name", "c"}, {"image", "c:1"}}}}}}});
  REQUIRE(result.ok());
  json expected = {{{"name", "a"}, {"image", "a:1"}},
                   {{"name", "b"}, {"image", "b:2"}},
                   {{"name", "c"}, {"image", "c:1"}}};
  CHECK((*result)["spec"]["containers"] == expected);

  auto deleted = ApplyStrategicMergePatch(
      pod, json{{"spec", {{"containers", {{{"name", "a"}, {"$patch", "delete"}}}}}}});
  REQUIRE(deleted.ok());
  CHECK((*deleted)["spec"]["containers"] == json{{{"name", "b"}, {"image", "b:1"}}});

  // Lists without a merge key are replaced, as with a merge patch.
  json svc = {{"spec", {{"externalIPs", {"192.0.2.1"}}}}};
  auto replaced = ApplyStrategicMergePatch(svc, json{{"spec", {{"externalIPs", {"192.0.2.2"}}}}});
  REQUIRE(replaced.ok());
  CHECK((*replaced)["spec"]["externalIPs"] == json{"192.0.2.2"});
}

TEST_CASE("strategic merge patch directives", "[kr-apiserver][patch]") {
  json obj = {{"spec", {{"a", 1}, {"b", 2}}}, {"metadata", {{"finalizers", {"x", "y"}}}}};
  auto replaced = ApplyStrategicMergePatch(obj, json{{"spec", {{"$patch", "replace"}, {"c", 3}}}});
  REQUIRE(replaced.ok());
  CHECK((*replaced)["spec"] == json{{"c", 3}});

  auto removed = ApplyStrategicMergePatch(obj, json{{"spec", {{"$patch", "delete"}}}});
  REQUIRE(removed.ok());
  CHECK_FALSE(removed->contains("spec"));

  auto retained = ApplyStrategicMergePatch(obj, json{{"spec", {{"$retainKeys", {"b"}}, {"b", 5}}}});
  REQUIRE(retained.ok());
  CHECK((*retained)["spec"] == json{{"b", 5}});

  auto finalizers =
      ApplyStrategicMergePatch(obj, json{{"metadata",
                                          {{"$deleteFromPrimitiveList/finalizers", {"x"}},
                                           {"$setElementOrder/finalizers", {"y"}}}}});
  REQUIRE(finalizers.ok());
  CHECK((*finalizers)["metadata"]["finalizers"] == json{"y"});

  auto merged = ApplyStrategicMergePatch(obj, json{{"metadata", {{"finalizers", {"z"}}}}});
  REQUIRE(merged.ok());
  CHECK((*merged)["metadata"]["finalizers"] == json{"x", "y", "z"});

  CHECK_FALSE(ApplyStrategicMergePatch(obj, json::array()).ok());
  CHECK_FALSE(ApplyStrategicMergePatch(obj, json{{"spec", {{"$patch", "bogus"}}}}).ok());
}

TEST_CASE("json patch applies RFC 6902 operations and reports failures", "[kr-apiserver][patch]") {
  json obj = {{"metadata", {{"labels", {{"a", "1"}}}}}};
  auto result = ApplyJsonPatch(
      obj, json::array({{{"op", "add"}, {"path", "/metadata/labels/b"}, {"value", "2"}},
                        {{"op", "remove"}, {"path", "/metadata/labels/a"}}}));
  REQUIRE(result.ok());
  CHECK((*result)["metadata"]["labels"] == json{{"b", "2"}});
  auto failed = ApplyJsonPatch(
      obj, json::array({{{"op", "test"}, {"path", "/metadata/labels/a"}, {"value", "9"}}}));
  CHECK_FALSE(failed.ok());
  CHECK_FALSE(ApplyJsonPatch(obj, json::object()).ok());
}

}  // namespace
}  // namespace kr::apiserver
