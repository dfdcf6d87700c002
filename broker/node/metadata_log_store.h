// The metadata log (__cluster_metadata-0) on the node's disk: segment files named by their base
// offset as Kafka names them (00000000000000000000.log), and snapshot files named
// <end offset, 20 digits>-<epoch, 10 digits>.checkpoint. It applies the quorum core's LogOps,
// reports which files need an fsync, and recovers the log at start-up: it scans every segment,
// validates every batch and truncates a torn or corrupt tail (nothing after it is trusted).
//
// One raft entry per Kafka record batch (v2, CRC-32C), so a divergent suffix is cut at a batch
// boundary and the files can be read with Kafka's own tools (kafka-dump-log.sh). A LeaderChange
// entry is a control batch whose record key is Kafka's LEADER_CHANGE control key; its value is
// kraftsim's LeaderChange encoding rather than Kafka's LeaderChangeMessage schema (docs say so).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/env/files.h"
#include "broker/raft/output.h"
#include "broker/raft/types.h"

namespace kraftsim::node {

struct RecoveredLog {
  std::vector<raft::Entry> entries;  // contiguous
  std::optional<raft::SnapshotImage> snapshot;
  std::uint64_t truncated_bytes = 0;  // torn or corrupt bytes cut off during recovery
};

class MetadataLogStore {
 public:
  // metadata.log.segment.bytes: a segment rolls once it is at least this big.
  explicit MetadataLogStore(std::uint64_t segment_bytes);

  // Reads every segment and the latest snapshot; repairs torn tails in place.
  Result<RecoveredLog, std::string> recover(env::Files& files);

  // Applies one LogOp to the files (page cache only: durability comes from fsync).
  void apply(env::Files& files, const raft::LogOp& op);
  // Writes a snapshot to its .checkpoint file through a temporary name; returns the final path
  // and the temporary one (the caller fsyncs the temporary file, renames, fsyncs the directory).
  std::string snapshot_path(const raft::SnapshotId& id) const;

  // Segment files written since they were last synced (the caller fsyncs them, in order).
  std::vector<std::string> take_dirty_segments();
  // Whether segment files were created or removed since the last call (the directory then
  // needs an fsync too: a new name is durable only then).
  bool take_directory_dirty();

  std::uint64_t segment_count() const { return segments_.size(); }

 private:
  struct Segment {
    std::string path;
    std::uint64_t size_bytes = 0;
    raft::Offset end_offset = 0;  // one past the last entry in it
    std::vector<std::pair<raft::Offset, std::uint64_t>> positions;  // entry offset -> byte position
  };
  Segment& active_segment(env::Files& files, raft::Offset next_offset);
  void mark_dirty(const std::string& path);
  void remove_segment_file(env::Files& files, const std::string& path);

  std::uint64_t segment_bytes_;
  std::map<raft::Offset, Segment> segments_;  // by base offset
  std::vector<std::string> dirty_;
  bool directory_dirty_ = false;
};

// One raft entry as one Kafka record batch (v2): the batch's base offset is the entry's offset,
// its partition leader epoch the entry's epoch, the control flag marks LeaderChange records.
env::Bytes encode_entry(const raft::Entry& entry);
struct DecodedEntry {
  raft::Entry entry;
  std::uint64_t position = 0;  // byte position of its batch in the segment
};
// Decodes batches from the start until the first invalid or truncated one; valid_bytes says
// where the trustworthy prefix ends.
std::vector<DecodedEntry> decode_segment(env::ByteView bytes, std::uint64_t& valid_bytes);

std::string segment_file_name(raft::Offset base_offset);

}  // namespace kraftsim::node
