// Property tests of sim::Disk: random operation sequences checked against a reference model that
// simply copies files on every sync, and the durability promises Kafka relies on (synced data
// survives power loss, unsynced data does not, a process crash keeps everything), plus faults.
#include "sim/world/disk.h"
#include "sim/world/recent_reads.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <array>
#include <bit>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace kraftsim::sim {
namespace {

using env::Bytes;
using env::IoErrc;

// Few names so that random operations collide often; no name is a directory of another.
constexpr std::array<const char*, 5> test_paths = {"a.log", "b.log", "d/x.log", "d/y.log", "d/e/z.log"};
constexpr std::array<const char*, 3> test_dirs = {"", "d", "d/e"};

enum class OpKind { create, append, write_at, truncate, rename, remove, sync_file, sync_dir, read, crash,
                    drop_caches, set_capacity, power_loss };

// A random operation; its numbers are resolved against the disk's state when it runs.
struct Op {
  OpKind kind = OpKind::append;
  int path = 0;                // index into test_paths
  int other_path = 0;          // rename target, index into test_paths
  int dir = 0;                 // index into test_dirs
  std::uint32_t amount = 0;    // bytes to write or read, capacity slack
  std::uint32_t position = 0;  // offset or new size, taken modulo a bound near the file size
  std::uint8_t fill = 0;       // seed of the written bytes
};

const char* kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::create: return "create";
    case OpKind::append: return "append";
    case OpKind::write_at: return "write_at";
    case OpKind::truncate: return "truncate";
    case OpKind::rename: return "rename";
    case OpKind::remove: return "remove";
    case OpKind::sync_file: return "sync_file";
    case OpKind::sync_dir: return "sync_dir";
    case OpKind::read: return "read";
    case OpKind::crash: return "crash";
    case OpKind::drop_caches: return "drop_caches";
    case OpKind::set_capacity: return "set_capacity";
    case OpKind::power_loss: return "power_loss";
  }
  return "?";
}

// Found by rapidcheck through ADL to print counterexamples.
void showValue(const Op& op, std::ostream& os) {
  os << kind_name(op.kind) << "(path=" << test_paths.at(static_cast<std::size_t>(op.path))
     << " other=" << test_paths.at(static_cast<std::size_t>(op.other_path))
     << " dir='" << test_dirs.at(static_cast<std::size_t>(op.dir)) << "' amount=" << op.amount
     << " position=" << op.position << " fill=" << int{op.fill} << ")";
}

const std::vector<OpKind> file_kinds = {OpKind::create, OpKind::append, OpKind::append, OpKind::append,
                                        OpKind::write_at, OpKind::write_at, OpKind::truncate, OpKind::rename,
                                        OpKind::remove, OpKind::read};
const std::vector<OpKind> sync_kinds = {OpKind::sync_file, OpKind::sync_file, OpKind::sync_dir, OpKind::sync_dir};

std::vector<OpKind> join(std::vector<OpKind> first, const std::vector<OpKind>& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

rc::Gen<Op> gen_op(const std::vector<OpKind>& kinds) {
  return rc::gen::build<Op>(
      rc::gen::set(&Op::kind, rc::gen::elementOf(kinds)),
      rc::gen::set(&Op::path, rc::gen::inRange(0, static_cast<int>(test_paths.size()))),
      rc::gen::set(&Op::other_path, rc::gen::inRange(0, static_cast<int>(test_paths.size()))),
      rc::gen::set(&Op::dir, rc::gen::inRange(0, static_cast<int>(test_dirs.size()))),
      rc::gen::set(&Op::amount, rc::gen::inRange<std::uint32_t>(0, 40)),
      rc::gen::set(&Op::position, rc::gen::arbitrary<std::uint32_t>()),
      rc::gen::set(&Op::fill, rc::gen::arbitrary<std::uint8_t>()));
}

rc::Gen<std::vector<Op>> gen_ops(const std::vector<OpKind>& kinds) {
  return rc::gen::container<std::vector<Op>>(gen_op(kinds));
}

// A file operation with concrete arguments, fed identically to the disk and the model.
struct Call {
  OpKind kind = OpKind::append;
  std::string path;
  std::string other_path;
  std::string dir;
  std::uint64_t offset = 0;  // write_at / read offset, truncate size
  std::uint64_t length = 0;  // read length
  Bytes bytes;               // append / write_at data
};

// Written bytes carry high_bit (0 or 0x80) so a test can tell which phase wrote a byte.
Call resolve(const Op& op, const Disk& disk, std::uint8_t high_bit) {
  Call call;
  call.kind = op.kind;
  call.path = test_paths.at(static_cast<std::size_t>(op.path));
  call.other_path = test_paths.at(static_cast<std::size_t>(op.other_path));
  call.dir = test_dirs.at(static_cast<std::size_t>(op.dir));
  const auto size = disk.size(call.path);
  const std::uint64_t file_size = size.ok() ? size.value() : 0;
  // Mostly valid offsets, sometimes one past the end (invalid_argument) or a size that extends.
  switch (op.kind) {
    case OpKind::write_at: call.offset = size.ok() ? op.position % (file_size + 2) : op.position % 2; break;
    case OpKind::truncate: call.offset = op.position % (file_size + 10); break;
    case OpKind::read: call.offset = op.position % (file_size + 2); break;
    default: break;
  }
  call.length = op.amount;
  if (op.kind == OpKind::append || op.kind == OpKind::write_at) {
    for (std::uint32_t i = 0; i < op.amount; ++i) {
      call.bytes.push_back(static_cast<std::uint8_t>(((op.fill + i * 7u) & 0x7Fu) | high_bit));
    }
  }
  return call;
}

// Runs a file or sync call on the disk; the status, or nullopt for success.
std::optional<IoErrc> run(Disk& disk, const Call& call) {
  auto code = [](const env::IoStatus& status) -> std::optional<IoErrc> {
    if (status.ok()) return std::nullopt;
    return status.error.code;
  };
  switch (call.kind) {
    case OpKind::create: return code(disk.create_exclusive(call.path));
    case OpKind::append: return code(disk.append(call.path, call.bytes));
    case OpKind::write_at: return code(disk.write_at(call.path, call.offset, call.bytes));
    case OpKind::truncate: return code(disk.truncate(call.path, call.offset));
    case OpKind::rename: return code(disk.rename(call.path, call.other_path));
    case OpKind::remove: return code(disk.remove(call.path));
    case OpKind::sync_file: return code(disk.sync_file(call.path));
    case OpKind::sync_dir: return code(disk.sync_dir(call.dir));
    case OpKind::read: {
      const auto result = disk.read(call.path, call.offset, call.length);
      if (result.ok()) return std::nullopt;
      return result.error().code;
    }
    default: RC_FAIL("not a file call");
  }
  return std::nullopt;
}

// Ops the properties below handle themselves rather than through run().
bool is_whole_disk_op(OpKind kind) {
  return kind == OpKind::crash || kind == OpKind::drop_caches || kind == OpKind::set_capacity ||
         kind == OpKind::power_loss;
}

// Runs ops, ignoring their statuses; crash and drop_caches apply, the rest is not generated.
void run_all(Disk& disk, const std::vector<Op>& ops, std::uint8_t high_bit) {
  for (const Op& op : ops) {
    if (op.kind == OpKind::crash) {
      disk.crash();
    } else if (op.kind == OpKind::drop_caches) {
      disk.drop_caches();
    } else {
      RC_ASSERT(!is_whole_disk_op(op.kind));
      (void)run(disk, resolve(op, disk, high_bit));
    }
  }
  disk.check_invariants();
}

Bytes read_all(Disk& disk, const std::string& path) {
  auto result = disk.read(path, 0, UINT64_MAX);
  RC_ASSERT(result.ok());
  return std::move(result).value();
}

Bytes durable_of(const Disk& disk, const std::string& path) {
  auto result = disk.durable_content(path);
  RC_ASSERT(result.ok());
  return std::move(result).value();
}

bool is_prefix(const Bytes& prefix, const Bytes& bytes) {
  return prefix.size() <= bytes.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Everything a caller can observe about the disk's files, current and durable.
struct Snapshot {
  std::map<std::string, Bytes> current;
  std::map<std::string, Bytes> durable;
  std::uint64_t used_bytes = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(Disk& disk) {
  Snapshot result;
  for (const std::string& path : disk.all_paths()) result.current[path] = read_all(disk, path);
  for (const std::string& path : disk.durable_paths()) result.durable[path] = durable_of(disk, path);
  result.used_bytes = disk.used_bytes();
  return result;
}

// ---------------------------------------------------------------------------------------------
// The reference model: inodes with a current and a durable copy of their bytes. It copies a
// whole file on every sync, which the real disk must not do; its simplicity is the point.
class ReferenceDisk {
 public:
  explicit ReferenceDisk(bool torn_writes) : torn_writes_(torn_writes) {}

  void set_capacity(std::uint64_t capacity_bytes) { capacity_bytes_ = capacity_bytes; }

  std::optional<IoErrc> apply(const Call& call) {
    const auto found = current_names_.find(call.path);
    const bool exists = found != current_names_.end();
    Bytes* data = exists ? &current_[found->second] : nullptr;
    switch (call.kind) {
      case OpKind::create:
        if (exists) return IoErrc::already_exists;
        if (!fits(0)) return IoErrc::disk_full;
        create(call.path);
        return std::nullopt;
      case OpKind::append:
        if (!fits(call.bytes.size())) return IoErrc::disk_full;
        if (!exists) data = &current_[create(call.path)];
        data->insert(data->end(), call.bytes.begin(), call.bytes.end());
        return std::nullopt;
      case OpKind::write_at: {
        if (!exists && call.offset != 0) return IoErrc::not_found;
        const std::uint64_t size = exists ? data->size() : 0;
        if (call.offset > size) return IoErrc::invalid_argument;
        const std::uint64_t end = call.offset + call.bytes.size();
        if (!fits(end > size ? end - size : 0)) return IoErrc::disk_full;
        if (!exists) data = &current_[create(call.path)];
        if (end > data->size()) data->resize(end);
        std::copy(call.bytes.begin(), call.bytes.end(), data->begin() + static_cast<std::ptrdiff_t>(call.offset));
        return std::nullopt;
      }
      case OpKind::truncate:
        if (!exists) return IoErrc::not_found;
        if (call.offset > data->size() && !fits(call.offset - data->size())) return IoErrc::disk_full;
        data->resize(call.offset);
        return std::nullopt;
      case OpKind::rename: {
        if (!exists) return IoErrc::not_found;
        const int id = found->second;
        // POSIX: onto itself, or onto another name of the same inode (two durable names of one
        // inode can appear after a power loss), rename does nothing.
        const auto target = current_names_.find(call.other_path);
        if (target != current_names_.end() && target->second == id) return std::nullopt;
        current_names_.erase(found);
        current_names_[call.other_path] = id;
        return std::nullopt;
      }
      case OpKind::remove:
        if (!exists) return IoErrc::not_found;
        current_names_.erase(found);
        return std::nullopt;
      case OpKind::sync_file:
        if (!exists) return IoErrc::not_found;
        durable_[found->second] = *data;
        return std::nullopt;
      case OpKind::sync_dir:
        std::erase_if(durable_names_, [&](const auto& entry) { return parent_of(entry.first) == call.dir; });
        for (const auto& [path, id] : current_names_) {
          if (parent_of(path) == call.dir) durable_names_[path] = id;
        }
        return std::nullopt;
      case OpKind::read:
        if (!exists) return IoErrc::not_found;
        if (call.offset > data->size()) return IoErrc::invalid_argument;
        return std::nullopt;
      default: RC_FAIL("not a file call");
    }
    return std::nullopt;
  }

  // Follows a power loss of the real disk: checks what survived against the rules, adopts it.
  void on_power_loss(Disk& disk) {
    current_names_ = durable_names_;
    std::map<int, Bytes> survived;
    for (const auto& [path, id] : durable_names_) {
      const Bytes real = read_all(disk, path);
      const Bytes& durable = durable_[id];
      const Bytes& current = current_[id];
      RC_ASSERT(is_prefix(durable, real));
      if (torn_writes_) {
        // Only a prefix of the bytes beyond the durable size may survive.
        if (real.size() > durable.size()) {
          RC_ASSERT(real.size() <= current.size());
          RC_ASSERT(std::equal(real.begin() + static_cast<std::ptrdiff_t>(durable.size()), real.end(),
                               current.begin() + static_cast<std::ptrdiff_t>(durable.size())));
        }
      } else {
        RC_ASSERT(real.size() == durable.size());
      }
      survived[id] = real;
    }
    current_ = survived;
    durable_ = survived;
  }

  // Asserts that every observable of the disk equals the model's.
  void check_matches(Disk& disk) {
    std::vector<std::string> current_paths;
    for (const auto& [path, id] : current_names_) current_paths.push_back(path);
    RC_ASSERT(disk.all_paths() == current_paths);
    std::vector<std::string> durable_paths;
    for (const auto& [path, id] : durable_names_) durable_paths.push_back(path);
    RC_ASSERT(disk.durable_paths() == durable_paths);
    for (const auto& [path, id] : current_names_) RC_ASSERT(read_all(disk, path) == current_[id]);
    for (const auto& [path, id] : durable_names_) RC_ASSERT(durable_of(disk, path) == durable_[id]);
    RC_ASSERT(disk.used_bytes() == used_bytes());
    for (const char* dir : test_dirs) RC_ASSERT(disk.list(dir) == list(dir));
    disk.check_invariants();
  }

 private:
  int create(const std::string& path) {
    const int id = next_inode_++;
    current_names_[path] = id;
    current_[id] = {};
    durable_[id] = {};
    return id;
  }

  std::uint64_t used_bytes() const {
    std::set<int> ids;
    for (const auto& [path, id] : current_names_) ids.insert(id);
    std::uint64_t used = 0;
    for (const int id : ids) used += current_.at(id).size();
    return used;
  }

  bool fits(std::uint64_t growth) const { return used_bytes() + growth <= capacity_bytes_; }

  std::vector<std::string> list(const std::string& dir) const {
    const std::string prefix = dir.empty() ? dir : dir + "/";
    std::set<std::string> names;
    for (const auto& [path, id] : current_names_) {
      if (!path.starts_with(prefix)) continue;
      const std::string rest = path.substr(prefix.size());
      names.insert(rest.substr(0, rest.find('/')));
    }
    return {names.begin(), names.end()};
  }

  bool torn_writes_;
  std::uint64_t capacity_bytes_ = UINT64_MAX;
  std::map<std::string, int> current_names_;
  std::map<std::string, int> durable_names_;
  std::map<int, Bytes> current_;  // by inode
  std::map<int, Bytes> durable_;  // by inode
  int next_inode_ = 1;
};

}  // namespace

TEST_CASE("disk properties: the disk behaves like a copying reference model", "[disk][property]") {
  rc::prop("every observable matches the model after every operation", [] {
    const bool torn_writes = *rc::gen::arbitrary<bool>();
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    const auto ops = *gen_ops(join(join(file_kinds, sync_kinds),
                                   {OpKind::crash, OpKind::drop_caches, OpKind::set_capacity, OpKind::power_loss}));
    Disk disk(DiskConfig{.torn_writes = torn_writes});
    ReferenceDisk model(torn_writes);
    Rng rng(seed);
    for (const Op& op : ops) {
      switch (op.kind) {
        case OpKind::crash: disk.crash(); break;
        case OpKind::drop_caches: disk.drop_caches(); break;
        case OpKind::power_loss:
          disk.power_loss(rng);
          model.on_power_loss(disk);
          break;
        case OpKind::set_capacity: {
          // Odd fill: room for `amount` more bytes; even fill: a little below what is used.
          const std::uint64_t used = disk.used_bytes();
          const std::uint64_t below = std::min<std::uint64_t>(used, op.amount % 4);
          const std::uint64_t capacity = op.fill % 2 == 1 ? used + op.amount : used - below;
          disk.set_capacity_bytes(capacity);
          model.set_capacity(capacity);
          break;
        }
        default: {
          const Call call = resolve(op, disk, 0);
          const auto expected = model.apply(call);
          const auto actual = run(disk, call);
          RC_ASSERT(actual == expected);
        }
      }
      model.check_matches(disk);
    }
  });
}

TEST_CASE("disk properties: two disks that share the bytes of their reads each behave like the model",
          "[disk][property]") {
  // Replication's shape (sim/world/recent_reads.h): one disk reads, the other appends what was
  // read (or a prefix of it), and both keep overwriting, truncating and losing power. Sharing
  // must never show: each disk matches its own copying model after every operation. Writes are
  // made long enough for reads to be remembered (RecentReads::bytes_min).
  rc::prop("every observable of both disks matches its model after every operation", [] {
    const bool torn_writes = *rc::gen::arbitrary<bool>();
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    const auto kinds = join(join(file_kinds, sync_kinds), {OpKind::crash, OpKind::power_loss});
    const auto ops = *rc::gen::container<std::vector<std::pair<Op, int>>>(
        rc::gen::pair(gen_op(kinds), rc::gen::inRange(0, 6)));  // 0-2: disk 0; 3: disk 1; 4, 5: disk 1 appends a read
    RecentReads reads;
    std::array<Disk, 2> disks = {Disk(DiskConfig{.torn_writes = torn_writes}), Disk(DiskConfig{.torn_writes = torn_writes})};
    for (Disk& disk : disks) disk.share_reads(&reads);
    std::array<ReferenceDisk, 2> models = {ReferenceDisk(torn_writes), ReferenceDisk(torn_writes)};
    Rng rng(seed);
    for (const auto& [op, target] : ops) {
      const std::size_t which = target <= 2 ? 0 : 1;
      Disk& disk = disks[which];
      ReferenceDisk& model = models[which];
      if (op.kind == OpKind::crash) {
        disk.crash();
      } else if (op.kind == OpKind::power_loss) {
        disk.power_loss(rng);
        model.on_power_loss(disk);
      } else if (target >= 4) {
        // Replication: disk 0 reads one of its files (from its start or a random offset), and
        // disk 1 appends what came back, or a prefix of it, to the file of the same name.
        const std::vector<std::string> leader_files = disks[0].all_paths();
        if (leader_files.empty()) continue;
        const std::string& path = leader_files[static_cast<std::size_t>(op.path) % leader_files.size()];
        const std::uint64_t size = disks[0].size(path).value();
        const std::uint64_t from = op.position % 2 == 0 ? 0 : op.position % (size + 1);
        auto read = disks[0].read(path, from, UINT64_MAX);
        RC_ASSERT(read.ok());
        Bytes fetched = std::move(read).value();
        if (op.fill % 2 == 1) fetched.resize(fetched.size() - std::min<std::size_t>(op.amount, fetched.size()));
        Call call = resolve(op, disk, 0);
        call.kind = OpKind::append;
        call.path = path;
        call.bytes = fetched;
        const auto before_shared = reads.shared_appends();
        RC_ASSERT(run(disk, call) == model.apply(call));
        // Bytes a read just returned are always found (the newest entry), when long enough.
        RC_ASSERT(reads.shared_appends() == before_shared + (fetched.size() >= RecentReads::bytes_min ? 1 : 0));
      } else {
        Call call = resolve(op, disk, 0);
        if (call.kind == OpKind::append || call.kind == OpKind::write_at) {  // files past bytes_min
          const Bytes once = call.bytes;
          for (int i = 0; i < 7; ++i) call.bytes.insert(call.bytes.end(), once.begin(), once.end());
        }
        RC_ASSERT(run(disk, call) == model.apply(call));
      }
      for (std::size_t i = 0; i < disks.size(); ++i) models[i].check_matches(disks[i]);
    }
    RC_TAG(reads.shared_appends() == 0 ? "no append shared" : reads.shared_appends() < 5 ? "1-4 appends shared" : "5+ appends shared");
  });
}

TEST_CASE("disk properties: fsynced bytes survive power loss", "[disk][property]") {
  rc::prop("a file synced with its directory keeps at least its synced bytes", [] {
    const auto before = *gen_ops(join(join(file_kinds, sync_kinds), {OpKind::crash}));
    const auto after = *gen_ops(join(join(file_kinds, sync_kinds), {OpKind::crash}));
    const auto target = std::string(*rc::gen::elementOf(test_paths));
    const bool torn_writes = *rc::gen::arbitrary<bool>();
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    Disk disk(DiskConfig{.torn_writes = torn_writes});
    Rng rng(seed);
    run_all(disk, before, 0);
    RC_ASSERT(disk.append(target, Bytes{1, 2, 3}).ok());
    RC_ASSERT(disk.sync_file(target).ok());
    RC_ASSERT(disk.sync_dir(parent_of(target)).ok());
    const Bytes synced = read_all(disk, target);
    // Later operations may add to the target (and sync anything) but not rewrite or move it.
    std::vector<Op> allowed;
    for (const Op& op : after) {
      const bool touches_target = test_paths.at(static_cast<std::size_t>(op.path)) == target ||
                                  (op.kind == OpKind::rename && test_paths.at(static_cast<std::size_t>(op.other_path)) == target);
      const bool keeps_target = op.kind == OpKind::append || op.kind == OpKind::read || op.kind == OpKind::sync_file;
      if (!touches_target || keeps_target) allowed.push_back(op);
    }
    run_all(disk, allowed, 0);
    disk.power_loss(rng);
    RC_ASSERT(disk.exists(target));
    RC_ASSERT(is_prefix(synced, read_all(disk, target)));
  });
}

TEST_CASE("disk properties: unsynced bytes never survive power loss", "[disk][property]") {
  rc::prop("after syncing everything, later unsynced changes leave at most a torn tail", [] {
    const auto before = *gen_ops(join(file_kinds, sync_kinds));
    const auto after = *gen_ops(join(file_kinds, {OpKind::crash}));  // no sync at all
    const bool torn_writes = *rc::gen::arbitrary<bool>();
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    Disk disk(DiskConfig{.torn_writes = torn_writes});
    Rng rng(seed);
    run_all(disk, before, 0);  // bytes < 0x80
    for (const std::string& path : disk.all_paths()) RC_ASSERT(disk.sync_file(path).ok());
    for (const char* dir : test_dirs) RC_ASSERT(disk.sync_dir(dir).ok());
    std::map<std::string, Bytes> synced;
    for (const std::string& path : disk.all_paths()) synced[path] = read_all(disk, path);
    run_all(disk, after, 0x80);  // bytes >= 0x80 mark unsynced data (extensions add zeros)
    disk.power_loss(rng);
    RC_ASSERT(disk.all_paths().size() == synced.size());
    for (const auto& [path, content] : synced) {
      RC_ASSERT(disk.exists(path));
      const Bytes survived = read_all(disk, path);
      if (!torn_writes) {
        RC_ASSERT(survived == content);
        continue;
      }
      RC_ASSERT(is_prefix(content, survived));
      const bool tail_is_unsynced_bytes = std::all_of(
          survived.begin() + static_cast<std::ptrdiff_t>(content.size()), survived.end(),
          [](std::uint8_t byte) { return byte == 0 || byte >= 0x80; });
      RC_ASSERT(tail_is_unsynced_bytes);
    }
  });
}

TEST_CASE("disk properties: a crash keeps everything", "[disk][property]") {
  rc::prop("crash changes no current or durable byte and no name", [] {
    const auto ops = *gen_ops(join(file_kinds, sync_kinds));
    Disk disk;
    run_all(disk, ops, 0);
    const Snapshot before = snapshot(disk);
    disk.crash();
    RC_ASSERT(snapshot(disk) == before);
  });
}

TEST_CASE("disk properties: a full disk returns disk_full and keeps earlier data", "[disk][property]") {
  rc::prop("a write beyond the capacity changes nothing; one that fits succeeds", [] {
    const auto ops = *gen_ops(join(file_kinds, sync_kinds));
    const auto target = std::string(*rc::gen::elementOf(test_paths));
    const auto room = *rc::gen::inRange<std::uint64_t>(0, 50);
    const auto excess = *rc::gen::inRange<std::uint64_t>(1, 50);
    Disk disk;
    run_all(disk, ops, 0);
    disk.set_capacity_bytes(disk.used_bytes() + room);
    const Snapshot before = snapshot(disk);
    const Bytes too_much(room + excess, 0xAB);
    const auto appended = disk.append(target, too_much);
    RC_ASSERT(!appended.ok());
    RC_ASSERT(appended.error.code == IoErrc::disk_full);
    if (disk.exists(target)) {
      const std::uint64_t size = disk.size(target).value();
      RC_ASSERT(disk.write_at(target, size, too_much).error.code == IoErrc::disk_full);
      RC_ASSERT(disk.truncate(target, size + room + excess).error.code == IoErrc::disk_full);
    }
    RC_ASSERT(snapshot(disk) == before);
    RC_ASSERT(disk.append(target, Bytes(room, 0xCD)).ok());
    RC_ASSERT(disk.used_bytes() == before.used_bytes + room);
  });
}

TEST_CASE("disk properties: corruption changes the bytes", "[disk][property]") {
  rc::prop("corrupt flips one bit inside the range, in the current and durable content", [] {
    const auto ops = *gen_ops(join(file_kinds, sync_kinds));
    const auto overwrites = *gen_ops({OpKind::write_at, OpKind::truncate, OpKind::append});
    const auto target = std::string(*rc::gen::elementOf(test_paths));
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    Disk disk;
    Rng rng(seed);
    run_all(disk, ops, 0);
    RC_ASSERT(disk.append(target, Bytes{1, 2, 3}).ok());
    RC_ASSERT(disk.sync_file(target).ok());
    RC_ASSERT(disk.sync_dir(parent_of(target)).ok());
    // Overwrites since the sync put some durable bytes in the undo overlay.
    std::vector<Op> on_target = overwrites;
    for (Op& op : on_target) op.path = static_cast<int>(std::find(test_paths.begin(), test_paths.end(), target) - test_paths.begin());
    run_all(disk, on_target, 0);
    const auto size = disk.size(target).value();
    RC_PRE(size > 0);
    const auto offset = *rc::gen::inRange<std::uint64_t>(0, size);
    const auto length = *rc::gen::inRange<std::uint64_t>(1, size - offset + 5);
    const Bytes current = read_all(disk, target);
    const Bytes durable = durable_of(disk, target);
    RC_ASSERT(disk.corrupt(target, offset, length, rng).ok());
    const Bytes corrupted = read_all(disk, target);
    const Bytes corrupted_durable = durable_of(disk, target);
    RC_ASSERT(corrupted.size() == current.size());
    std::optional<std::size_t> flipped;
    for (std::size_t i = 0; i < current.size(); ++i) {
      const unsigned difference = unsigned{current[i]} ^ unsigned{corrupted[i]};
      if (difference == 0) continue;
      RC_ASSERT(!flipped.has_value());
      RC_ASSERT(std::popcount(difference) == 1);
      RC_ASSERT(i >= offset && i < offset + length);
      flipped = i;
    }
    RC_ASSERT(flipped.has_value());
    // The media copy of the same byte carries the same flip; nothing else on the media moved.
    RC_ASSERT(corrupted_durable.size() == durable.size());
    for (std::size_t i = 0; i < durable.size(); ++i) {
      const unsigned expected = i == *flipped ? unsigned{current[i]} ^ unsigned{corrupted[i]} : 0u;
      RC_ASSERT((unsigned{durable[i]} ^ unsigned{corrupted_durable[i]}) == expected);
    }
    disk.power_loss(rng);
    RC_ASSERT(read_all(disk, target) == corrupted_durable);
  });
}

TEST_CASE("disk properties: read errors are reported as io_error values", "[disk][property]") {
  rc::prop("a read fails with io_error exactly when it overlaps a bad range", [] {
    const auto content_size = *rc::gen::inRange<std::uint64_t>(1, 200);
    const auto bad_offset = *rc::gen::inRange<std::uint64_t>(0, content_size + 10);
    const auto bad_length = *rc::gen::inRange<std::uint64_t>(1, 30);
    const auto reads = *rc::gen::container<std::vector<std::pair<std::uint64_t, std::uint64_t>>>(
        rc::gen::pair(rc::gen::inRange<std::uint64_t>(0, content_size + 1), rc::gen::inRange<std::uint64_t>(0, 50)));
    Disk disk;
    Bytes content(content_size);
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<std::uint8_t>(i);
    RC_ASSERT(disk.append("a.log", content).ok());
    RC_ASSERT(disk.add_read_error("a.log", bad_offset, bad_length).ok());
    std::uint64_t failures = 0;
    for (const auto& [offset, length] : reads) {
      const std::uint64_t end = std::min(offset + length, content_size);
      const bool overlaps = offset < end && offset < bad_offset + bad_length && bad_offset < end;
      const auto result = disk.read("a.log", offset, length);
      if (overlaps) {
        RC_ASSERT(!result.ok());
        RC_ASSERT(result.error().code == IoErrc::io_error);
        failures += 1;
      } else {
        RC_ASSERT(result.ok());
        RC_ASSERT(result.value() == Bytes(content.begin() + static_cast<std::ptrdiff_t>(offset),
                                          content.begin() + static_cast<std::ptrdiff_t>(end)));
      }
    }
    RC_ASSERT(disk.counters().read_errors == failures);
    disk.clear_read_errors();
    for (const auto& [offset, length] : reads) RC_ASSERT(disk.read("a.log", offset, length).ok());
  });
}

}  // namespace kraftsim::sim
