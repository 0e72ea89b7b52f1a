// The state bus in one include: publisher, subscriber, topics, wire format (proto/SPEC.md).
#pragma once

#include "common/bus/address.h"
#include "common/bus/publisher.h"
#include "common/bus/snapshot.h"
#include "common/bus/subscriber.h"
#include "common/bus/topic.h"
#include "common/bus/wire.h"
