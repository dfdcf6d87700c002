// Kafka's DefaultRecord (message format v2) encoding and validating decoding.
#include "broker/log/record.h"

#include <fmt/format.h>

#include "broker/log/varint.h"

namespace kraftsim::log {
namespace {

// Kafka writes -1 for a null key or value; any other negative length is corruption.
constexpr std::int32_t null_length = -1;

std::size_t nullable_size_bytes(const std::optional<ByteView>& bytes) {
  if (!bytes.has_value()) return varint_size_bytes(null_length);
  return varint_size_bytes(static_cast<std::int32_t>(bytes->size())) + bytes->size();
}

void append_nullable(Bytes& out, const std::optional<ByteView>& bytes) {
  if (!bytes.has_value()) {
    append_varint(out, null_length);
    return;
  }
  append_varint(out, static_cast<std::int32_t>(bytes->size()));
  out.insert(out.end(), bytes->begin(), bytes->end());
}

std::optional<ByteView> view_of(const std::optional<Bytes>& bytes) {
  return bytes ? std::optional<ByteView>(ByteView(*bytes)) : std::nullopt;
}

// Reads a length-prefixed byte string; -1 is null. `size_bytes_max` is our limit for it.
// nullopt for null and on failure (the caller asks the reader which).
std::optional<ByteView> read_nullable(RecordReader& reader, std::size_t size_bytes_max, std::string_view field) {
  const std::size_t length_position = reader.position();
  const std::int32_t length = reader.read_varint(field);
  if (reader.failed() || length == null_length) return std::nullopt;
  if (length < 0) {
    reader.fail_at(length_position, DecodeErrc::invalid_field, fmt::format("{} length {} is negative", field, length));
    return std::nullopt;
  }
  if (static_cast<std::size_t>(length) > size_bytes_max) {
    reader.fail_at(length_position, DecodeErrc::limit_exceeded,
                   fmt::format("{} length {} exceeds the limit of {} bytes", field, length, size_bytes_max));
    return std::nullopt;
  }
  const ByteView bytes = reader.read_bytes(static_cast<std::size_t>(length), field);
  if (reader.failed()) return std::nullopt;
  return bytes;
}

std::optional<Bytes> owned(const std::optional<ByteView>& view) {
  if (!view.has_value()) return std::nullopt;
  return Bytes(view->begin(), view->end());
}

std::optional<HeaderView> read_header(RecordReader& reader) {
  const std::size_t key_length_position = reader.position();
  const std::int32_t key_length = reader.read_varint("header key length");
  if (reader.failed()) return std::nullopt;
  if (key_length < 0) {
    // Kafka: "Invalid negative header key size".
    reader.fail_at(key_length_position, DecodeErrc::invalid_field,
                   fmt::format("header key length {} is negative", key_length));
    return std::nullopt;
  }
  if (static_cast<std::size_t>(key_length) > header_key_bytes_max) {
    reader.fail_at(key_length_position, DecodeErrc::limit_exceeded,
                   fmt::format("header key length {} exceeds the limit of {} bytes", key_length, header_key_bytes_max));
    return std::nullopt;
  }
  const ByteView key = reader.read_bytes(static_cast<std::size_t>(key_length), "header key");
  std::optional<ByteView> value = read_nullable(reader, header_value_bytes_max, "header value");
  if (reader.failed()) return std::nullopt;
  return HeaderView{std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), value};
}

// Reads the fields of a record from a reader over exactly its body.
std::optional<RecordView> read_record_body(RecordReader& body) {
  RecordView record;
  const std::int8_t attributes = body.read_int8("record attributes");
  if (body.failed()) return std::nullopt;
  if (attributes != 0) {
    // Magic v2 defines no record attribute bits; Kafka always writes 0.
    body.fail_at(0, DecodeErrc::invalid_attributes, fmt::format("record attributes {:#04x} are not 0", static_cast<std::uint8_t>(attributes)));
    return std::nullopt;
  }
  record.timestamp_delta = body.read_varlong("timestamp delta");
  record.offset_delta = body.read_varint("offset delta");
  record.key = read_nullable(body, record_key_bytes_max, "key");
  record.value = read_nullable(body, record_value_bytes_max, "value");
  const std::size_t header_count_position = body.position();
  const std::int32_t header_count = body.read_varint("header count");
  if (body.failed()) return std::nullopt;
  if (header_count < 0) {
    body.fail_at(header_count_position, DecodeErrc::invalid_field,
                 fmt::format("header count {} is negative", header_count));
    return std::nullopt;
  }
  if (static_cast<std::size_t>(header_count) > record_headers_max) {
    body.fail_at(header_count_position, DecodeErrc::limit_exceeded,
                 fmt::format("header count {} exceeds the limit of {}", header_count, record_headers_max));
    return std::nullopt;
  }
  if (static_cast<std::size_t>(header_count) > body.remaining() / header_size_bytes_min) {
    body.fail_at(header_count_position, DecodeErrc::truncated,
                 fmt::format("header count {} cannot fit in the {} bytes left", header_count, body.remaining()));
    return std::nullopt;
  }
  record.headers.reserve(static_cast<std::size_t>(header_count));
  for (std::int32_t i = 0; i < header_count; ++i) {
    std::optional<HeaderView> header = read_header(body);
    if (!header.has_value()) return std::nullopt;
    record.headers.push_back(*header);
  }
  if (body.remaining() != 0) {
    // Kafka: "Invalid record size: expected to read N bytes in record payload, but instead read M".
    body.fail_at(body.position(), DecodeErrc::invalid_field,
                 fmt::format("record length leaves {} bytes after the last header", body.remaining()));
    return std::nullopt;
  }
  return record;
}

}  // namespace

RecordFields RecordFields::of(const Record& record) {
  return RecordFields{record.timestamp_delta, record.offset_delta, view_of(record.key), view_of(record.value),
                      std::span<const Header>(record.headers)};
}

std::optional<std::string> check_record_limits(const RecordFields& record) {
  if (record.key.has_value() && record.key->size() > record_key_bytes_max) {
    return fmt::format("key of {} bytes exceeds the limit of {} bytes", record.key->size(), record_key_bytes_max);
  }
  if (record.value.has_value() && record.value->size() > record_value_bytes_max) {
    return fmt::format("value of {} bytes exceeds the limit of {} bytes", record.value->size(), record_value_bytes_max);
  }
  if (record.headers.size() > record_headers_max) {
    return fmt::format("{} headers exceed the limit of {}", record.headers.size(), record_headers_max);
  }
  for (const Header& header : record.headers) {
    if (header.key.size() > header_key_bytes_max) {
      return fmt::format("header key of {} bytes exceeds the limit of {} bytes", header.key.size(), header_key_bytes_max);
    }
    if (header.value.has_value() && header.value->size() > header_value_bytes_max) {
      return fmt::format("header value of {} bytes exceeds the limit of {} bytes", header.value->size(),
                         header_value_bytes_max);
    }
  }
  // Every part is bounded now, so the sum cannot overflow.
  const std::size_t size_bytes = record_size_bytes_of_body(record_body_size_bytes(record));
  if (size_bytes > record_size_bytes_max) {
    return fmt::format("record of {} bytes exceeds the limit of {} bytes", size_bytes, record_size_bytes_max);
  }
  return std::nullopt;
}

std::optional<std::string> check_record_limits(const Record& record) { return check_record_limits(RecordFields::of(record)); }

std::size_t record_body_size_bytes(const RecordFields& record) {
  std::size_t size_bytes = 1;  // attributes
  size_bytes += varlong_size_bytes(record.timestamp_delta);
  size_bytes += varint_size_bytes(record.offset_delta);
  size_bytes += nullable_size_bytes(record.key);
  size_bytes += nullable_size_bytes(record.value);
  size_bytes += varint_size_bytes(static_cast<std::int32_t>(record.headers.size()));
  for (const Header& header : record.headers) {
    size_bytes += varint_size_bytes(static_cast<std::int32_t>(header.key.size())) + header.key.size();
    size_bytes += nullable_size_bytes(view_of(header.value));
  }
  return size_bytes;
}

std::size_t record_body_size_bytes(const Record& record) { return record_body_size_bytes(RecordFields::of(record)); }

std::size_t record_size_bytes_of_body(std::size_t body_bytes) {
  KS_ASSERT(body_bytes <= 0x7FFFFFFF);
  return varint_size_bytes(static_cast<std::int32_t>(body_bytes)) + body_bytes;
}

std::size_t record_size_bytes(const Record& record) { return record_size_bytes_of_body(record_body_size_bytes(record)); }

void append_record(Bytes& out, const Record& record) {
  const RecordFields fields = RecordFields::of(record);
  KS_ASSERT(!check_record_limits(fields).has_value());
  append_record(out, fields, record_body_size_bytes(fields));
}

void append_record(Bytes& out, const RecordFields& record, std::size_t body_bytes) {
  KS_ASSERT(body_bytes == record_body_size_bytes(record));
  const std::size_t size_before = out.size();
  append_varint(out, static_cast<std::int32_t>(body_bytes));
  append_int8(out, 0);  // attributes: none defined in magic v2
  append_varlong(out, record.timestamp_delta);
  append_varint(out, record.offset_delta);
  append_nullable(out, record.key);
  append_nullable(out, record.value);
  append_varint(out, static_cast<std::int32_t>(record.headers.size()));
  for (const Header& header : record.headers) {
    append_varint(out, static_cast<std::int32_t>(header.key.size()));
    out.insert(out.end(), header.key.begin(), header.key.end());
    append_nullable(out, view_of(header.value));
  }
  // The length prefix was computed before writing: the two must agree.
  KS_ASSERT(out.size() - size_before == record_size_bytes_of_body(body_bytes));
}

Record RecordView::to_record() const {
  Record record;
  record.timestamp_delta = timestamp_delta;
  record.offset_delta = offset_delta;
  record.key = owned(key);
  record.value = owned(value);
  record.headers.reserve(headers.size());
  for (const HeaderView& header : headers) record.headers.push_back(Header{std::string(header.key), owned(header.value)});
  return record;
}

std::optional<RecordView> read_record_view(RecordReader& reader) {
  if (reader.failed()) return std::nullopt;
  const std::size_t length_position = reader.position();
  const std::int32_t body_bytes = reader.read_varint("record length");
  if (reader.failed()) return std::nullopt;
  if (body_bytes < 0) {
    reader.fail_at(length_position, DecodeErrc::invalid_field, fmt::format("record length {} is negative", body_bytes));
    return std::nullopt;
  }
  const std::size_t size_bytes = varint_size_bytes(body_bytes) + static_cast<std::size_t>(body_bytes);
  if (size_bytes > record_size_bytes_max) {
    reader.fail_at(length_position, DecodeErrc::limit_exceeded,
                   fmt::format("record of {} bytes exceeds the limit of {} bytes", size_bytes, record_size_bytes_max));
    return std::nullopt;
  }
  RecordReader body = reader.read_nested(static_cast<std::size_t>(body_bytes), "record");
  if (reader.failed()) return std::nullopt;
  std::optional<RecordView> record = read_record_body(body);
  if (!record.has_value()) {
    reader.fail_with(body);
    return std::nullopt;
  }
  KS_ASSERT(!body.failed());
  return record;
}

}  // namespace kraftsim::log
