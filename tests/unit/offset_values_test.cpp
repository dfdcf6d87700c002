// OffsetValues and ValueArena: the end-of-run checkers' offset -> value view of one replica.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "sim/check/offset_values.h"

using kraftsim::check::OffsetValues;
using kraftsim::check::ValueArena;

TEST_CASE("offset values: find, lower_bound and iteration in offset order, as a map", "[check]") {
  auto arena = std::make_shared<ValueArena>();
  OffsetValues values;
  values.share(arena);
  values.set(10, arena->keep("ten"));
  values.set(11, arena->keep("eleven"));
  values.set(13, arena->keep("thirteen"));
  REQUIRE(values.size() == 3);
  REQUIRE(values.find(11)->second == "eleven");
  REQUIRE(values.find(12) == values.end());
  REQUIRE(values.count(13) == 1);
  REQUIRE(values.lower_bound(12)->first == 13);
  REQUIRE(values.lower_bound(14) == values.end());
  std::string seen;
  for (const auto& [offset, value] : values) seen += std::to_string(offset) + "=" + std::string(value) + " ";
  REQUIRE(seen == "10=ten 11=eleven 13=thirteen ");
}

TEST_CASE("offset values: a value set out of order is inserted in place, a repeated offset overwrites", "[check]") {
  auto arena = std::make_shared<ValueArena>();
  OffsetValues values;
  values.share(arena);
  values.set(5, arena->keep("a"));
  values.set(7, arena->keep("c"));
  values.set(6, arena->keep("b"));  // a segment read after a later one
  values.set(7, arena->keep("c2"));  // the last set wins, as assignment in a map
  REQUIRE(values.size() == 3);
  REQUIRE(values.begin()->first == 5);
  REQUIRE(values.find(6)->second == "b");
  REQUIRE(values.find(7)->second == "c2");
  REQUIRE(values.find(6) + 1 == values.find(7));
}

TEST_CASE("value arena: views stay valid while the arena grows past a chunk, large values included", "[check]") {
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
  REQUIRE(values.find(0)->second == "value-1-0" + std::string(100, '.'));
  REQUIRE(values.find(777)->second == large);
  REQUIRE(values.find(19999)->second == "value-1-19999" + std::string(100, '.'));
}
