// client::parse_record_value: which values are a producer's records, and that the hash the
// consumers' digests and the end-of-run checkers compare tells any two different values apart,
// a producer's value (hashed by what it names, not by its bytes) included.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "base/hash.h"
#include "broker/client/record_value.h"

using namespace kraftsim;
using namespace kraftsim::client;

TEST_CASE("record value: a producer's value names its record, padded to any size", "[client]") {
  for (const std::int64_t size : {0, 9, 63, 64, 65, 200, 1000}) {
    const std::string v = producer_value(1004, 12, size);
    INFO(v);
    const ParsedValue p = parse_record_value(v);
    REQUIRE(p.is_producer_record());
    REQUIRE(p.producer == 1004);
    REQUIRE(p.seq == 12);
    REQUIRE(p.hash == record_value_hash(producer_value(1004, 12, size)));
  }
  REQUIRE(parse_record_value("value-0-0").seq == 0);
}

TEST_CASE("record value: only the exact form is a producer record", "[client]") {
  std::string dirty = producer_value(7, 3, 200);
  dirty[150] = 'x';  // past the first 64-byte block of padding
  const std::string overflow = "value-99999999999999999999-1";
  for (const std::string& other : {std::string("value-07-1"), std::string("value-7-01"), std::string("value-+7-1"),
                                   std::string("value--1-2"), std::string("value-7"), std::string("value-7-"),
                                   std::string("xvalue-1-2"), std::string("value-1-2.x"), std::string("value-1-2 "),
                                   std::string("Value-1-2"), overflow, dirty, std::string()}) {
    INFO(other);
    REQUIRE_FALSE(parse_record_value(other).is_producer_record());
  }
}

TEST_CASE("record value: different values hash apart, the near misses of a producer's value included", "[client]") {
  const std::string base = producer_value(7, 3, 200);
  std::string dirty = base;
  dirty[199] = ',';
  const std::set<std::uint64_t> hashes = {
      record_value_hash(base),
      record_value_hash(producer_value(7, 3, 201)),   // another size
      record_value_hash(producer_value(7, 4, 200)),   // another record
      record_value_hash(producer_value(8, 3, 200)),   // another producer
      record_value_hash(producer_value(73, 0, 200)),  // the same digits regrouped
      record_value_hash(dirty),
      record_value_hash("value-07-3"),
      record_value_hash(""),
      record_value_hash("other"),
  };
  REQUIRE(hashes.size() == 9);
  // Any other value is hashed by its bytes.
  REQUIRE(record_value_hash("other") != kraftsim::hash_string("other"));  // tagged apart
  REQUIRE(record_value_hash("other") == record_value_hash(std::string("other")));
}
