#include "services/proxyd/core/ipvs_op.h"

namespace kr::proxyd {

IpvsOp IpvsOp::AddService(const ipvs::Service& service) {
  return {Kind::kAddService, service, {}};
}

IpvsOp IpvsOp::UpdateService(const ipvs::Service& service) {
  return {Kind::kUpdateService, service, {}};
}

IpvsOp IpvsOp::DeleteService(const ipvs::ServiceKey& key) {
  IpvsOp op{Kind::kDeleteService, {}, {}};
  op.service.key = key;
  return op;
}

IpvsOp IpvsOp::AddDestination(const ipvs::ServiceKey& key, const ipvs::Destination& destination) {
  IpvsOp op{Kind::kAddDestination, {}, destination};
  op.service.key = key;
  return op;
}

IpvsOp IpvsOp::UpdateDestination(const ipvs::ServiceKey& key,
                                 const ipvs::Destination& destination) {
  IpvsOp op{Kind::kUpdateDestination, {}, destination};
  op.service.key = key;
  return op;
}

IpvsOp IpvsOp::DeleteDestination(const ipvs::ServiceKey& key, const ipvs::DestinationKey& dest) {
  IpvsOp op{Kind::kDeleteDestination, {}, {}};
  op.service.key = key;
  op.destination.address = dest.address;
  op.destination.port = dest.port;
  return op;
}

std::string IpvsOp::ToString() const {
  std::string text;
  switch (kind) {
    case Kind::kAddService:
    case Kind::kUpdateService:
      text = kind == Kind::kAddService ? "add-service " : "update-service ";
      text += service.key.ToString() + " " + service.scheduler;
      if (service.flags & ipvs::ServiceFlags::kPersistent) {
        text += " persistent " + std::to_string(service.timeout);
      }
      if (service.flags & ~ipvs::ServiceFlags::kPersistent) {
        text += " flags " + std::to_string(service.flags);
      }
      return text;
    case Kind::kDeleteService:
      return "delete-service " + service.key.ToString();
    case Kind::kAddDestination:
    case Kind::kUpdateDestination:
      text = kind == Kind::kAddDestination ? "add-destination " : "update-destination ";
      return text + service.key.ToString() + " -> " + destination.key().ToString() + " " +
             ipvs::ForwardMethodName(destination.forward) + " " +
             std::to_string(destination.weight);
    case Kind::kDeleteDestination:
      return "delete-destination " + service.key.ToString() + " -> " + destination.key().ToString();
  }
  return "unknown op";
}

std::string ToString(const std::vector<IpvsOp>& ops) {
  std::string text;
  for (const auto& op : ops) text += op.ToString() + "\n";
  return text;
}

}  // namespace kr::proxyd
