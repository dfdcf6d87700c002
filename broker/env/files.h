// The node's view of its own disk: a small POSIX-like file API whose errors are values.
//
// Semantics every implementation must keep (the simulator's sim::Disk and a future real one):
// - A write is visible to reads at once (it sits in the OS page cache) but durable only after
//   fsync of the file; creating, renaming or removing a name is durable only after fsync_dir of
//   its directory. A process kill keeps the page cache; a power loss keeps only durable state.
// - Paths are '/'-separated, relative to the node's data root, without "." or ".." parts.
//   Directories exist implicitly as prefixes of file paths (like an object store), so no mkdir.
// - Writes never leave holes: write_at requires offset <= size.
// - No call throws; every failure is an IoStatus / IoResult error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/callback.h"
#include "base/result.h"

namespace kraftsim::env {

enum class IoErrc {
  not_found,         // no such file
  already_exists,    // create_exclusive on an existing name
  disk_full,         // the write needs more space than is free; nothing was written
  io_error,          // a latent read error (EIO) on a range of the file
  invalid_argument,  // bad path, offset beyond the end, ...
};

const char* to_string(IoErrc errc);

struct IoError {
  IoErrc code;
  std::string path;
  bool operator==(const IoError&) const = default;
};

template <typename T>
using IoResult = Result<T, IoError>;

// Success, or the error. Default-constructed means success.
struct [[nodiscard]] IoStatus {
  bool ok() const { return !failed; }
  explicit operator bool() const { return ok(); }
  static IoStatus success() { return {}; }
  static IoStatus failure(IoErrc code, std::string path) { return IoStatus{true, IoError{code, std::move(path)}}; }
  bool failed = false;
  IoError error{IoErrc::invalid_argument, {}};
};

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Completion of an asynchronous fsync; runs later, on the node, unless the node died first.
using SyncDone = Callback<void(IoStatus), 64>;
// Completion of an asynchronous read (its latency depends on page-cache misses).
using ReadDone = Callback<void(IoResult<Bytes>), 64>;

class Files {
 public:
  virtual ~Files() = default;

  virtual bool exists(std::string_view path) const = 0;
  virtual IoResult<std::uint64_t> size(std::string_view path) const = 0;
  // Sorted names (not paths) of the files and subdirectories directly inside dir ("" = root).
  virtual std::vector<std::string> list(std::string_view dir) const = 0;

  // Creates an empty file; fails with already_exists if the name exists.
  virtual IoStatus create_exclusive(std::string_view path) = 0;
  // Appends at the end, creating the file if it does not exist.
  virtual IoStatus append(std::string_view path, ByteView bytes) = 0;
  // Overwrites/extends at offset (offset <= size); creates the file when offset == 0 and absent.
  virtual IoStatus write_at(std::string_view path, std::uint64_t offset, ByteView bytes) = 0;
  // Reads up to length bytes at offset (short at the end of the file).
  virtual IoResult<Bytes> read(std::string_view path, std::uint64_t offset, std::uint64_t length) = 0;
  virtual IoStatus truncate(std::string_view path, std::uint64_t new_size) = 0;
  // Atomically replaces `to` (if present) by `from`.
  virtual IoStatus rename(std::string_view from, std::string_view to) = 0;
  virtual IoStatus remove(std::string_view path) = 0;

  // Durability. Completion comes later in virtual time (fsync latency, slow-disk faults).
  virtual void fsync(std::string_view path, SyncDone done) = 0;
  virtual void fsync_dir(std::string_view dir, SyncDone done) = 0;
  // Read that pays page-cache-miss latency: completes at once when every page is cached.
  virtual void read_async(std::string_view path, std::uint64_t offset, std::uint64_t length,
                          ReadDone done) = 0;
};

}  // namespace kraftsim::env
