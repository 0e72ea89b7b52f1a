// The normalized Kubernetes objects of the state bus (proto/schemas/), one header per kind.
#pragma once

#include "common/model/cbor_encode.h"
#include "common/model/decode.h"
#include "common/model/endpoints.h"
#include "common/model/namespace.h"
#include "common/model/network_policy.h"
#include "common/model/node.h"
#include "common/model/pod.h"
#include "common/model/service.h"
