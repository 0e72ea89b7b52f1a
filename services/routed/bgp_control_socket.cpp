#include "services/routed/bgp_control_socket.h"

#include "services/routed/bgp/control/speaker_control_source.h"

namespace kr::routed {

using bgp::control::Family;
using bgp::control::NeighborView;
using bgp::control::RouteView;
using bgp::control::SpeakerControlSource;

std::vector<NeighborView> CurrentSpeakerControlSource::Neighbors() {
  SpeakerBgpControl::Running running = bgp_.Current();
  if (!running.speaker) return {};
  return SpeakerControlSource(*running.speaker, running.local_as).Neighbors();
}

std::vector<RouteView> CurrentSpeakerControlSource::LocRib(Family family) {
  SpeakerBgpControl::Running running = bgp_.Current();
  if (!running.speaker) return {};
  return SpeakerControlSource(*running.speaker, running.local_as).LocRib(family);
}

Expected<std::vector<RouteView>> CurrentSpeakerControlSource::AdjRibIn(const std::string& neighbor,
                                                                       Family family) {
  SpeakerBgpControl::Running running = bgp_.Current();
  if (!running.speaker) return Error{ENOENT, "BGP not started"};
  return SpeakerControlSource(*running.speaker, running.local_as).AdjRibIn(neighbor, family);
}

Expected<std::vector<RouteView>> CurrentSpeakerControlSource::AdjRibOut(const std::string& neighbor,
                                                                        Family family) {
  SpeakerBgpControl::Running running = bgp_.Current();
  if (!running.speaker) return Error{ENOENT, "BGP not started"};
  return SpeakerControlSource(*running.speaker, running.local_as).AdjRibOut(neighbor, family);
}

}  // namespace kr::routed
