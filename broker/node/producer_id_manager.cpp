// ProducerIdManager: producer id blocks from the controller, ids for InitProducerId (see
// producer_id_manager.h).
#include "broker/node/producer_id_manager.h"

#include "base/assert.h"
#include "broker/protocol/message.h"

namespace kraftsim::node {

ProducerIdManager::ProducerIdManager(env::Env& env, NodeId broker_id, Hooks hooks)
    : env_(env), broker_id_(broker_id), hooks_(std::move(hooks)) {}

std::optional<std::int64_t> ProducerIdManager::generate() {
  if ((!current_ || current_->next >= current_->end) && next_) {
    current_ = next_;
    next_.reset();
  }
  if (!current_ || current_->next >= current_->end) {
    maybe_request_block();
    return std::nullopt;
  }
  const std::int64_t id = current_->next++;
  ++generated_;
  if (current_->next >= current_->prefetch_at) maybe_request_block();
  return id;
}

void ProducerIdManager::maybe_request_block() {
  if (next_ || in_flight_ || retry_pending_) return;
  send_request();
}

void ProducerIdManager::send_request() {
  retry_pending_ = false;
  const NodeId controller = hooks_.active_controller ? hooks_.active_controller().value_or(no_node) : no_node;
  const std::int64_t broker_epoch = hooks_.broker_epoch ? hooks_.broker_epoch() : -1;
  if (controller == no_node || broker_epoch < 0) return retry_later();
  controller::AllocateProducerIdsRequest request;
  request.broker_id = broker_id_;
  request.broker_epoch = broker_epoch;
  in_flight_ = next_correlation_++;
  in_flight_to_ = controller;
  env_.send(controller, protocol::ControllerRpc{*in_flight_, controller::ControllerRequest{request}});
}

void ProducerIdManager::retry_later() {
  if (retry_pending_) return;
  retry_pending_ = true;
  in_flight_.reset();
  in_flight_to_ = no_node;
  env_.set_timer(allocate_producer_ids_retry_backoff, "allocate-producer-ids-retry", [this] {
    if (retry_pending_) send_request();
  });
}

void ProducerIdManager::on_allocate_producer_ids_response(std::uint64_t correlation_id,
                                                          const controller::AllocateProducerIdsResponse& response) {
  if (in_flight_ != correlation_id) return;
  in_flight_.reset();
  in_flight_to_ = no_node;
  if (response.error_code != controller::ErrorCode::none) return retry_later();
  KS_ASSERT(response.producer_id_start >= 0);
  KS_ASSERT(response.producer_id_len > 0);
  Block block;
  block.next = response.producer_id_start;
  block.end = response.producer_id_start + response.producer_id_len;
  block.prefetch_at = response.producer_id_start + response.producer_id_len * producer_id_prefetch_percent / 100;
  // Blocks from the controller only move forward.
  if (current_) KS_ASSERT(block.next >= current_->end);
  next_ = block;
  env_.record("producer-id-block", {{"start", block.next}, {"end", block.end}});
}

void ProducerIdManager::on_init_producer_id(NodeId from, std::uint64_t correlation_id,
                                            const protocol::InitProducerIdRequest& request) {
  protocol::InitProducerIdResponse response;
  if (request.transactional_id) {
    // Transactions (a transaction coordinator on __transaction_state) are not modelled.
    response.error_code = protocol::ErrorCode::invalid_request;
  } else if (const std::optional<std::int64_t> id = generate()) {
    // TransactionCoordinator.handleInitProducerId with a null transactional id: always a fresh id.
    response.producer_id = *id;
    response.producer_epoch = 0;
  } else {
    response.error_code = protocol::ErrorCode::coordinator_load_in_progress;
  }
  env_.send(from, protocol::KafkaRpc{correlation_id, response});
}

void ProducerIdManager::on_connection_lost(NodeId peer) {
  if (in_flight_ && in_flight_to_ == peer) retry_later();
}

}  // namespace kraftsim::node
