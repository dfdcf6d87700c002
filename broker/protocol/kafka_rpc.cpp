// Names, wire sizes and trace descriptions of the broker APIs (kafka_rpc.h).
#include "broker/protocol/kafka_rpc.h"

#include <type_traits>

#include "broker/log/record_batch.h"

namespace kraftsim::protocol {

namespace {

// Kafka's request/response header (api key, version, correlation id, client id) and the
// per-partition framing: a rough, fixed figure is enough for bandwidth to matter.
constexpr std::int64_t header_bytes = 24;
constexpr std::int64_t partition_header_bytes = 40;

std::int64_t batches_bytes(const std::vector<replication::ReplicaBatch>& batches) {
  std::int64_t total = 0;
  for (const auto& b : batches) total += static_cast<std::int64_t>(b.payload.size());
  return total;
}

}  // namespace

std::string_view KafkaRpc::rpc_name() const {
  return std::visit([](const auto& m) -> std::string_view { return std::decay_t<decltype(m)>::name; }, body);
}

std::int64_t KafkaRpc::wire_size_bytes() const {
  return std::visit(
      [](const auto& m) -> std::int64_t {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, MetadataRequest>) {
          std::int64_t n = header_bytes;
          for (const auto& t : m.topics) n += 2 + static_cast<std::int64_t>(t.size());
          return n;
        } else if constexpr (std::is_same_v<T, MetadataResponse>) {
          std::int64_t n = header_bytes + 24 * static_cast<std::int64_t>(m.brokers.size());
          for (const auto& t : m.topics) {
            n += 4 + static_cast<std::int64_t>(t.name.size());
            for (const auto& p : t.partitions) {
              n += 16 + 4 * static_cast<std::int64_t>(p.replica_nodes.size() + p.isr_nodes.size());
            }
          }
          return n;
        } else if constexpr (std::is_same_v<T, ProduceRequest>) {
          return header_bytes + partition_header_bytes + static_cast<std::int64_t>(m.request.payload.size());
        } else if constexpr (std::is_same_v<T, FetchResponse>) {
          return header_bytes + partition_header_bytes + batches_bytes(m.response.records);
        } else if constexpr (std::is_same_v<T, InitProducerIdRequest>) {
          return header_bytes + 2 + static_cast<std::int64_t>(m.transactional_id.value_or("").size()) + 4 + 8 + 2;
        } else if constexpr (std::is_same_v<T, InitProducerIdResponse>) {
          return header_bytes + 4 + 2 + 8 + 2;
        } else {
          return header_bytes + partition_header_bytes;
        }
      },
      body);
}

void KafkaRpc::describe(trace::Fields& out) const {
  out.add("correlation", static_cast<std::int64_t>(correlation_id));
  std::visit(
      [&out](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, MetadataRequest>) {
          out.add("topics", static_cast<std::int64_t>(m.topics.size()));
        } else if constexpr (std::is_same_v<T, MetadataResponse>) {
          out.add("brokers", static_cast<std::int64_t>(m.brokers.size()));
          out.add("topics", static_cast<std::int64_t>(m.topics.size()));
          // "topic-partition:leader@epoch ..." so the timeline shows what the client learned.
          std::string leaders;
          for (const auto& t : m.topics) {
            for (const auto& p : t.partitions) {
              if (!leaders.empty()) leaders += ' ';
              leaders += t.name + "-" + std::to_string(p.partition_index) + ":" + std::to_string(p.leader_id) + "@" +
                         std::to_string(p.leader_epoch);
            }
          }
          if (!leaders.empty()) out.add("leaders", std::move(leaders));
        } else if constexpr (std::is_same_v<T, InitProducerIdRequest>) {
          out.add("producer_id", m.producer_id);
          out.add("producer_epoch", m.producer_epoch);
        } else if constexpr (std::is_same_v<T, InitProducerIdResponse>) {
          out.add("error", replication::to_string(m.error_code));
          out.add("producer_id", m.producer_id);
          out.add("producer_epoch", m.producer_epoch);
        } else {
          out.add("topic", m.topic_partition.topic);
          out.add("partition", m.topic_partition.partition);
          if constexpr (std::is_same_v<T, ProduceRequest>) {
            out.add("acks", (replication::to_string(m.request.acks)));
            out.add("records", m.request.record_count);
            // An idempotent producer's identity, from the batch header (KIP-98).
            if (auto header = log::peek_batch_header(m.request.payload, log::CrcCheck::skip);
                header.ok() && header->producer_id != log::no_producer_id) {
              out.add("producer_id", header->producer_id);
              out.add("producer_epoch", header->producer_epoch);
              out.add("base_sequence", header->base_sequence);
            }
          } else if constexpr (std::is_same_v<T, ProduceResponse>) {
            out.add("error", (replication::to_string(m.error_code)));
            out.add("base_offset", m.base_offset);
          } else if constexpr (std::is_same_v<T, FetchRequest>) {
            out.add("replica", m.request.replica_id);
            out.add("fetch_offset", m.request.fetch_offset);
            out.add("epoch", m.request.current_leader_epoch.value_or(-1));
          } else if constexpr (std::is_same_v<T, FetchResponse>) {
            out.add("error", (replication::to_string(m.response.error)));
            out.add("high_watermark", m.response.high_watermark);
            out.add("batches", static_cast<std::int64_t>(m.response.records.size()));
            if (m.response.diverging_epoch) {
              out.add("diverging_epoch", m.response.diverging_epoch->epoch);
              out.add("diverging_end_offset", m.response.diverging_epoch->end_offset);
            }
          } else if constexpr (std::is_same_v<T, ListOffsetsRequest>) {
            out.add("timestamp", m.timestamp);
          } else if constexpr (std::is_same_v<T, ListOffsetsResponse>) {
            out.add("error", replication::to_string(m.error_code));
            out.add("offset", m.offset);
          } else if constexpr (std::is_same_v<T, OffsetsForLeaderEpochRequest>) {
            out.add("leader_epoch", m.request.leader_epoch);
          } else if constexpr (std::is_same_v<T, OffsetsForLeaderEpochResponse>) {
            out.add("error", (replication::to_string(m.response.error)));
            out.add("end_epoch", m.response.end.epoch);
            out.add("end_offset", m.response.end.end_offset);
          }
        }
      },
      body);
}

}  // namespace kraftsim::protocol
