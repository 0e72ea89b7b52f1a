// The fields of each kind that its normalizer reads, so that list pages and watch events are
// parsed into only those (kube::FieldFilter): managedFields, unrelated annotations, container
// images, resources, status conditions and the like are never built.
//
// Keep in step with the normalizers: a field read there and dropped here reads as absent. The
// fixture and bad-input tests normalize every object both whole and filtered and require the
// same result.
#pragma once

#include "common/kube/field_filter.h"

namespace kr::informer {

kube::FieldFilter ServiceFieldsRead();
kube::FieldFilter PodFieldsRead();
kube::FieldFilter NodeFieldsRead();
kube::FieldFilter NamespaceFieldsRead();
kube::FieldFilter NetworkPolicyFieldsRead();
kube::FieldFilter EndpointSliceFieldsRead();

}  // namespace kr::informer
