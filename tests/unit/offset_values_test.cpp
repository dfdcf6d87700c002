// OffsetValues and ValueArena: the end-of-run checkers' offset -> value view of one replica.
#include <catch2/catch.hpp>

#include <iterator>
#include <memory>
#include <string>

#include "base/hash.h"
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
  REQUIRE(values.find(11)->second->head == "eleven");
  REQUIRE(values.find(12) == values.end());
  REQUIRE(values.count(13) == 1);
  REQUIRE(values.lower_bound(12)->first == 13);
  REQUIRE(values.lower_bound(14) == values.end());
  std::string seen;
  for (const auto& [offset, value] : values) seen += std::to_string(offset) + "=" + std::string(value->head) + " ";
  REQUIRE(seen == "10=ten 11=eleven 13=thirteen ");
}

TEST_CASE("offset values: a value set out of order is inserted in place, a repeated offset overwrites", "[check]") {
  // 6 as from a segment read after a later one; 7 again: the last set wins, as in a map.
  const OffsetValues values = values_of({{5, "a"}, {7, "c"}, {6, "b"}, {7, "c2"}});
  REQUIRE(values.size() == 3);
  REQUIRE(values.begin()->first == 5);
  REQUIRE(values.find(6)->second->head == "b");
  REQUIRE(values.find(7)->second->head == "c2");
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
  // A value keeps its head, its size and the hash of all of it.
  const std::string first = "value-1-0" + std::string(100, '.');
  REQUIRE(values.find(0)->second->head == first.substr(0, RecordValue::head_bytes_max));
  REQUIRE(values.find(0)->second->size_bytes == first.size());
  REQUIRE(values.find(0)->second->hash == kraftsim::hash_string(first));
  REQUIRE(values.find(777)->second->head == large.substr(0, RecordValue::head_bytes_max));
  REQUIRE(values.find(777)->second->size_bytes == large.size());
  REQUIRE(values.find(777)->second->hash == kraftsim::hash_string(large));
  REQUIRE(values.find(19999)->second->head.substr(0, 13) == "value-1-19999");
}

TEST_CASE("record values: equal only when the whole texts are, beyond the head too", "[check]") {
  ValueArena arena;
  const std::string head(RecordValue::head_bytes_max, 'h');
  const RecordValue* a = arena.keep(head + "tail-a");
  const RecordValue* b = arena.keep(head + "tail-b");
  const RecordValue* a_again = arena.keep(head + "tail-a");
  REQUIRE(a->head == b->head);
  REQUIRE_FALSE(*a == *b);
  REQUIRE(*a == *a_again);
  REQUIRE(arena.keep("")->head.empty());
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
  REQUIRE(leader.lower_bound(2)->second->head == "c");
  REQUIRE(std::next(leader.lower_bound(2))->first == 3);  // across runs
  REQUIRE(follower.find(4) == follower.end());
  REQUIRE(leader.lower_bound(5) == leader.end());
  std::string seen;
  for (const auto& [offset, value] : leader) seen += std::string(value->head);
  REQUIRE(seen == "abcde");
  // A run that starts inside the values (a segment read after a later one): the later wins.
  leader.add_run(batch(1, {"B", "C"}));
  REQUIRE(leader.size() == 5);
  seen.clear();
  for (const auto& [offset, value] : leader) seen += std::string(value->head);
  REQUIRE(seen == "aBCde");
}
