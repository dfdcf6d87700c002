// CRC-32C: the fast path (the CPU's CRC32 instruction) gives Boost.CRC's result for every input,
// at every length and alignment, and the standard check value.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "broker/log/crc32c.h"

using kraftsim::log::crc32c;
using kraftsim::log::crc32c_reference;

TEST_CASE("crc32c: the check value of RFC 3720", "[crc32c]") {
  const std::string text = "123456789";
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  REQUIRE(crc32c(bytes) == 0xE3069283u);
  REQUIRE(crc32c_reference(bytes) == 0xE3069283u);
  REQUIRE(crc32c({}) == crc32c_reference({}));
}

TEST_CASE("crc32c property: the fast path equals Boost.CRC at every length and offset", "[crc32c]") {
  rc::prop("fast == reference", [](const std::vector<std::uint8_t>& data) {
    const auto offset = *rc::gen::inRange<std::size_t>(0, std::min<std::size_t>(data.size(), 8) + 1);
    const std::span<const std::uint8_t> bytes(data.data() + offset, data.size() - offset);
    RC_ASSERT(crc32c(bytes) == crc32c_reference(bytes));
  });
}
