// The BGP control socket's answers (what `kr-bgp neighbor` / `kr-bgp global rib` show) from
// whichever speaker SpeakerBgpControl runs at the moment; "BGP not started" before the first.
//
//   CurrentSpeakerControlSource source(bgp);
//   auto server = bgp::control::ControlServer::Start(source, path);
//
// Threading: any thread (the control server's); SpeakerBgpControl must outlive it.
#pragma once

#include "services/routed/bgp/control/control_types.h"
#include "services/routed/speaker_bgp_control.h"

namespace kr::routed {

class CurrentSpeakerControlSource final : public bgp::control::ControlSource {
 public:
  explicit CurrentSpeakerControlSource(const SpeakerBgpControl& bgp) : bgp_(bgp) {}

  std::vector<bgp::control::NeighborView> Neighbors() override;
  std::vector<bgp::control::RouteView> LocRib(bgp::control::Family family) override;
  Expected<std::vector<bgp::control::RouteView>> AdjRibIn(const std::string& neighbor,
                                                          bgp::control::Family family) override;
  Expected<std::vector<bgp::control::RouteView>> AdjRibOut(const std::string& neighbor,
                                                           bgp::control::Family family) override;

 private:
  const SpeakerBgpControl& bgp_;
};

}  // namespace kr::routed
