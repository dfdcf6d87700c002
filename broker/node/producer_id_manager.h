// ProducerIdManager: how a broker hands out producer ids to idempotent producers (Kafka's
// RPCProducerIdManager, KIP-730). The active controller owns the id space: it gives a broker a
// block of 1000 ids (AllocateProducerIds), committed as a ProducerIdsRecord so no two brokers
// ever get the same id, even across controller failovers. The broker answers InitProducerId
// (KIP-98, no transactional id) from its block with epoch 0.
//
// Like Kafka's: the next block is asked for when 90% of the current one is used (prefetch);
// when the block is used up before the next one arrives, InitProducerId is answered
// COORDINATOR_LOAD_IN_PROGRESS and the producer retries after retry.backoff.ms. A failed or
// lost AllocateProducerIds request is retried after a backoff. Ids are not reused across broker
// restarts: a restarted broker asks for a new block.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "broker/controller/requests.h"
#include "broker/env/env.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::node {

inline constexpr Duration allocate_producer_ids_retry_backoff = milliseconds(50);
// RPCProducerIdManager.PRODUCER_ID_BLOCK_PREFETCH_THRESHOLD, in percent of the block.
inline constexpr std::int64_t producer_id_prefetch_percent = 90;

class ProducerIdManager {
 public:
  struct Hooks {
    std::function<std::optional<NodeId>()> active_controller;
    std::function<std::int64_t()> broker_epoch;  // -1 before registration
  };

  ProducerIdManager(env::Env& env, NodeId broker_id, Hooks hooks);

  void on_init_producer_id(NodeId from, std::uint64_t correlation_id, const protocol::InitProducerIdRequest& request);
  void on_allocate_producer_ids_response(std::uint64_t correlation_id,
                                         const controller::AllocateProducerIdsResponse& response);
  void on_connection_lost(NodeId peer);

  // For tests: ids handed out so far by this broker process.
  std::int64_t generated_count() const { return generated_; }

 private:
  struct Block {
    std::int64_t next = 0;  // the next id to hand out
    std::int64_t end = 0;   // one past the last id
    std::int64_t prefetch_at = 0;
  };
  // The next id, or nullopt while no block has ids (a request for one is then in flight).
  std::optional<std::int64_t> generate();
  void maybe_request_block();
  void send_request();
  void retry_later();

  env::Env& env_;
  NodeId broker_id_;
  Hooks hooks_;
  std::optional<Block> current_;
  std::optional<Block> next_;
  std::uint64_t next_correlation_ = 1;
  std::optional<std::uint64_t> in_flight_;  // correlation id of the AllocateProducerIds request
  NodeId in_flight_to_ = no_node;
  bool retry_pending_ = false;
  std::int64_t generated_ = 0;
};

}  // namespace kraftsim::node
