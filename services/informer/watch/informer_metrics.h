// The informer's metrics, read from the reflectors, sinks and publisher at scrape time:
//   kr_informer_objects{kind}                 objects on the bus
//   kr_informer_lists_total{kind}             complete lists (first and relists)
//   kr_informer_relists_total{kind}           relists after 410 Gone / Expired / bad stream
//   kr_informer_watch_restarts_total{kind}    watches reopened
//   kr_informer_watch_events_total{kind}      events applied
//   kr_informer_rejected_objects_total{kind}  objects that failed normalization
//   kr_informer_request_errors_total{kind}    transport failures and unexpected statuses
//   kr_informer_list_duration_seconds{kind}   duration of the last complete list
//   kr_informer_in_sync                       1 once every kind was listed
// The bus publisher's own metrics (kr_bus_publisher_*) come from common/bus/bus_metrics.h.
#pragma once

#include "common/bus/publisher.h"
#include "common/metrics/sample.h"
#include "services/informer/watch/informer.h"

namespace kr::informer {

class InformerCollector : public metrics::Collector {
 public:
  InformerCollector(const Informer& informer, const bus::Publisher& publisher)
      : informer_(informer), publisher_(publisher) {}
  void Collect(std::vector<metrics::FamilySnapshot>& out) const override;

 private:
  const Informer& informer_;
  const bus::Publisher& publisher_;
};

}  // namespace kr::informer
