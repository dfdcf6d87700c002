// Google Benchmark view of appending to a partition log on the simulated disk: a leader's
// append of produced v2 batches (offset and epoch stamping, segment and index maintenance,
// rolls at log.segment.bytes) next to appending the same bytes to one file of the same simulated
// disk. The ratio log/raw shows what the log's bookkeeping costs on top of the disk model.
// Retention keeps the log bounded so the loop can run as long as Google Benchmark wants.
#include <benchmark/benchmark.h>

#include <memory>

#include "broker/env/env.h"
#include "broker/log/partition_log.h"
#include "broker/log/record_batch_builder.h"
#include "sim/world/world.h"

using namespace kraftsim;

namespace {

constexpr int records_per_batch = 16;
constexpr std::size_t value_size_bytes = 100;
constexpr double min_time_seconds = 0.2;

// A program that does nothing: the benchmark uses its Env's files directly.
class Idle final : public env::Program {
 public:
  explicit Idle(env::Env& env) : env_(env) {}
  void on_start() override {}
  void on_message(const protocol::Message&) override {}
  void on_connection_lost(NodeId) override {}
  env::Env& env() { return env_; }

 private:
  env::Env& env_;
};

struct DiskFixture {
  sim::World world{sim::WorldConfig{}};
  Idle* program = nullptr;
  DiskFixture() {
    world.add_node(1, "bench", [this](env::Env& env) {
      auto p = std::make_unique<Idle>(env);
      program = p.get();
      return p;
    });
    world.start(1);
  }
  env::Files& files() { return program->env().files(); }
};

log::Bytes one_batch() {
  log::BatchBuilder builder(log::BatchBuilderConfig{});
  for (int i = 0; i < records_per_batch; ++i) {
    const log::Bytes value(value_size_bytes, static_cast<std::uint8_t>('a' + i));
    (void)builder.try_append(1'700'000'000'000 + i, std::nullopt, value);
  }
  return builder.encode();
}

void BM_PartitionLogAppend(benchmark::State& state) {
  DiskFixture fixture;
  log::LogConfig config;
  config.segment_bytes = 1 << 20;  // rolls every 1 MiB: index and roll costs show
  config.retention_bytes = 16 << 20;
  auto opened = log::PartitionLog::open(fixture.files(), "", log::TopicPartition{"bench", 0}, config, Time::zero());
  if (!opened.ok()) {
    state.SkipWithError("open failed");
    return;
  }
  auto& log = *opened.value();
  const log::Bytes batch = one_batch();
  std::int64_t appended = 0;
  for (auto _ : state) {
    auto info = log.append_as_leader(batch, 1, Time::zero());
    benchmark::DoNotOptimize(info);
    if (++appended % 4096 == 0) (void)log.apply_retention(Time::zero(), log.log_end_offset());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}

void BM_RawDiskAppend(benchmark::State& state) {
  DiskFixture fixture;
  env::Files& files = fixture.files();
  (void)files.create_exclusive("raw.log");
  const log::Bytes batch = one_batch();
  std::int64_t appended = 0;
  for (auto _ : state) {
    auto status = files.append("raw.log", batch);
    benchmark::DoNotOptimize(status);
    // Same bound as the log's retention: start a new file every 16 MiB.
    if (++appended % ((16 << 20) / static_cast<std::int64_t>(batch.size())) == 0) (void)files.truncate("raw.log", 0);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}

}  // namespace

BENCHMARK(BM_PartitionLogAppend)->MinTime(min_time_seconds);
BENCHMARK(BM_RawDiskAppend)->MinTime(min_time_seconds);
