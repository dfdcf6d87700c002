// StatsCollector: counting from state events (see run_stats.h).
#include "sim/runner/run_stats.h"

namespace kraftsim::runner {

void add_node_counters(RunStats& stats, const std::map<std::string, std::int64_t, std::less<>>& counters) {
  const std::pair<const char*, std::int64_t RunStats::*> log_bytes[] = {
      {"log-appended-bytes-none", &RunStats::log_bytes_none},     {"log-appended-bytes-gzip", &RunStats::log_bytes_gzip},
      {"log-appended-bytes-snappy", &RunStats::log_bytes_snappy}, {"log-appended-bytes-lz4", &RunStats::log_bytes_lz4},
      {"log-appended-bytes-zstd", &RunStats::log_bytes_zstd},
  };
  for (const auto& [name, field] : log_bytes) {
    if (auto it = counters.find(std::string_view(name)); it != counters.end()) stats.*field += it->second;
  }
}

void StatsCollector::on_event(const trace::EventRef& e) {
  if (e.kind != trace::Kind::state) return;
  const std::string_view name = e.name;
  if (name == "history") {
    if (e.string_or("f", "") == "send" && e.string_or("type", "") == "invoke") ++stats_.records_sent;
  } else if (name == "produce-acked") {
    stats_.records_acknowledged += e.int_or("records", 0);
  } else if (name == "produce-failed") {
    stats_.records_failed += e.int_or("records", 0);
  } else if (name == "produce-duplicate") {
    ++stats_.duplicates_answered;
  } else if (name == "consumed") {
    stats_.records_consumed += e.int_or("records", 0);
  } else if (name == "raft-state") {
    if (e.string_or("role", "") == "Leader" && controller_epochs_.insert(e.int_or("epoch", -1)).second) {
      ++stats_.controller_elections;
    }
  } else if (name == "partition-state") {
    if (e.string_or("role", "") != "Leader") return;
    const std::string topic(e.string_or("topic", ""));
    const std::int64_t partition = e.int_or("partition", -1);
    if (partition_epochs_.emplace(topic, partition, e.int_or("leader_epoch", -1)).second) {
      ++stats_.partition_leader_elections;
    }
    const std::string isr(e.string_or("isr", ""));
    auto [it, fresh] = isr_.try_emplace({topic, partition}, isr);
    if (!fresh && it->second != isr) {
      ++stats_.isr_changes;
      it->second = isr;
    }
  }
}

}  // namespace kraftsim::runner
