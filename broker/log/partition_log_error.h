// The error values of a partition log: what a caller (the replication layer, a fetch handler,
// a test) is told when a request cannot be served. Each code maps to the Kafka error or exception
// a broker would produce in the same situation, so the layers above can answer the client with
// Kafka's error name. Broken invariants of the log itself are assertions, never these values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kraftsim::log {

enum class LogErrc {
  offset_out_of_range,       // OFFSET_OUT_OF_RANGE: below the log start offset or above the log end
  corrupt_message,           // CORRUPT_MESSAGE: a batch fails its CRC or header checks
  invalid_record,            // INVALID_RECORD: a well-formed batch the log cannot take as it is
  record_batch_too_large,    // RECORD_BATCH_TOO_LARGE: a batch larger than a whole segment
  record_list_too_large,     // RECORD_LIST_TOO_LARGE: one append call above append_bytes_max
  unexpected_append_offset,  // a follower's batches do not start at our log end (Kafka's
                             // UnexpectedAppendOffsetException, never sent on the wire)
  storage_error,             // KAFKA_STORAGE_ERROR: the disk failed a read or a write
  invalid_argument,          // a bad topic name, partition number or read size
  too_many_segments,         // the log would pass partition_log_segments_max
  out_of_order_sequence_number,  // OUT_OF_ORDER_SEQUENCE_NUMBER: an idempotent producer's gap (KIP-98)
  invalid_producer_epoch,        // INVALID_PRODUCER_EPOCH: a batch from a fenced producer epoch
};

// Kafka's name of the error ("OFFSET_OUT_OF_RANGE", ...), for traces and client answers.
std::string_view log_errc_name(LogErrc code);

struct LogError {
  LogErrc code = LogErrc::storage_error;
  std::string message;  // what was wrong, with the offsets, sizes or paths involved

  bool operator==(const LogError&) const = default;
};

// "OFFSET_OUT_OF_RANGE: offset 3 is below the log start offset 10"
std::string describe(const LogError& error);

// Success or a LogError, for operations without a value. Default-constructed means success.
struct [[nodiscard]] LogStatus {
  std::optional<LogError> error;

  static LogStatus success() { return {}; }
  static LogStatus failure(LogErrc code, std::string message) { return LogStatus{LogError{code, std::move(message)}}; }
  bool ok() const { return !error.has_value(); }
  explicit operator bool() const { return ok(); }
};

}  // namespace kraftsim::log
