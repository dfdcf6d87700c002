// Invariants of partition replication, judged at the end of a run against the producers'
// acknowledgements in the trace and the replicas' logs as they stand on disk:
//  - acked-write-durable ("no acknowledged write is lost"): every record a producer saw
//    acknowledged (produce-acked) is in the log of the partition's final leader, at the offset
//    the broker answered, with the value the producer sent. With acks=1, a leader crash, an
//    unclean election, a power loss without fsync or a pre-KIP-101 truncation break it; the
//    evidence names the partition, offsets, acks and the final leader.
//  - replicas-consistent-below-hw: every running replica of a partition holds the leader's
//    records at each offset below both the leader's high watermark and its own log end
//    (KIP-101 scenario 2: replicas that diverged below the high watermark).
//  - consumer-read-stable: every record a consumer read (consumed) is, at the end, the record at
//    that offset in the final leader's log, and no consumer was handed a corrupt batch
//    (consumers read below the high watermark only, so nothing they read may change).
//  - producer-order: in each partition's final log, each producer's records first appear in the
//    order it sent them (duplicates from retries are not reorderings). Kafka keeps this only with
//    max.in.flight.requests.per.connection=1 or idempotence.
//  - idempotent-no-duplicates: no producer record is in its partition's final log twice. A producer
//    without idempotence that retries a batch whose answer was lost (a request timeout, a broken
//    connection, NOT_ENOUGH_REPLICAS_AFTER_APPEND) appends it again; an idempotent producer's
//    retry is answered from the leader's producer state instead (KIP-98).
// They need the partitions to have a leader at the end; scenarios leave time after the faults.
#pragma once

#include <memory>
#include <vector>

#include "sim/check/checker.h"

namespace kraftsim::check {

std::unique_ptr<Checker> make_acked_write_durable_checker();
std::unique_ptr<Checker> make_replicas_consistent_checker();
std::unique_ptr<Checker> make_consumer_read_stable_checker();
std::unique_ptr<Checker> make_producer_order_checker();
std::unique_ptr<Checker> make_no_duplicates_checker();

}  // namespace kraftsim::check
