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


std::int64_t string_bytes(const std::string& s) { return 2 + static_cast<std::int64_t>(s.size()); }

std::int64_t partitions_bytes(const std::vector<replication::TopicPartition>& partitions) {
  std::int64_t n = 4;
  for (const auto& tp : partitions) n += string_bytes(tp.topic) + 4;
  return n;
}

std::int64_t subscription_bytes(const Subscription& s) {
  std::int64_t n = 4 + partitions_bytes(s.owned_partitions);
  for (const auto& t : s.topics) n += string_bytes(t);
  return n;
}

// Group API sizes: strings as int16 length + bytes, lists as int32 count + items (Kafka's
// non-flexible encodings; close enough for bandwidth to matter).
template <typename T>
std::int64_t group_rpc_bytes(const T& m) {
  if constexpr (std::is_same_v<T, FindCoordinatorRequest>) {
    return header_bytes + string_bytes(m.key) + 1;
  } else if constexpr (std::is_same_v<T, JoinGroupRequest>) {
    std::int64_t n = header_bytes + string_bytes(m.group_id) + 8 + string_bytes(m.member_id) + string_bytes(m.protocol_type);
    for (const auto& p : m.protocols) n += string_bytes(p.name) + subscription_bytes(p.metadata);
    return n;
  } else if constexpr (std::is_same_v<T, JoinGroupResponse>) {
    std::int64_t n = header_bytes + 6 + string_bytes(m.protocol_name) + string_bytes(m.leader) + string_bytes(m.member_id);
    for (const auto& member : m.members) n += string_bytes(member.member_id) + subscription_bytes(member.metadata);
    return n;
  } else if constexpr (std::is_same_v<T, SyncGroupRequest>) {
    std::int64_t n = header_bytes + string_bytes(m.group_id) + 4 + string_bytes(m.member_id);
    for (const auto& a : m.assignments) n += string_bytes(a.member_id) + partitions_bytes(a.partitions);
    return n;
  } else if constexpr (std::is_same_v<T, SyncGroupResponse>) {
    return header_bytes + 2 + partitions_bytes(m.assignment);
  } else if constexpr (std::is_same_v<T, HeartbeatRequest>) {
    return header_bytes + string_bytes(m.group_id) + 4 + string_bytes(m.member_id);
  } else if constexpr (std::is_same_v<T, LeaveGroupRequest>) {
    return header_bytes + string_bytes(m.group_id) + string_bytes(m.member_id);
  } else if constexpr (std::is_same_v<T, OffsetCommitRequest>) {
    std::int64_t n = header_bytes + string_bytes(m.group_id) + 4 + string_bytes(m.member_id);
    for (const auto& p : m.partitions) n += string_bytes(p.topic_partition.topic) + 16 + string_bytes(p.committed_metadata);
    return n;
  } else if constexpr (std::is_same_v<T, OffsetCommitResponse>) {
    std::int64_t n = header_bytes;
    for (const auto& p : m.partitions) n += string_bytes(p.topic_partition.topic) + 6;
    return n;
  } else if constexpr (std::is_same_v<T, OffsetFetchRequest>) {
    return header_bytes + string_bytes(m.group_id) + partitions_bytes(m.partitions);
  } else if constexpr (std::is_same_v<T, OffsetFetchResponse>) {
    std::int64_t n = header_bytes + 2;
    for (const auto& p : m.partitions) n += string_bytes(p.topic_partition.topic) + 18 + string_bytes(p.metadata);
    return n;
  } else {
    return header_bytes + 8;  // the small fixed answers
  }
}

template <typename T>
constexpr bool is_group_rpc =
    std::is_same_v<T, FindCoordinatorRequest> || std::is_same_v<T, FindCoordinatorResponse> ||
    std::is_same_v<T, JoinGroupRequest> || std::is_same_v<T, JoinGroupResponse> || std::is_same_v<T, SyncGroupRequest> ||
    std::is_same_v<T, SyncGroupResponse> || std::is_same_v<T, HeartbeatRequest> || std::is_same_v<T, HeartbeatResponse> ||
    std::is_same_v<T, LeaveGroupRequest> || std::is_same_v<T, LeaveGroupResponse> ||
    std::is_same_v<T, OffsetCommitRequest> || std::is_same_v<T, OffsetCommitResponse> ||
    std::is_same_v<T, OffsetFetchRequest> || std::is_same_v<T, OffsetFetchResponse>;

std::string join_partitions(const std::vector<replication::TopicPartition>& partitions) {
  std::string out;
  for (const auto& tp : partitions) {
    if (!out.empty()) out += ' ';
    out += tp.topic + "-" + std::to_string(tp.partition);
  }
  return out;
}

// "topic-partition@offset ..." of an OffsetCommit request or an OffsetFetch answer.
template <typename Partitions>
std::string join_offsets(const Partitions& partitions) {
  std::string offsets;
  for (const auto& p : partitions) {
    if (!offsets.empty()) offsets += ' ';
    offsets += p.topic_partition.topic + "-" + std::to_string(p.topic_partition.partition) + "@" +
               std::to_string(p.committed_offset);
  }
  return offsets;
}

template <typename T>
void describe_group_rpc(const T& m, trace::Fields& out) {
  if constexpr (requires { m.group_id; }) out.add("group", m.group_id);
  if constexpr (requires { m.error_code; }) out.add("error", replication::to_string(m.error_code));
  if constexpr (requires { m.member_id; }) out.add("member", m.member_id);
  if constexpr (requires { m.generation_id; }) out.add("generation", m.generation_id);
  if constexpr (std::is_same_v<T, FindCoordinatorRequest>) {
    out.add("key", m.key);
  } else if constexpr (std::is_same_v<T, FindCoordinatorResponse>) {
    out.add("coordinator", m.node_id);
  } else if constexpr (std::is_same_v<T, JoinGroupResponse>) {
    out.add("leader", m.leader);
    out.add("protocol", m.protocol_name);
    out.add("members", static_cast<std::int64_t>(m.members.size()));
  } else if constexpr (std::is_same_v<T, SyncGroupResponse>) {
    out.add("assignment", join_partitions(m.assignment));
  } else if constexpr (std::is_same_v<T, OffsetCommitRequest>) {
    out.add("offsets", join_offsets(m.partitions));
  } else if constexpr (std::is_same_v<T, OffsetCommitResponse>) {
    out.add("partitions", static_cast<std::int64_t>(m.partitions.size()));
    if (!m.partitions.empty()) out.add("error", replication::to_string(m.partitions.front().error_code));
  } else if constexpr (std::is_same_v<T, OffsetFetchRequest>) {
    out.add("partitions", join_partitions(m.partitions));
  } else if constexpr (std::is_same_v<T, OffsetFetchResponse>) {
    out.add("offsets", join_offsets(m.partitions));
  }
}

}  // namespace

std::string_view KafkaRpc::rpc_name() const {
  return std::visit([](const auto& m) -> std::string_view { return std::decay_t<decltype(m)>::name; }, body);
}

std::int64_t KafkaRpc::wire_size_bytes() const {
  return std::visit(
      [](const auto& m) -> std::int64_t {
        using T = std::decay_t<decltype(m)>;
        if constexpr (is_group_rpc<T>) {
          return group_rpc_bytes(m);
        } else if constexpr (std::is_same_v<T, MetadataRequest>) {
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
        if constexpr (is_group_rpc<T>) {
          describe_group_rpc(m, out);
        } else if constexpr (std::is_same_v<T, MetadataRequest>) {
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
