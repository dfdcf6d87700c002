// CRC-32C (Castagnoli), the checksum of a Kafka record batch (magic 2). Kafka computes it with
// java.util.zip.CRC32C (Crc32C.compute in DefaultRecordBatch) over the bytes from the attributes
// field to the end of the batch. This file only computes the checksum; which bytes it covers is
// record_batch.cpp's business.
#pragma once

#include <cstdint>
#include <span>

namespace kraftsim::log {

// CRC-32C of `bytes`: polynomial 0x1EDC6F41, reflected, initial value and final xor 0xFFFFFFFF.
// Check value: crc32c("123456789") == 0xE3069283.
// Uses the CPU's CRC32 instruction where there is one (SSE4.2), else crc32c_reference.
std::uint32_t crc32c(std::span<const std::uint8_t> bytes);
// The same checksum through Boost.CRC's table: the reference the fast path is tested against.
std::uint32_t crc32c_reference(std::span<const std::uint8_t> bytes);

}  // namespace kraftsim::log
