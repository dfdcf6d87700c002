// Kafka Uuid strings (cluster.id): base64url without padding, reserved values, random ids.
#include <catch2/catch.hpp>

#include "base/random.h"
#include "broker/common/uuid.h"

using namespace kraftsim;

TEST_CASE("the seed document's cluster ids parse and print back unchanged", "[uuid]") {
  for (const char* id : {"tUeiYSM4QW2qCFizw1jz8Q", "O0l-HBAiRmawtFPn_H4l8w"}) {
    auto bytes = uuid_from_string(id);
    REQUIRE(bytes.ok());
    REQUIRE(uuid_to_string(*bytes) == id);
  }
  REQUIRE(uuid_to_string(UuidBytes{}) == "AAAAAAAAAAAAAAAAAAAAAA");
  REQUIRE(uuid_is_reserved(UuidBytes{}));
  UuidBytes one{};
  one[15] = 1;
  REQUIRE(uuid_is_reserved(one));
  REQUIRE(uuid_to_string(one) == "AAAAAAAAAAAAAAAAAAAAAQ");
}

TEST_CASE("malformed cluster ids are rejected with a reason", "[uuid]") {
  REQUIRE_FALSE(uuid_from_string("short").ok());
  REQUIRE(uuid_from_string("short").error().find("22") != std::string::npos);
  REQUIRE_FALSE(uuid_from_string("tUeiYSM4QW2qCFizw1jz8*").ok());
  REQUIRE_FALSE(uuid_from_string("tUeiYSM4QW2qCFizw1jz8R").ok());  // non-zero padding bits
}

TEST_CASE("random uuids are version 4, never reserved, never start with '-'", "[uuid]") {
  Rng rng(99);
  int dash_rejections_possible = 0;
  for (int i = 0; i < 5000; ++i) {
    const auto b = random_uuid([&] { return rng.next_u64(); });
    const auto s = uuid_to_string(b);
    REQUIRE(s.size() == 22);
    REQUIRE(s[0] != '-');
    REQUIRE((b[6] >> 4) == 4);
    REQUIRE((b[8] & 0xc0) == 0x80);
    dash_rejections_possible += s[0] == '-' ? 1 : 0;
  }
  REQUIRE(dash_rejections_possible == 0);
  // A source that first yields a '-' id: the draw is repeated. 0xF8 in the first byte encodes
  // to '-' (62 = 0b111110).
  int calls = 0;
  const auto b = random_uuid([&] { return calls++ < 2 ? 0xF800000000000000ULL : 0x1234567812345678ULL; });
  REQUIRE(calls == 4);
  REQUIRE(uuid_to_string(b)[0] != '-');
}
