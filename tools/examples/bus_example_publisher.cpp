// A stand-in for the informer, driven line by line on stdin, for the cross-language test of
// the bus (bus_consumer_test.py). Commands, each answered with one line on stdout:
//   list           publish an initial list of every kind, then mark in-sync   -> ok
//   churn N SEED   N pseudo-random upserts and deletes, in batch scopes of 1-64 -> ok
//   restart SEED   a new process: new epoch, relist the state minus a few objects,
//                  changing a few; not in-sync yet                              -> ok
//   insync         mark in-sync                                                 -> ok
//   state          {"epoch": "...", "inSync": b, "seqs": {...}, "state": {topic: {key: obj}}}
// End of input stops the publisher.
#include <iostream>
#include <random>
#include <string>

#include "common/bus/bus.h"

namespace {

using kr::bus::Publisher;
using kr::bus::Topic;

kr::model::Pod Pod(int i, int generation) {
  kr::model::Pod pod;
  pod.ns = "ns-" + std::to_string(i % 4);
  pod.name = "pod-" + std::to_string(i);
  pod.labels = {{"app", "a" + std::to_string(i % 5)}, {"gen", std::to_string(generation)}};
  pod.ips = {"10.244." + std::to_string(i % 200) + "." + std::to_string(generation % 250)};
  pod.node_name = "node-" + std::to_string(i % 3);
  pod.phase = "Running";
  pod.ports = {{"http", "TCP", 8080}, {"dns", "UDP", 53}};
  return pod;
}

kr::model::Service Service(int i, int generation) {
  kr::model::Service service;
  service.ns = "ns-" + std::to_string(i % 4);
  service.name = "svc-" + std::to_string(i);
  service.cluster_ips = {"10.96.0." + std::to_string(i % 250)};
  service.ports = {{"http", "TCP", 80, {0, "http"}, 30000 + generation % 2000}};
  service.session_affinity = generation % 2 ? "ClientIP" : "None";
  service.session_affinity_timeout_seconds = generation % 2 ? 10800 : 0;
  service.annotations = {{"kube-router.io/service.scheduler", generation % 3 ? "rr" : "mh"}};
  return service;
}

kr::model::Endpoints Endpoints(int i, int generation) {
  kr::model::Endpoints endpoints{"ns-" + std::to_string(i % 4), "svc-" + std::to_string(i), {}};
  for (int e = 0; e < 1 + generation % 3; ++e) {
    endpoints.endpoints.push_back({{"10.244.1." + std::to_string(e + 1)},
                                   e != 1,
                                   true,
                                   e == 1,
                                   "node-" + std::to_string(e),
                                   "zone-a",
                                   "",
                                   {{"http", "TCP", 8080}}});
  }
  return endpoints;
}

kr::model::NetworkPolicy Policy(int i, int generation) {
  kr::model::NetworkPolicy policy;
  policy.ns = "ns-" + std::to_string(i % 4);
  policy.name = "np-" + std::to_string(i);
  policy.pod_selector.match_labels = {{"app", "a" + std::to_string(i % 5)}};
  policy.policy_types = {"Ingress"};
  kr::model::NetworkPolicyPeer peer;
  peer.namespace_selector =
      kr::model::LabelSelector{{}, {{"team", "In", {"blue", "g" + std::to_string(generation)}}}};
  policy.ingress = {{{{"TCP", kr::model::IntOrString{0, "http"}, std::nullopt}}, {peer}}};
  return policy;
}

// One random change: an upsert of a new generation or a delete, on a random kind and key.
void RandomChange(Publisher& publisher, std::mt19937& random, int generation) {
  int i = static_cast<int>(random() % 60);
  bool remove = random() % 5 == 0;
  kr::Status status;
  switch (random() % 6) {
    case 0:
      status = remove ? publisher.Delete(Topic::kPods, Pod(i, 0).Key())
                      : publisher.Upsert(Pod(i, generation));
      break;
    case 1:
      status = remove ? publisher.Delete(Topic::kServices, Service(i, 0).Key())
                      : publisher.Upsert(Service(i, generation));
      break;
    case 2:
      status = remove ? publisher.Delete(Topic::kEndpoints, Endpoints(i, 0).Key())
                      : publisher.Upsert(Endpoints(i, generation));
      break;
    case 3:
      status = remove ? publisher.Delete(Topic::kNetworkPolicies, Policy(i, 0).Key())
                      : publisher.Upsert(Policy(i, generation));
      break;
    case 4:
      status =
          remove
              ? publisher.Delete(Topic::kNodes, "node-" + std::to_string(i % 10))
              : publisher.Upsert(kr::model::Node{"node-" + std::to_string(i % 10),
                                                 {{"InternalIP", "192.0.2." + std::to_string(i)}},
                                                 {"10.244." + std::to_string(i) + ".0/24"},
                                                 {},
                                                 {}});
      break;
    default:
      status = remove
                   ? publisher.Delete(Topic::kNamespaces, "ns-" + std::to_string(i % 8))
                   : publisher.Upsert(kr::model::Namespace{
                         "ns-" + std::to_string(i % 8), {{"gen", std::to_string(generation)}}, {}});
      break;
  }
  if (!status) std::cerr << "publish failed: " << status.error().message << "\n";
}

std::unique_ptr<Publisher> Start(const std::string& dir) {
  kr::bus::PublisherOptions options;
  options.address = kr::bus::BusAddress::InDirectory(dir);
  options.bus_directory = dir;
  options.heartbeat_interval = std::chrono::milliseconds(200);
  auto publisher = Publisher::Create(options);
  if (!publisher) {
    std::cerr << "publisher: " << publisher.error().message << "\n";
    std::exit(1);
  }
  return std::move(*publisher);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--bus-dir") {
    std::cerr << "usage: bus_example_publisher --bus-dir DIR\n";
    return 2;
  }
  const std::string dir = argv[2];
  auto publisher = Start(dir);
  int generation = 0;
  std::string command;
  while (std::cin >> command) {
    if (command == "list") {
      auto batch = publisher->BeginBatch();  // as the informer lists: one batch per kind
      for (int i = 0; i < 40; ++i) {
        (void)publisher->Upsert(Pod(i, 0));
        (void)publisher->Upsert(Service(i, 0));
        (void)publisher->Upsert(Endpoints(i, 0));
        if (i % 4 == 0) (void)publisher->Upsert(Policy(i, 0));
      }
      publisher->MarkInSync();
    } else if (command == "churn") {
      int count = 0;
      unsigned seed = 0;
      std::cin >> count >> seed;
      std::mt19937 random(seed);
      for (int n = 0; n < count;) {
        const int size = 1 + static_cast<int>(random() % 64);
        auto batch = publisher->BeginBatch();
        for (int k = 0; k < size && n < count; ++k, ++n) {
          RandomChange(*publisher, random, ++generation);
        }
      }
    } else if (command == "restart") {
      unsigned seed = 0;
      std::cin >> seed;
      auto state = publisher->CopyState();
      publisher.reset();
      publisher = Start(dir);
      auto batch = publisher->BeginBatch();
      std::mt19937 random(seed);
      for (const auto& [topic, objects] : state) {
        for (const auto& [key, value] : objects) {
          if (random() % 10 == 0) continue;  // deleted while no publisher ran
          nlohmann::json object = value;
          if (topic == Topic::kPods && random() % 5 == 0) {
            object["labels"]["restarted"] = "yes";  // changed while no publisher ran
          }
          (void)publisher->Upsert(topic, key, object, kr::bus::SupportedSchema(topic));
        }
      }
    } else if (command == "insync") {
      publisher->MarkInSync();
    } else if (command == "state") {
      auto stats = publisher->Stats();
      nlohmann::json seqs = nlohmann::json::object();
      nlohmann::json state = nlohmann::json::object();
      for (const auto& [topic, objects] : publisher->CopyState()) {
        std::string name(kr::bus::TopicName(topic));
        seqs[name] = stats.seqs[kr::bus::Index(topic)];
        state[name] = objects;
      }
      std::cout << nlohmann::json{{"epoch", std::to_string(publisher->epoch())},
                                  {"inSync", stats.in_sync},
                                  {"seqs", seqs},
                                  {"state", state}}
                       .dump()
                << std::endl;
      continue;
    } else {
      std::cerr << "unknown command " << command << "\n";
      return 2;
    }
    std::cout << "ok" << std::endl;
  }
  return 0;
}
