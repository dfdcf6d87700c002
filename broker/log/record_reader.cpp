// The bounds-checked cursor of record_reader.h and the wording of decode errors.
#include "broker/log/record_reader.h"

#include <fmt/format.h>

#include "broker/log/varint.h"

namespace kraftsim::log {

std::string_view decode_errc_name(DecodeErrc code) {
  switch (code) {
    case DecodeErrc::truncated: return "truncated";
    case DecodeErrc::unsupported_magic: return "unsupported_magic";
    case DecodeErrc::invalid_batch_length: return "invalid_batch_length";
    case DecodeErrc::crc_mismatch: return "crc_mismatch";
    case DecodeErrc::invalid_attributes: return "invalid_attributes";
    case DecodeErrc::invalid_varint: return "invalid_varint";
    case DecodeErrc::invalid_field: return "invalid_field";
    case DecodeErrc::limit_exceeded: return "limit_exceeded";
    case DecodeErrc::decompression_failed: return "decompression_failed";
    case DecodeErrc::trailing_bytes: return "trailing_bytes";
  }
  return "unknown";
}

std::string describe(const DecodeError& error) {
  const std::string_view region = error.region == ErrorRegion::batch ? "batch" : "decompressed records";
  return fmt::format("{} at {} byte {}: {}", decode_errc_name(error.code), region, error.offset_bytes, error.detail);
}

RecordReader::RecordReader(ByteView bytes, ErrorRegion region, std::uint64_t origin_offset_bytes)
    : bytes_(bytes), region_(region), origin_offset_bytes_(origin_offset_bytes) {}

void RecordReader::fail_at(std::size_t offset_in_view, DecodeErrc code, std::string detail) {
  KS_ASSERT(offset_in_view <= bytes_.size());
  if (failed_) return;
  failed_ = true;
  error_ = DecodeError{code, region_, origin_offset_bytes_ + offset_in_view, std::move(detail)};
  position_ = bytes_.size();  // nothing more is read once the bytes are known bad
}

void RecordReader::fail_with(const RecordReader& nested) {
  KS_ASSERT(nested.failed());
  if (failed_) return;
  failed_ = true;
  error_ = nested.error();
  position_ = bytes_.size();
}

const DecodeError& RecordReader::error() const {
  KS_ASSERT(failed_);
  return error_;
}

void RecordReader::fail_short(std::size_t count, std::string_view field) {
  fail_at(position_, DecodeErrc::truncated, fmt::format("{} needs {} bytes, {} left", field, count, remaining()));
}

std::int32_t RecordReader::read_varint_slow(std::string_view field) {
  if (failed_) return 0;
  const auto read = log::read_varint(bytes_.subspan(position_));
  if (!read.ok()) {
    const bool truncated = read.error() == VarintErrc::truncated;
    fail_at(position_, truncated ? DecodeErrc::truncated : DecodeErrc::invalid_varint,
            fmt::format("{}: varint {}", field, truncated ? "runs past the end" : "longer than 32 bits"));
    return 0;
  }
  position_ += read->size_bytes;
  KS_ASSERT(position_ <= bytes_.size());
  return read->value;
}

std::int64_t RecordReader::read_varlong_slow(std::string_view field) {
  if (failed_) return 0;
  const auto read = log::read_varlong(bytes_.subspan(position_));
  if (!read.ok()) {
    const bool truncated = read.error() == VarintErrc::truncated;
    fail_at(position_, truncated ? DecodeErrc::truncated : DecodeErrc::invalid_varint,
            fmt::format("{}: varlong {}", field, truncated ? "runs past the end" : "longer than 64 bits"));
    return 0;
  }
  position_ += read->size_bytes;
  KS_ASSERT(position_ <= bytes_.size());
  return read->value;
}

RecordReader RecordReader::read_nested(std::size_t count, std::string_view field) {
  const std::size_t start = position_;
  const ByteView view = read_bytes(count, field);
  return RecordReader(view, region_, origin_offset_bytes_ + start);
}

}  // namespace kraftsim::log
