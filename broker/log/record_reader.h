// A bounds-checked cursor over outside bytes for the record codecs: big-endian fixed-width
// integers, Kafka varints and byte strings. It never reads past its view. The first failure
// sticks (later reads return zero and empty views and change nothing), so a decoder may read
// a group of fields and check `failed()` once; zero sizes keep it from allocating on garbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/log/record_bytes.h"
#include "broker/log/record_decode_error.h"
#include "broker/log/varint.h"

namespace kraftsim::log {

class RecordReader {
 public:
  // `origin_offset_bytes` is the offset of bytes[0] in `region`, so errors name the byte in
  // the whole batch (or in the whole decompressed records section).
  RecordReader(ByteView bytes, ErrorRegion region, std::uint64_t origin_offset_bytes);

  // The fixed-width reads and read_bytes are inline: the codecs call them for every field of
  // every record (docs/PERFORMANCE.md); only the failure path is out of line.
  std::int8_t read_int8(std::string_view field) { return static_cast<std::int8_t>(read_big_endian(1, field)); }
  std::int16_t read_int16(std::string_view field) { return static_cast<std::int16_t>(read_big_endian(2, field)); }
  std::int32_t read_int32(std::string_view field) { return static_cast<std::int32_t>(read_big_endian(4, field)); }
  std::uint32_t read_uint32(std::string_view field) { return static_cast<std::uint32_t>(read_big_endian(4, field)); }
  std::int64_t read_int64(std::string_view field) { return static_cast<std::int64_t>(read_big_endian(8, field)); }
  // Most varints of a record are one byte (small lengths and deltas): that case is inline.
  std::int32_t read_varint(std::string_view field) {
    if (!failed_ && position_ < bytes_.size() && (bytes_[position_] & 0x80) == 0) {
      return zigzag_decode(static_cast<std::uint32_t>(bytes_[position_++]));
    }
    return read_varint_slow(field);
  }
  std::int64_t read_varlong(std::string_view field) {
    if (!failed_ && position_ < bytes_.size() && (bytes_[position_] & 0x80) == 0) {
      return zigzag_decode(static_cast<std::uint64_t>(bytes_[position_++]));
    }
    return read_varlong_slow(field);
  }
  ByteView read_bytes(std::size_t count, std::string_view field) {
    if (!ensure(count, field)) return {};
    const ByteView view = bytes_.subspan(position_, count);
    position_ += count;
    return view;
  }

  // A reader over the next `count` bytes, which this reader then skips. A record is read
  // through one, so that no field of it can run past its declared length.
  RecordReader read_nested(std::size_t count, std::string_view field);

  // Records an error at `offset_in_view` (a position of this reader's view). First one wins.
  void fail_at(std::size_t offset_in_view, DecodeErrc code, std::string detail);
  // Takes over the error of a nested reader.
  void fail_with(const RecordReader& nested);

  bool failed() const { return failed_; }
  const DecodeError& error() const;
  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }

 private:
  bool ensure(std::size_t count, std::string_view field) {
    if (failed_) return false;
    if (count <= remaining()) return true;
    fail_short(count, field);
    return false;
  }
  std::int32_t read_varint_slow(std::string_view field);
  std::int64_t read_varlong_slow(std::string_view field);
  // Records that `field` needs `count` bytes and fewer are left.
  void fail_short(std::size_t count, std::string_view field);
  std::uint64_t read_big_endian(std::size_t width_bytes, std::string_view field) {
    if (!ensure(width_bytes, field)) return 0;
    const std::uint64_t value = load_big_endian(bytes_, position_, width_bytes);
    position_ += width_bytes;
    return value;
  }

  ByteView bytes_;
  ErrorRegion region_;
  std::uint64_t origin_offset_bytes_;
  std::size_t position_ = 0;
  bool failed_ = false;
  DecodeError error_;
};

}  // namespace kraftsim::log
