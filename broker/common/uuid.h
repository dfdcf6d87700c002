// Kafka's Uuid as used for cluster.id and topic ids: 16 bytes shown as URL-safe base64 without
// padding (22 characters), e.g. "tUeiYSM4QW2qCFizw1jz8Q". Mirrors org.apache.kafka.common.Uuid:
// the all-zero UUID and the "one" UUID (0, 1) are reserved, and random ids never start with '-'
// (so they cannot be mistaken for a command-line flag).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace kraftsim {

using UuidBytes = std::array<std::uint8_t, 16>;

std::string uuid_to_string(const UuidBytes& bytes);
// Parses the 22-character form; the error says what was wrong.
Result<UuidBytes, std::string> uuid_from_string(std::string_view text);
bool uuid_is_reserved(const UuidBytes& bytes);  // zero or "one"

// Kafka's Uuid.randomUuid(): a version-4 UUID (java.util.UUID.randomUUID()), drawn again while
// it is reserved or its string starts with '-'. `next_u64` supplies the random words.
UuidBytes random_uuid(const std::function<std::uint64_t()>& next_u64);

}  // namespace kraftsim
