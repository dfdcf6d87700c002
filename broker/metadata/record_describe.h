// Trace fields for a committed metadata record: what a reader of the timeline needs to follow
// the controller's decisions (which broker was fenced, which partition got which leader, epoch
// and ISR). Topic ids are shown as names through the image.
#pragma once

#include "broker/metadata/image.h"
#include "broker/metadata/records.h"
#include "trace/event.h"

namespace kraftsim::metadata {

void describe(const MetadataRecord& record, const MetadataImage& image, trace::Fields& out);

}  // namespace kraftsim::metadata
