#include "tools/kr-apiserver/table.h"

#include <catch2/catch.hpp>
#include <ctime>

namespace kr::apiserver {
namespace {

using nlohmann::json;

std::string StampSecondsAgo(long long seconds) {
  std::time_t then = std::time(nullptr) - seconds;
  std::tm tm{};
  gmtime_r(&then, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

TEST_CASE("ages print as kubectl prints them", "[kr-apiserver][table]") {
  // One second of slack for a clock tick between stamping and formatting.
  CHECK((AgeSince(StampSecondsAgo(5)) == "5s" || AgeSince(StampSecondsAgo(5)) == "6s"));
  CHECK(AgeSince(StampSecondsAgo(3 * 3600 + 1)) == "3h");
  CHECK(AgeSince(StampSecondsAgo(3 * 86400 + 2 * 3600 + 10)) == "3d2h");
  CHECK(AgeSince(StampSecondsAgo(30 * 86400 + 10)) == "30d");
  CHECK(AgeSince("garbage") == "<unknown>");
}

TEST_CASE("Table is chosen from the first Accept entry", "[kr-apiserver][table]") {
  CHECK(WantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
  CHECK_FALSE(WantsTable("application/json"));
  CHECK_FALSE(WantsTable("application/json, application/json;as=Table;v=v1;g=meta.k8s.io"));
}

TEST_CASE("pod and service rows carry kube-apiserver's columns", "[kr-apiserver][table]") {
  auto pod = std::make_shared<const json>(json{
      {"metadata", {{"name", "p"}, {"namespace", "ns"}, {"creationTimestamp", StampSecondsAgo(1)}}},
      {"spec", {{"nodeName", "n1"}, {"containers", {{{"name", "a"}}, {{"name", "b"}}}}}},
      {"status",
       {{"phase", "Running"},
        {"podIP", "10.244.0.5"},
        {"containerStatuses",
         {{{"ready", true}, {"restartCount", 2}}, {{"ready", false}, {"restartCount", 1}}}}}}});
  json table = MakeTable(*FindResourceType("", "v1", "pods"), {pod}, {{"resourceVersion", "7"}},
                         TableObjects::kMetadata);
  CHECK(table["kind"] == "Table");
  CHECK(table["metadata"]["resourceVersion"] == "7");
  CHECK(table["columnDefinitions"][1]["name"] == "Ready");
  const json& cells = table["rows"][0]["cells"];
  CHECK(cells[0] == "p");
  CHECK(cells[1] == "1/2");
  CHECK(cells[2] == "Running");
  CHECK(cells[3] == "3");
  CHECK(cells[5] == "10.244.0.5");
  CHECK(cells[6] == "n1");
  CHECK(table["rows"][0]["object"]["kind"] == "PartialObjectMetadata");
  CHECK(table["rows"][0]["object"]["metadata"]["namespace"] == "ns");

  auto svc = std::make_shared<const json>(
      json{{"metadata", {{"name", "s"}}},
           {"spec",
            {{"type", "NodePort"},
             {"clusterIP", "10.96.0.10"},
             {"ports",
              {{{"port", 80}, {"nodePort", 30080}, {"protocol", "TCP"}},
               {{"port", 53}, {"protocol", "UDP"}}}}}}});
  json services = MakeTable(*FindResourceType("", "v1", "services"), {svc}, json::object(),
                            TableObjects::kNone);
  CHECK(services["rows"][0]["cells"][4] == "80:30080/TCP,53/UDP");
  CHECK_FALSE(services["rows"][0].contains("object"));
}

}  // namespace
}  // namespace kr::apiserver
