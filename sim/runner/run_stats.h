// RunStats: the figures a run reports besides its checks (`kraftsim run --json`, "stats"):
// what the clients did, what the checkers found in the end, elections and ISR changes, and the
// bytes the network and the disks moved. StatsCollector reads state events only (a handful per
// record), so it costs little; the byte counts come from the world's counters at the end
// (add_node_counters for the nodes' own, Env::count).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "trace/event.h"

namespace kraftsim::runner {

struct RunStats {
  std::int64_t records_sent = 0;          // send() calls of every producer (history invokes)
  std::int64_t records_acknowledged = 0;  // records in acknowledged batches (acks=1 and all)
  std::int64_t records_failed = 0;        // records whose send failed for good
  std::int64_t records_lost = 0;          // acknowledged records not in the final log (acked-write-durable)
  std::int64_t records_duplicated = 0;    // records in a final log twice (idempotent-no-duplicates)
  std::int64_t duplicates_answered = 0;   // idempotent retries the leaders answered from producer state
  std::int64_t records_consumed = 0;      // records consumers read (with re-deliveries)
  std::int64_t controller_elections = 0;  // KRaft leaders elected (new epochs with a leader)
  std::int64_t partition_leader_elections = 0;  // (partition, leader epoch) pairs with a leader
  std::int64_t isr_changes = 0;           // a leader's ISR for a partition changed
  std::int64_t bytes_on_wire = 0;         // bytes of every message sent
  std::int64_t bytes_written_to_disk = 0; // bytes appended or written on every node's disk
  std::int64_t fsyncs = 0;
  // Bytes of the record batches appended to partition logs on every replica (segment files), by
  // the batches' compression codec (the producer's compression.type; __consumer_offsets is
  // uncompressed). The brokers' Env counters, summed over every process they ran.
  std::int64_t log_bytes_none = 0;
  std::int64_t log_bytes_gzip = 0;
  std::int64_t log_bytes_snappy = 0;
  std::int64_t log_bytes_lz4 = 0;
  std::int64_t log_bytes_zstd = 0;
};

// Adds a node's Env counters to the stats: log-appended-bytes-<codec> (broker/node/replica_manager.cpp).
void add_node_counters(RunStats& stats, const std::map<std::string, std::int64_t, std::less<>>& counters);

class StatsCollector {
 public:
  static trace::KindSet kinds() { return {trace::Kind::state}; }
  void on_event(const trace::EventRef& e);
  RunStats& stats() { return stats_; }

 private:
  RunStats stats_;
  std::set<std::int64_t> controller_epochs_;
  std::set<std::tuple<std::string, std::int64_t, std::int64_t>> partition_epochs_;  // (topic, partition, epoch)
  std::map<std::pair<std::string, std::int64_t>, std::string> isr_;  // the leader's last ISR per partition
};

}  // namespace kraftsim::runner
