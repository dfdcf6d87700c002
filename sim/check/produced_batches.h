// The batches producers saw acknowledged, indexed so the end of a run can recognise them in a
// replica's log without decoding them.
//
// Judging a run reads every replica's log as offset -> value (PartitionReplicaView), and
// decoding the batches for it (inflating them, reading every record, parsing every value) was
// a tenth of s1's run (docs/PERFORMANCE.md). But a producer knows what it wrote: its
// produce-acked event names the batch's partition, base offset, first record and count, the
// size of its values and the CRC-32C of the bytes it built (which covers everything from the
// attributes to the last record: KIP-98's message format v2; the broker assigns the base offset
// and partition leader epoch outside it). A batch in a log at that base offset whose stored CRC
// is that CRC, and whose bytes verify against it, is that batch: its values are
// producer_value(producer, first_seq + i, value_bytes), and need no decoding.
//
// The trust is the CRC's, as Kafka's own: a batch that differs from the producer's passes only
// by a 32-bit collision at the same partition and offset. Two acknowledged batches with the
// same partition, offset and CRC but different records (a collision between them) are not
// recognised at all. Anything not recognised (a broker-rewritten batch, a diverged or
// unacknowledged one, a corrupted one) is decoded as before.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "broker/env/node_id.h"
#include "broker/log/record_batch.h"
#include "sim/check/checker.h"
#include "trace/event.h"

namespace kraftsim::check {

struct ProducedBatch {
  NodeId producer = no_node;
  std::int64_t first_seq = 0;  // the producer's record number of the batch's first record
  std::int64_t records = 0;
  std::int64_t value_bytes = 0;  // client::producer_value's padding
};

class ProducedBatches {
 public:
  // Takes a produce-acked event (others are ignored).
  void on_event(const trace::EventRef& e);

  // The acknowledged batch `bytes` is, or nullptr. `header` is the batch's header as stored
  // (peeked without a CRC check); the CRC is verified here, and only when a batch with that
  // partition, base offset and stored CRC was acknowledged.
  const ProducedBatch* recognise(const PartitionKey& partition, const log::BatchHeader& header, log::ByteView bytes) const;

  // The acknowledged batches indexed (for tests).
  std::size_t size() const;

 private:
  using Key = std::pair<std::int64_t, std::uint32_t>;  // base offset, CRC
  struct Entry {
    ProducedBatch batch;
    bool ambiguous = false;  // two different batches acknowledged under one key
  };
  std::map<PartitionKey, std::map<Key, Entry>> batches_;
};

}  // namespace kraftsim::check
