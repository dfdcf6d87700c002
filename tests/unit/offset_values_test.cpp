// OffsetValues and ValueArena: the end-of-run checkers' offset -> value view of one replica.
#include <catch2/catch.hpp>

#include <iterator>
#include <memory>
#include <string>

#include "broker/client/record_value.h"
#include "sim/check/offset_values.h"

using kraftsim::check::OffsetValues;
using kraftsim::check::RecordValue;
using kraftsim::check::ValueArena;

namespace {
// Values over a fresh arena, set in the order given.
OffsetValues values_of(std::initializer_list<std::pair<std::int64_t, const char*>> entries) {
  auto arena = std::make_shared<ValueArena>();
  OffsetValues values;
  values.share(arena);
  for (const auto& [offset, text] : entries) values.set(offset, arena->keep(text));
  return values;
}
}  // namespace

TEST_CASE("offset values: find, lower_bound and iteration in offset order, as a map", "[check]") {
  const OffsetValues values = values_of({{10, "ten"}, {11, "eleven"}, {13, "thirteen"}});
  REQUIRE(values.size() == 3);
  REQUIRE(*values.find(11)->second == RecordValue::of("eleven"));
  REQUIRE(values.find(12) == values.end());
  REQUIRE(values.count(13) == 1);
  REQUIRE(values.lower_bound(12)->first == 13);
  REQUIRE(values.lower_bound(14) == values.end());
  std::string seen;
  for (const auto& [offset, value] : values) seen += std::to_string(offset) + "=" + std::to_string(value->size_bytes) + " ";
  REQUIRE(seen == "10=3 11=6 13=8 ");
}

TEST_CASE("offset values: a value set out of order is inserted in place, a repeated offset overwrites", "[check]") {
  // 6 as from a segment read after a later one; 7 again: the last set wins, as in a map.
  const OffsetValues values = values_of({{5, "a"}, {7, "c"}, {6, "b"}, {7, "c2"}});
  REQUIRE(values.size() == 3);
  REQUIRE(values.begin()->first == 5);
  REQUIRE(*values.find(6)->second == RecordValue::of("b"));
  REQUIRE(*values.find(7)->second == RecordValue::of("c2"));
  REQUIRE(std::next(values.find(6)) == values.find(7));
}

TEST_CASE("value arena: values stay valid while the arena grows past a chunk, large values included", "[check]") {
  auto arena = std::make_shared<ValueArena>();
  OffsetValues values;
  values.share(arena);
  const std::string large(3 << 20, 'x');  // larger than a chunk
  for (int i = 0; i < 20000; ++i) {
    const std::string text = "value-1-" + std::to_string(i) + std::string(100, '.');
    values.set(i, arena->keep(i == 777 ? large : text));
  }
  arena.reset();  // the values keep the arena alive
  REQUIRE(values.size() == 20000);
  // A value keeps its size and the hash of all of it, and which producer record it is.
  const std::string first = "value-1-0" + std::string(100, '.');
  REQUIRE(values.find(0)->second->size_bytes == first.size());
  REQUIRE(values.find(0)->second->hash == kraftsim::client::record_value_hash(first));
  REQUIRE(values.find(0)->second->describe() == "value-1-0");
  REQUIRE(values.find(777)->second->size_bytes == large.size());
  REQUIRE(values.find(777)->second->hash == kraftsim::client::record_value_hash(large));
  REQUIRE(values.find(777)->second->describe() == "a 3145728-byte value");
  REQUIRE(values.find(19999)->second->record == 19999);
}

TEST_CASE("record values: equal only when the whole texts are, and a producer record only when exactly one", "[check]") {
  const std::string head(40, 'h');
  REQUIRE_FALSE(RecordValue::of(head + "tail-a") == RecordValue::of(head + "tail-b"));
  REQUIRE(RecordValue::of(head + "tail-a") == RecordValue::of(head + "tail-a"));
  REQUIRE(RecordValue::of("").size_bytes == 0);
  // client::producer_value: "value-<producer>-<record>" padded with '.'.
  const RecordValue padded = RecordValue::of("value-1004-12......");
  REQUIRE(padded.producer == 1004);
  REQUIRE(padded.record == 12);
  REQUIRE(RecordValue::of("value-1004-12").record == 12);
  for (const char* other : {"value-1004-12x", "value-1004-", "value--1-2", "value-7", "xvalue-1-2", "value-1-2.x", "value-1-2 "}) {
    INFO(other);
    REQUIRE_FALSE(RecordValue::of(other).is_producer_record());
  }
  REQUIRE_FALSE(RecordValue::of("value-1-2") == RecordValue::of("value-1-2."));  // sizes differ
}

TEST_CASE("offset values: runs shared by replicas, looked up across runs, and an overlapping run wins where it overlaps",
          "[check]") {
  auto arena = std::make_shared<ValueArena>();
  // Two batches' entries, as partition_replicas decodes them once for every replica.
  const auto batch = [&](std::int64_t base, std::initializer_list<const char*> texts) {
    ValueArena::Entry* entries = arena->entries(texts.size());
    std::size_t i = 0;
    for (const char* text : texts) {
      entries[i] = {base + static_cast<std::int64_t>(i), arena->keep(text)};
      ++i;
    }
    return OffsetValues::Run(entries, texts.size());
  };
  const OffsetValues::Run first = batch(0, {"a", "b", "c"});
  const OffsetValues::Run second = batch(3, {"d", "e"});
  OffsetValues leader, follower;
  leader.share(arena);
  follower.share(arena);
  leader.add_run(first);
  leader.add_run(second);
  follower.add_run(first);
  follower.add_run(second.first(1));  // a follower one record behind
  REQUIRE(leader.size() == 5);
  REQUIRE(follower.size() == 4);
  REQUIRE(leader.find(3)->second == follower.find(3)->second);  // one value, shared
  REQUIRE(*leader.lower_bound(2)->second == RecordValue::of("c"));
  REQUIRE(std::next(leader.lower_bound(2))->first == 3);  // across runs
  REQUIRE(follower.find(4) == follower.end());
  REQUIRE(leader.lower_bound(5) == leader.end());
  const auto texts = [](const OffsetValues& values) {
    std::string out;
    for (const auto& [offset, value] : values) {
      for (const char* t : {"a", "b", "c", "d", "e", "B", "C"}) {
        if (*value == RecordValue::of(t)) out += t;
      }
    }
    return out;
  };
  REQUIRE(texts(leader) == "abcde");
  // A run that starts inside the values (a segment read after a later one): the later wins.
  leader.add_run(batch(1, {"B", "C"}));
  REQUIRE(leader.size() == 5);
  REQUIRE(texts(leader) == "aBCde");
}

TEST_CASE("offset values: producer records mark second copies, and are recomputed after a change", "[check]") {
  auto arena = std::make_shared<ValueArena>();
  OffsetValues values;
  values.share(arena);
  values.set(0, arena->keep("value-7-0"));
  values.set(1, arena->keep("other"));
  values.set(2, arena->keep("value-7-1"));
  values.set(3, arena->keep("value-7-0"));
  const auto& first = values.producer_records();
  REQUIRE(first.size() == 3);
  REQUIRE(first[2].offset == 3);
  REQUIRE(first[2].first_offset == 0);  // a second copy of record 0
  REQUIRE(&values.producer_records() == &first);  // kept while the values stand still
  values.set(1, arena->keep("value-8-0"));
  const auto& after = values.producer_records();
  REQUIRE(after.size() == 4);
  REQUIRE(after[1].producer == 8);
  REQUIRE(after[1].offset == 1);
}
