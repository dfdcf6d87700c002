// The values kraftsim's producers write and how a record's value is hashed for comparison.
//
// A producer's n-th record of a run carries "value-<producer>-<n>" padded with '.' to value.bytes,
// so a value names the record it is. Consumers fold each record they read into a digest of
// (offset, value hash), and the end-of-run checkers compare the final logs' values with what
// producers sent and consumers read, by the same hash (record_value_hash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/env/node_id.h"

namespace kraftsim::client {

// "value-<producer>-<seq>" padded with '.' to value_bytes; checkers decode records with it.
std::string producer_value(NodeId producer, std::int64_t seq, std::int64_t value_bytes);

// The unpadded "value-<producer>-<seq>" formatted in place: the producer writes it into two
// history events per record, and formatting it allocated (fmt, then the owned field text).
class ProducerValueText {
 public:
  ProducerValueText(NodeId producer, std::int64_t seq);
  std::string_view view() const { return {text_, size_}; }

 private:
  char text_[48];  // "value-" + two 20-digit integers + '-'
  std::size_t size_ = 0;
};

// A record's value as consumers and checkers compare it.
struct ParsedValue {
  // The producer record it is, when the value is exactly producer_value(producer, seq, size)
  // for some size; -1 and -1 for any other value.
  std::int64_t producer = -1;
  std::int64_t seq = -1;
  // Equal values hash alike. A producer's value hashes as (producer, seq, size), which needs
  // no pass of a multiply chain over its padding (the values of a long run are hundreds of
  // megabytes, hashed by the consumers and again at the end); any other value is hash_string
  // of its bytes. The two kinds are tagged apart, so two different values hash alike only by
  // a 64-bit collision, as with hash_string alone.
  std::uint64_t hash = 0;
  bool is_producer_record() const { return producer >= 0; }
};
ParsedValue parse_record_value(std::string_view value);

inline std::uint64_t record_value_hash(std::string_view value) { return parse_record_value(value).hash; }

// What parse_record_value(producer_value(producer, seq, value_bytes)) gives, without the text:
// the value's size in bytes and its hash. For the end of a run, which knows a batch's records
// from the producer that built it (sim/check/produced_batches.h).
std::size_t producer_value_size(NodeId producer, std::int64_t seq, std::int64_t value_bytes);
std::uint64_t producer_value_hash(std::int64_t producer, std::int64_t seq, std::size_t size_bytes);

}  // namespace kraftsim::client
