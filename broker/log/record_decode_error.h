// What is wrong with a record batch read from disk or the network, and where. Such bytes are
// outside input: every defect is an error value (never an assertion), located precisely
// enough to find the byte in a hex dump of the batch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kraftsim::log {

enum class DecodeErrc {
  truncated,             // the bytes end before a field or before the declared batch length
  unsupported_magic,     // not magic 2 (message format v0/v1 are not modelled)
  invalid_batch_length,  // batchLength below the header size, or not matching the bytes given
  crc_mismatch,          // stored CRC-32C differs from the one computed over attributes..end
  invalid_attributes,    // unknown codec id or reserved bits set (batch or record attributes)
  invalid_varint,        // a varint longer than its type allows
  invalid_field,         // a value no writer produces: negative length, offsets out of order ...
  limit_exceeded,        // a count or size above kraftsim's limits (record_batch.h, record.h)
  decompression_failed,  // the codec rejected the records section
  trailing_bytes,        // bytes left after the declared records
};

// Which byte sequence `DecodeError::offset_bytes` counts in.
enum class ErrorRegion {
  batch,                 // the batch as stored: byte 0 is the first byte of baseOffset
  decompressed_records,  // the records section after decompression (compressed batches only)
};

struct DecodeError {
  DecodeErrc code = DecodeErrc::truncated;
  ErrorRegion region = ErrorRegion::batch;
  std::uint64_t offset_bytes = 0;  // where the offending field starts, in `region`
  std::string detail;              // what was expected and what was found

  bool operator==(const DecodeError&) const = default;
};

std::string_view decode_errc_name(DecodeErrc code);

// One line for logs and test failures, e.g.
// "crc_mismatch at batch byte 17: stored 0x1234abcd, computed 0x5678ef01".
std::string describe(const DecodeError& error);

}  // namespace kraftsim::log
