// Messages of the kernel demo program (broker/demo/pinger.h): a ping and its answer.
#pragma once

#include <cstdint>
#include <string_view>

#include "trace/event.h"

namespace kraftsim::demo {

struct Ping {
  std::string_view rpc_name() const { return "Ping"; }
  std::int64_t sequence = 0;
  std::int64_t sent_at_us = 0;
  std::int32_t padding_bytes = 0;  // makes the message bigger, so bandwidth shows
  std::int64_t wire_size_bytes() const { return 24 + padding_bytes; }
  void describe(trace::Fields& out) const { out.add("sequence", sequence); }
};

struct Pong {
  std::string_view rpc_name() const { return "Pong"; }
  std::int64_t sequence = 0;
  std::int64_t ping_sent_at_us = 0;
  std::int64_t wire_size_bytes() const { return 24; }
  void describe(trace::Fields& out) const { out.add("sequence", sequence); }
};

}  // namespace kraftsim::demo
