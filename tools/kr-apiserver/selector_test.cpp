#include "tools/kr-apiserver/selector.h"

#include <catch2/catch.hpp>

namespace kr::apiserver {
namespace {

using nlohmann::json;

bool LabelsMatch(const std::string& selector, const json& labels) {
  auto parsed = LabelSelector::Parse(selector);
  REQUIRE(parsed.ok());
  return parsed->Matches(labels);
}

TEST_CASE("label selector equality operators", "[kr-apiserver][selector]") {
  json labels = {{"app", "web"}, {"tier", "front"}};
  CHECK(LabelsMatch("app=web", labels));
  CHECK(LabelsMatch("app==web", labels));
  CHECK_FALSE(LabelsMatch("app=db", labels));
  CHECK(LabelsMatch("app!=db", labels));
  CHECK_FALSE(LabelsMatch("app!=web", labels));
  // != also selects objects without the key, as in k8s.io/apimachinery.
  CHECK(LabelsMatch("missing!=x", labels));
  CHECK(LabelsMatch(" app = web , tier = front ", labels));
  CHECK_FALSE(LabelsMatch("app=web,tier=back", labels));
}

TEST_CASE("label selector set operators", "[kr-apiserver][selector]") {
  json labels = {{"env", "prod"}, {"team", "net"}};
  CHECK(LabelsMatch("env in (prod,staging)", labels));
  CHECK(LabelsMatch("env in (prod, staging)", labels));
  CHECK_FALSE(LabelsMatch("env in (dev,staging)", labels));
  CHECK(LabelsMatch("env notin (dev,staging)", labels));
  CHECK_FALSE(LabelsMatch("env notin (prod)", labels));
  CHECK(LabelsMatch("absent notin (x)", labels));
  CHECK(LabelsMatch("team", labels));
  CHECK_FALSE(LabelsMatch("!team", labels));
  CHECK(LabelsMatch("!absent", labels));
  CHECK_FALSE(LabelsMatch("absent", labels));
  CHECK(LabelsMatch("env in (prod),team,!absent,team!=storage", labels));
  // A key named like an operator word is still a key.
  CHECK(LabelsMatch("inside!=x", labels));
}

TEST_CASE("label selector numeric comparisons and empty input", "[kr-apiserver][selector]") {
  json labels = {{"replicas", "5"}};
  CHECK(LabelsMatch("replicas>3", labels));
  CHECK_FALSE(LabelsMatch("replicas<3", labels));
  CHECK(LabelsMatch("", labels));
  CHECK(LabelsMatch("app!=x", json()));  // an object without labels
  CHECK_FALSE(LabelsMatch("app", json()));
}

TEST_CASE("label selector syntax errors", "[kr-apiserver][selector]") {
  CHECK_FALSE(LabelSelector::Parse("app in prod").ok());
  CHECK_FALSE(LabelSelector::Parse("app in (a,b").ok());
  CHECK_FALSE(LabelSelector::Parse("=x").ok());
  CHECK_FALSE(LabelSelector::Parse("app=web,").ok());
  CHECK_FALSE(LabelSelector::Parse("a>b").ok());
  CHECK_FALSE(LabelSelector::Parse("app ~ x").ok());
}

TEST_CASE("field selectors", "[kr-apiserver][selector]") {
  json pod = {{"metadata", {{"name", "p1"}, {"namespace", "ns1"}}},
              {"spec", {{"nodeName", "node-a"}}}};
  auto match = [&](const std::string& text) {
    auto parsed = FieldSelector::Parse(text);
    REQUIRE(parsed.ok());
    return parsed->Matches(pod);
  };
  CHECK(match("metadata.name=p1"));
  CHECK(match("metadata.name==p1,metadata.namespace=ns1"));
  CHECK_FALSE(match("metadata.name=p2"));
  CHECK(match("spec.nodeName!=node-b"));
  CHECK_FALSE(match("spec.nodeName!=node-a"));
  // An absent field compares as "": unscheduled pods have spec.nodeName="".
  CHECK(match("status.phase="));
  CHECK(match("spec.hostNetwork=false"));
  CHECK(match(""));
  auto escaped = FieldSelector::Parse("metadata.name=a\\,b");
  REQUIRE(escaped.ok());
  REQUIRE(escaped->requirements().size() == 1);
  CHECK(escaped->requirements()[0].value == "a,b");
  CHECK_FALSE(FieldSelector::Parse("metadata.name").ok());
  CHECK_FALSE(FieldSelector::Parse("=x").ok());
}

}  // namespace
}  // namespace kr::apiserver
