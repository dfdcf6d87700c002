// The leader epoch cache (KIP-101, KIP-279): assign's monotonic rule, OffsetsForLeaderEpoch's
// answers (end_offset_for) in Kafka's cases, truncation from either end, the exact bytes of
// leader-epoch-checkpoint, and a follower converging on its leader by KIP-279's truncation loop.
#include <catch2/catch.hpp>

#include <string>

#include "broker/log/leader_epoch_cache.h"
#include "broker/log/partition_log.h"
#include "broker/log/record_batch.h"
#include "tests/support/recorder.h"

using namespace kraftsim;
using namespace kraftsim::log;

namespace {

LeaderEpochCache cache_of(std::vector<EpochEntry> entries) {
  auto cache = LeaderEpochCache::from_entries(std::move(entries));
  REQUIRE(cache.has_value());
  return *cache;
}

Bytes batch_of(int record_count, const std::string& tag) {
  RecordBatch batch;
  batch.base_timestamp = 1000;
  batch.max_timestamp = 1000;
  batch.last_offset_delta = record_count - 1;
  for (int i = 0; i < record_count; ++i) {
    Record record;
    record.offset_delta = i;
    const std::string value = tag + "/" + std::to_string(i);
    record.value = Bytes(value.begin(), value.end());
    batch.records.push_back(std::move(record));
  }
  return encode_batch(batch);
}

std::string file_text(env::Files& files, const std::string& path) {
  auto bytes = files.read(path, 0, 1 << 20);
  REQUIRE(bytes.ok());
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

TEST_CASE("leader epoch cache: assign keeps epochs and start offsets strictly increasing", "[partition-log]") {
  LeaderEpochCache cache;
  REQUIRE(cache.assign(1, 0));
  REQUIRE_FALSE(cache.assign(1, 5));  // the latest epoch, starting later: nothing to learn
  REQUIRE(cache.assign(3, 10));
  REQUIRE(cache.assign(5, 20));
  REQUIRE(cache.entries() == std::vector<EpochEntry>{{1, 0}, {3, 10}, {5, 20}});
  // The latest epoch starting earlier than recorded moves back.
  REQUIRE(cache.assign(5, 15));
  REQUIRE(cache.entries() == std::vector<EpochEntry>{{1, 0}, {3, 10}, {5, 15}});
  // An older epoch at a later offset contradicts the newer entries: they go
  // (maybeTruncateNonMonotonicEntries).
  REQUIRE(cache.assign(4, 30));
  REQUIRE(cache.entries() == std::vector<EpochEntry>{{1, 0}, {3, 10}, {4, 30}});
  REQUIRE(cache.assign(6, 5));
  REQUIRE(cache.entries() == std::vector<EpochEntry>{{1, 0}, {6, 5}});
  REQUIRE(cache.epoch_for_offset(0) == 1);
  REQUIRE(cache.epoch_for_offset(4) == 1);
  REQUIRE(cache.epoch_for_offset(100) == 6);
}

TEST_CASE("leader epoch cache: end_offset_for answers as Kafka's OffsetsForLeaderEpoch", "[partition-log]") {
  const LeaderEpochCache cache = cache_of({{1, 0}, {2, 10}, {4, 20}});
  const std::int64_t log_end = 30;
  // The latest epoch is still being written: it ends at the log end.
  REQUIRE(cache.end_offset_for(4, log_end) == EpochEndOffset{4, 30});
  // A known epoch ends where the next one starts (KIP-101).
  REQUIRE(cache.end_offset_for(1, log_end) == EpochEndOffset{1, 10});
  REQUIRE(cache.end_offset_for(2, log_end) == EpochEndOffset{2, 20});
  // An epoch this replica never saw: the largest epoch below it and its end (KIP-279), so a
  // follower on epoch 3 truncates to 20 and asks again with epoch 2.
  REQUIRE(cache.end_offset_for(3, log_end) == EpochEndOffset{2, 20});
  // Below every known epoch: the requested epoch and where this log's epochs start (Kafka >= 2.0).
  REQUIRE(cache.end_offset_for(0, log_end) == EpochEndOffset{0, 0});
  // Undefined: the sentinel, a future epoch, or no epochs at all.
  REQUIRE(cache.end_offset_for(undefined_epoch, log_end).undefined());
  REQUIRE(cache.end_offset_for(5, log_end).undefined());
  REQUIRE(LeaderEpochCache{}.end_offset_for(1, log_end).undefined());
}

TEST_CASE("leader epoch cache: truncation from the end and from the start", "[partition-log]") {
  LeaderEpochCache cache = cache_of({{1, 0}, {2, 10}, {4, 20}});
  REQUIRE_FALSE(cache.truncate_from_end(25));  // every epoch starts below 25
  REQUIRE(cache.truncate_from_end(20));        // epoch 4 started at 20: gone
  REQUIRE(cache.entries() == std::vector<EpochEntry>{{1, 0}, {2, 10}});
  // The log start moved to 15: epoch 1 is gone entirely, epoch 2 now starts at 15.
  REQUIRE(cache.truncate_from_start(15));
  REQUIRE(cache.entries() == std::vector<EpochEntry>{{2, 15}});
  REQUIRE_FALSE(cache.truncate_from_start(15));
  REQUIRE(cache.truncate_from_end(0));
  REQUIRE(cache.empty());
}

TEST_CASE("leader epoch cache: leader-epoch-checkpoint bytes are Kafka's CheckpointFile format", "[partition-log]") {
  const std::vector<EpochEntry> entries{{0, 0}, {3, 125}, {12, 98765}};
  REQUIRE(encode_leader_epoch_checkpoint(entries) == "0\n3\n0 0\n3 125\n12 98765\n");
  REQUIRE(encode_leader_epoch_checkpoint({}) == "0\n0\n");
  auto parsed = parse_leader_epoch_checkpoint("0\n3\n0 0\n3 125\n12 98765\n");
  REQUIRE(parsed.ok());
  REQUIRE(*parsed == entries);
  // What a torn or foreign file looks like is rejected, not half-read.
  for (const std::string bad : {"", "0\n3\n0 0\n3 125\n", "0\n3\n0 0\n3 125\n12 98765", "1\n0\n", "0\nx\n",
                                "0\n1\n1 2 3\n", "0\n2\n3 10\n2 20\n", "0\n1\n-1 0\n", "0\n1\n1  0\n"}) {
    INFO("\"" << bad << "\"");
    REQUIRE_FALSE(parse_leader_epoch_checkpoint(bad).ok());
  }
}

TEST_CASE("leader epoch cache: the partition log keeps leader-epoch-checkpoint up to date", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  auto opened = PartitionLog::open(files, "", TopicPartition{"my-topic", 0}, LogConfig{}, Time::zero());
  REQUIRE(opened.ok());
  auto& log = *opened.value();
  REQUIRE(file_text(files, "my-topic-0/leader-epoch-checkpoint") == "0\n0\n");
  REQUIRE(log.append_as_leader(batch_of(3, "a"), 0, Time::zero()).ok());
  log.assign_epoch_start_offset(2, 3);  // a new leader records its epoch before writing
  REQUIRE(log.append_as_leader(batch_of(2, "b"), 2, Time::zero()).ok());
  REQUIRE(file_text(files, "my-topic-0/leader-epoch-checkpoint") == "0\n2\n0 0\n2 3\n");
  REQUIRE(log.end_offset_for_epoch(0) == EpochEndOffset{0, 3});
  REQUIRE(log.end_offset_for_epoch(2) == EpochEndOffset{2, 5});
  REQUIRE(log.truncate_to(3, Time::zero()).ok());
  REQUIRE(file_text(files, "my-topic-0/leader-epoch-checkpoint") == "0\n1\n0 0\n");
  // An epoch assigned at the log end with nothing written in it goes with a truncation at (or
  // past) the log end, as in Kafka's UnifiedLog.truncateTo.
  log.assign_epoch_start_offset(4, 3);
  REQUIRE(log.leader_epoch_cache().latest_epoch() == 4);
  REQUIRE(*log.truncate_to(10, Time::zero()) == 3);
  REQUIRE(log.leader_epoch_cache().entries() == std::vector<EpochEntry>{{0, 0}});
  REQUIRE_FALSE(files.exists("my-topic-0/leader-epoch-checkpoint.tmp"));
}

TEST_CASE("leader epoch cache: a diverged follower converges by KIP-279 truncation", "[partition-log]") {
  // The leader wrote epochs 1 and 3; the follower has epoch 1 and an uncommitted epoch 2 suffix
  // that the leader never had. The follower asks for the end of its latest epoch, truncates to
  // the answer (capped by its own end of that epoch), and repeats until the epochs agree.
  testing::RecorderWorld w(2);
  const TopicPartition tp{"my-topic", 0};
  auto leader = std::move(PartitionLog::open(w.node(1).env().files(), "", tp, LogConfig{}, Time::zero()).value());
  auto follower = std::move(PartitionLog::open(w.node(2).env().files(), "", tp, LogConfig{}, Time::zero()).value());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(leader->append_as_leader(batch_of(2, "e1"), 1, Time::zero()).ok());
    REQUIRE(follower->append_as_follower(leader->read(follower->log_end_offset(), 1 << 20, 100)->records, Time::zero()).ok());
  }
  REQUIRE(follower->append_as_leader(batch_of(5, "e2-lost"), 2, Time::zero()).ok());  // briefly leader in epoch 2
  REQUIRE(leader->append_as_leader(batch_of(4, "e3"), 3, Time::zero()).ok());

  int rounds = 0;
  while (true) {
    REQUIRE(++rounds < 10);
    const auto latest = follower->leader_epoch_cache().latest_epoch();
    REQUIRE(latest.has_value());
    const EpochEndOffset answer = leader->end_offset_for_epoch(*latest);
    REQUIRE_FALSE(answer.undefined());
    const std::int64_t own_end = follower->end_offset_for_epoch(answer.epoch).end_offset;
    const std::int64_t truncate_at = answer.epoch == *latest ? answer.end_offset : std::min(answer.end_offset, own_end);
    REQUIRE(follower->truncate_to(truncate_at, Time::zero()).ok());
    if (answer.epoch == *latest) break;
  }
  REQUIRE(follower->log_end_offset() == 6);
  auto rest = leader->read(follower->log_end_offset(), 1 << 20, leader->log_end_offset());
  REQUIRE(follower->append_as_follower(rest->records, Time::zero()).ok());
  REQUIRE(follower->read(0, 1 << 20, 100)->records == leader->read(0, 1 << 20, 100)->records);
  REQUIRE(follower->leader_epoch_cache().entries() == leader->leader_epoch_cache().entries());
}
