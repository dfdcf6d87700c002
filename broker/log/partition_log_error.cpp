// Names and descriptions of partition log errors (see partition_log_error.h).
#include "broker/log/partition_log_error.h"

#include <fmt/format.h>

namespace kraftsim::log {

std::string_view log_errc_name(LogErrc code) {
  switch (code) {
    case LogErrc::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
    case LogErrc::corrupt_message: return "CORRUPT_MESSAGE";
    case LogErrc::invalid_record: return "INVALID_RECORD";
    case LogErrc::record_batch_too_large: return "RECORD_BATCH_TOO_LARGE";
    case LogErrc::record_list_too_large: return "RECORD_LIST_TOO_LARGE";
    case LogErrc::unexpected_append_offset: return "UNEXPECTED_APPEND_OFFSET";
    case LogErrc::storage_error: return "KAFKA_STORAGE_ERROR";
    case LogErrc::invalid_argument: return "INVALID_ARGUMENT";
    case LogErrc::too_many_segments: return "TOO_MANY_SEGMENTS";
    case LogErrc::out_of_order_sequence_number: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case LogErrc::invalid_producer_epoch: return "INVALID_PRODUCER_EPOCH";
  }
  return "UNKNOWN";
}

std::string describe(const LogError& error) {
  return fmt::format("{}: {}", log_errc_name(error.code), error.message);
}

}  // namespace kraftsim::log
