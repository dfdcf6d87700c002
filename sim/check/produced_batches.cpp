// The acknowledged batches, recognised by offset and CRC (see produced_batches.h).
#include "sim/check/produced_batches.h"

#include "base/assert.h"

namespace kraftsim::check {

void ProducedBatches::on_event(const trace::EventRef& e) {
  if (e.kind != trace::Kind::state || e.name != "produce-acked") return;
  const std::int64_t crc = e.int_or("crc", -1);
  const std::int64_t base_offset = e.int_or("base_offset", -1);
  const std::int64_t records = e.int_or("records", 0);
  // acks=0 answers with offset -1: nothing says where the batch is.
  if (crc < 0 || crc > 0xffffffffLL || base_offset < 0 || records <= 0) return;
  ProducedBatch batch;
  batch.producer = e.node;
  batch.first_seq = e.int_or("first_seq", 0);
  batch.records = records;
  batch.value_bytes = e.int_or("value_bytes", 0);
  const PartitionKey partition{std::string(e.string_or("topic", "")), static_cast<std::int32_t>(e.int_or("partition", -1))};
  const auto [it, inserted] = batches_[partition].try_emplace(Key{base_offset, static_cast<std::uint32_t>(crc)}, Entry{batch, false});
  if (inserted) return;
  const ProducedBatch& known = it->second.batch;
  // The same batch acknowledged twice (a duplicate answer) is still that batch.
  if (known.producer != batch.producer || known.first_seq != batch.first_seq || known.records != batch.records ||
      known.value_bytes != batch.value_bytes) {
    it->second.ambiguous = true;
  }
}

std::size_t ProducedBatches::size() const {
  std::size_t n = 0;
  for (const auto& [partition, batches] : batches_) n += batches.size();
  return n;
}

const ProducedBatch* ProducedBatches::recognise(const PartitionKey& partition, const log::BatchHeader& header,
                                                log::ByteView bytes) const {
  const auto in_partition = batches_.find(partition);
  if (in_partition == batches_.end()) return nullptr;
  const auto it = in_partition->second.find(Key{header.base_offset, header.crc});
  if (it == in_partition->second.end() || it->second.ambiguous) return nullptr;
  const ProducedBatch& batch = it->second.batch;
  // A producer's batch numbers its records 0..n-1 (no compaction gaps), and says so in the
  // header the CRC covers.
  if (header.records_count != batch.records || header.last_offset_delta + 1 != batch.records || header.control) return nullptr;
  const auto verified = log::peek_batch_header(bytes, log::CrcCheck::verify);
  if (!verified.ok()) return nullptr;
  KS_ASSERT(verified->crc == header.crc && verified->base_offset == header.base_offset);
  return &batch;
}

}  // namespace kraftsim::check
