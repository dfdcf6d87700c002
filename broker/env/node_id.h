// Node identity: Kafka's node.id, an int32. Clients are simulated processes with ids too.
#pragma once

#include <cstdint>

namespace kraftsim {
using NodeId = std::int32_t;
inline constexpr NodeId no_node = -1;
}  // namespace kraftsim
