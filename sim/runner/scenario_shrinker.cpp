// Shrinking a failing scenario: reduction passes (quiet phase, run length, faults, clients,
// topics, partitions, nodes) repeated until none makes progress or the run budget is spent.
// Each pass proposes candidates smaller than the best so far; a candidate is kept when it is
// legal (the loader accepts its JSON) and the predicate says it still fails.
#include "sim/runner/scenario_shrinker.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "broker/node/node_config.h"
#include "sim/runner/kafka_cluster.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_writer.h"

namespace kraftsim::runner {

namespace {

bool is_network_fault(FaultKind kind) {
  return kind == FaultKind::isolate || kind == FaultKind::partition || kind == FaultKind::one_way_partition ||
         kind == FaultKind::clog;
}

// The faults a restart undoes. disk-lost is not one: its operator restarts the node at once.
bool is_down_fault(FaultKind kind) {
  return kind == FaultKind::crash || kind == FaultKind::power_loss || kind == FaultKind::shutdown;
}

// Disk faults after which a node may stop by itself (Kafka halts a broker whose log directory
// fails, and a full disk fails its writes), so a later restart may have a node to restart.
bool may_stop_a_node(FaultKind kind) {
  return kind == FaultKind::disk_corrupt || kind == FaultKind::disk_read_error || kind == FaultKind::disk_full;
}

// The kinds whose FaultSpec::target is meaningful (the others leave it default-constructed).
bool has_target(FaultKind kind) {
  switch (kind) {
    case FaultKind::heal:
    case FaultKind::partition:
    case FaultKind::one_way_partition:
    case FaultKind::clog:
      return false;
    default:
      return true;
  }
}

using NodeMap = std::function<std::optional<NodeId>(NodeId)>;

// The faults with every node id passed through `map`. A node mapped to nothing is gone: a fault
// aimed at it goes too, a partition loses it from its group (and goes when fewer than two
// non-empty groups are left).
std::vector<FaultSpec> remap_faults(const std::vector<FaultSpec>& faults, const NodeMap& map) {
  std::vector<FaultSpec> out;
  for (FaultSpec f : faults) {
    bool keep = true;
    if (has_target(f.kind)) {
      if (const auto* id = std::get_if<NodeId>(&f.target.value)) {
        const auto mapped = map(*id);
        keep = mapped.has_value();
        if (keep) f.target.value = *mapped;
      }
    }
    if (f.kind == FaultKind::one_way_partition || f.kind == FaultKind::clog) {
      const auto from = map(f.from), to = map(f.to);
      keep = from.has_value() && to.has_value();
      if (keep) {
        f.from = *from;
        f.to = *to;
      }
    }
    if (f.kind == FaultKind::partition) {
      std::vector<std::vector<NodeId>> groups;
      for (const auto& group : f.groups) {
        std::vector<NodeId> kept;
        for (NodeId id : group) {
          if (const auto mapped = map(id)) kept.push_back(*mapped);
        }
        if (!kept.empty()) groups.push_back(std::move(kept));
      }
      keep = groups.size() >= 2;
      f.groups = std::move(groups);
    }
    if (keep) out.push_back(std::move(f));
  }
  return out;
}

// One cluster node or one client to take out of a scenario.
struct Removal {
  std::optional<NodeId> node;
  std::optional<std::size_t> producer;
  std::optional<std::size_t> consumer;
};

// The scenario without the node or client; faults follow (client node ids move when the clients
// before them or the highest node id go, kafka_cluster.h). nullopt when the removal leaves
// controller.quorum.voters empty.
std::optional<Scenario> without(const Scenario& old, const Removal& removal) {
  Scenario s = old;
  if (removal.node) {
    std::erase_if(s.nodes, [&removal](const NodeSpec& n) { return n.id == *removal.node; });
    if (!s.voters.empty()) {
      auto voters = node::parse_voters(s.voters);
      KS_ASSERT(voters.ok());  // the loader accepted them
      std::string text;
      for (const node::Voter& v : voters.value()) {
        if (v.id == *removal.node) continue;
        text += fmt::format("{}{}@{}:{}", text.empty() ? "" : ",", v.id, v.host, v.port);
      }
      if (text.empty()) return std::nullopt;
      s.voters = text;
    }
  }
  if (removal.producer) s.producers.erase(s.producers.begin() + static_cast<std::ptrdiff_t>(*removal.producer));
  if (removal.consumer) s.consumers.erase(s.consumers.begin() + static_cast<std::ptrdiff_t>(*removal.consumer));
  const NodeMap map = [&old, &s, &removal](NodeId id) -> std::optional<NodeId> {
    for (std::size_t k = 0; k < old.producers.size(); ++k) {
      if (producer_node_id(old, k) != id) continue;
      if (removal.producer == k) return std::nullopt;
      return producer_node_id(s, removal.producer && k > *removal.producer ? k - 1 : k);
    }
    for (std::size_t k = 0; k < old.consumers.size(); ++k) {
      if (consumer_node_id(old, k) != id) continue;
      if (removal.consumer == k) return std::nullopt;
      return consumer_node_id(s, removal.consumer && k > *removal.consumer ? k - 1 : k);
    }
    if (removal.node == id) return std::nullopt;
    return id;
  };
  s.faults = remap_faults(old.faults, map);
  return s;
}

std::size_t broker_count(const Scenario& s) {
  return static_cast<std::size_t>(
      std::count_if(s.nodes.begin(), s.nodes.end(), [](const NodeSpec& n) { return n.roles.find("broker") != std::string::npos; }));
}

std::size_t controller_count(const Scenario& s) {
  return static_cast<std::size_t>(std::count_if(
      s.nodes.begin(), s.nodes.end(), [](const NodeSpec& n) { return n.roles.find("controller") != std::string::npos; }));
}

std::int32_t max_replication_factor(const Scenario& s) {
  std::int32_t rf = 0;
  for (const TopicSpec& t : s.topics) rf = std::max(rf, t.replication_factor);
  return rf;
}

class Shrinker {
 public:
  Shrinker(const Scenario& failing, std::uint64_t seed, const StillFails& still_fails, const ShrinkOptions& options,
           const ShrinkProgress& progress)
      : seed_(seed), still_fails_(still_fails), options_(options), progress_(progress), source_(failing.source_path) {
    KS_ASSERT(options.runs_max >= 0);
    KS_ASSERT(options.time_resolution_ms >= 1);
    Scenario start = failing;
    start.seed = seed;
    std::stable_sort(start.faults.begin(), start.faults.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
    best_text_ = scenario_to_json(start, "").dump(2);
    auto loaded = parse_scenario(best_text_, source_);
    KS_ASSERT_MSG(loaded.ok(), "a failing scenario must write as a legal scenario file (scenario_writer.h)");
    best_ = std::move(loaded.value());
    original_ = size_of(best_);
  }

  ShrinkResult run() {
    // The first round also tries dropping every fault at once (a failure that needs none).
    bool first = true;
    for (bool progress = true; progress && !exhausted_;) {
      progress = false;
      progress |= shrink_quiet_phase();
      progress |= shrink_run_length();
      progress |= shrink_faults(first);
      progress |= shrink_clients();
      progress |= shrink_topics();
      progress |= shrink_nodes();
      first = false;
    }
    ShrinkResult result;
    result.before = original_;
    result.after = size_of(best_);
    result.scenario = best_;
    result.runs = runs_;
    result.candidates_illegal = illegal_;
    result.runs_exhausted = exhausted_;
    return result;
  }

 private:
  // Runs the candidate if it is new and legal; keeps it as the best when it still fails.
  bool try_candidate(Scenario candidate, const std::string& step) {
    std::stable_sort(candidate.faults.begin(), candidate.faults.end(),
                     [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
    drop_orphaned_undos(candidate);
    candidate.seed = seed_;
    std::string text = scenario_to_json(candidate, "").dump(2);
    if (text == best_text_ || answers_.contains(text)) return false;
    // Every pass only takes away: a candidate is never larger than the best in any respect.
    const ScenarioSize size = size_of(candidate), best = size_of(best_);
    KS_ASSERT(size.faults <= best.faults && size.nodes <= best.nodes && size.clients <= best.clients);
    KS_ASSERT(size.topics <= best.topics && size.partitions <= best.partitions && size.duration_ms <= best.duration_ms);
    if (runs_ >= options_.runs_max) {
      exhausted_ = true;
      return false;
    }
    auto loaded = parse_scenario(text, source_);
    if (!loaded.ok()) {
      ++illegal_;
      answers_.emplace(std::move(text), false);
      return false;
    }
    ++runs_;
    const bool fails = still_fails_(loaded.value());
    answers_.emplace(text, fails);
    if (!fails) return false;
    best_ = std::move(loaded.value());
    best_text_ = std::move(text);
    if (progress_) progress_(fmt::format("run {}: {}: {}", runs_, step, describe_change(original_, size_of(best_))));
    return true;
  }

  // A candidate refused by the cluster's rules that the loader leaves to the controller: a
  // replication factor above the broker count (INVALID_REPLICATION_FACTOR) would change the
  // run's story, so it is not tried unless the original already had it.
  bool cluster_rules_hold(const Scenario& candidate) const {
    if (candidate.nodes.empty() || controller_count(candidate) == 0) return false;
    const auto rf = static_cast<std::size_t>(std::max(0, max_replication_factor(best_)));
    return rf > broker_count(best_) || rf <= broker_count(candidate);
  }

  // The smallest value in [lo, hi] for which make(value) still fails, by bisection (hi is the
  // best's current value, known to fail). Exact when failing is monotone in the value; when it is
  // not, the value found still fails (only failing candidates are kept).
  bool bisect(std::int64_t lo, std::int64_t hi, std::int64_t resolution,
              const std::function<Scenario(std::int64_t)>& make, const std::string& what, const char* unit) {
    KS_ASSERT(lo <= hi);
    if (lo == hi) return false;
    if (try_candidate(make(lo), fmt::format("{} {} -> {}{}", what, hi, lo, unit))) return true;
    bool progress = false;
    while (hi - lo > resolution && !exhausted_) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (try_candidate(make(mid), fmt::format("{} {} -> {}{}", what, hi, mid, unit))) {
        hi = mid;
        progress = true;
      } else {
        lo = mid;
      }
    }
    return progress;
  }

  // The quiet phase down to nothing if the failure does not need it (a safety violation before
  // it), else to the shortest that still fails (a liveness failure).
  bool shrink_quiet_phase() {
    if (options_.keep_quiet_phase) return false;
    const Duration active = best_.duration - best_.quiet_phase;
    return bisect(
        0, best_.quiet_phase.ms(), options_.time_resolution_ms,
        [this, active](std::int64_t quiet_ms) {
          Scenario c = best_;
          c.quiet_phase = milliseconds(quiet_ms);
          c.duration = active + c.quiet_phase;
          return c;
        },
        "quiet phase", " ms");
  }

  // The part before the quiet phase (the whole run without one), cut at the end; faults past the
  // new end go.
  bool shrink_run_length() {
    const Duration quiet = best_.quiet_phase;
    return bisect(
        1, (best_.duration - quiet).ms(), options_.time_resolution_ms,
        [this, quiet](std::int64_t active_ms) {
          Scenario c = best_;
          c.duration = milliseconds(active_ms) + quiet;
          std::erase_if(c.faults, [active_ms](const FaultSpec& f) { return (f.at - Time::zero()).ms() >= active_ms; });
          return c;
        },
        quiet > Duration{} ? "run before the quiet phase" : "duration", " ms");
  }

  // Delta debugging over the fault list (complements only): remove one of n chunks; on success
  // go on with n - 1 chunks, else split finer, down to single faults.
  bool shrink_faults(bool try_none) {
    bool progress = false;
    std::size_t chunks = try_none ? 1 : 2;
    while (!best_.faults.empty() && !exhausted_) {
      const std::size_t size = best_.faults.size();
      chunks = std::min(chunks, size);
      bool removed = false;
      for (std::size_t i = 0; i < chunks && !removed && !exhausted_; ++i) {
        const std::size_t begin = i * size / chunks, end = (i + 1) * size / chunks;
        Scenario c = best_;
        c.faults.erase(c.faults.begin() + static_cast<std::ptrdiff_t>(begin), c.faults.begin() + static_cast<std::ptrdiff_t>(end));
        const std::string step = end - begin == 1 ? fmt::format("removed fault {} of {} ({} at {} ms)", begin + 1, size,
                                                                to_string(best_.faults[begin].kind),
                                                                (best_.faults[begin].at - Time::zero()).ms())
                                                  : fmt::format("removed faults {}..{} of {}", begin + 1, end, size);
        removed = try_candidate(std::move(c), step);
      }
      if (removed) {
        progress = true;
        chunks = std::max<std::size_t>(chunks - 1, 2);
      } else if (chunks >= size) {
        break;
      } else {
        chunks = std::min(size, chunks * 2);
      }
    }
    return progress;
  }

  bool shrink_clients() {
    bool progress = false;
    for (std::size_t i = best_.consumers.size(); i-- > 0 && !exhausted_;) {
      progress |= try_candidate(*without(best_, Removal{std::nullopt, std::nullopt, i}), fmt::format("removed consumer:{}", i));
    }
    for (std::size_t i = best_.producers.size(); i-- > 0 && !exhausted_;) {
      progress |= try_candidate(*without(best_, Removal{std::nullopt, i, std::nullopt}), fmt::format("removed producer:{}", i));
    }
    return progress;
  }

  // Topics nothing names any more (a client or a leader-of:/follower-of: fault still naming one
  // makes the candidate illegal), then each topic's partitions.
  bool shrink_topics() {
    bool progress = false;
    for (std::size_t i = best_.topics.size(); i-- > 0 && !exhausted_;) {
      Scenario c = best_;
      const std::string name = c.topics[i].name;
      c.topics.erase(c.topics.begin() + static_cast<std::ptrdiff_t>(i));
      progress |= try_candidate(std::move(c), fmt::format("removed topic {}", name));
    }
    for (std::size_t i = 0; i < best_.topics.size() && !exhausted_; ++i) {
      if (best_.topics[i].partitions <= 1) continue;
      progress |= bisect(
          1, best_.topics[i].partitions, 1,
          [this, i](std::int64_t partitions) {
            Scenario c = best_;
            c.topics[i].partitions = static_cast<std::int32_t>(partitions);
            return c;
          },
          fmt::format("partitions of {}", best_.topics[i].name), "");
    }
    return progress;
  }

  // Nodes from the last: the faults aimed at a node go with it; controller.quorum.voters loses it.
  bool shrink_nodes() {
    bool progress = false;
    for (std::size_t i = best_.nodes.size(); i-- > 0 && !exhausted_;) {
      if (i >= best_.nodes.size()) continue;
      const NodeId id = best_.nodes[i].id;
      const auto c = without(best_, Removal{id, std::nullopt, std::nullopt});
      if (!c || !cluster_rules_hold(*c)) {
        ++illegal_;
        continue;
      }
      progress |= try_candidate(*c, fmt::format("removed node {}", id));
    }
    return progress;
  }

  const std::uint64_t seed_;
  const StillFails& still_fails_;
  const ShrinkOptions options_;
  const ShrinkProgress& progress_;
  const std::string source_;
  Scenario best_;
  std::string best_text_;  // best_ as its file's text: the key of answers_
  ScenarioSize original_;
  std::map<std::string, bool> answers_;  // every candidate judged (or refused), by its JSON text
  int runs_ = 0;
  int illegal_ = 0;
  bool exhausted_ = false;
};

}  // namespace

ScenarioSize size_of(const Scenario& s) {
  ScenarioSize size;
  size.faults = s.faults.size();
  size.nodes = s.nodes.size();
  size.clients = s.producers.size() + s.consumers.size();
  size.topics = s.topics.size();
  for (const TopicSpec& t : s.topics) size.partitions += std::max(0, t.partitions);
  size.duration_ms = s.duration.ms();
  size.quiet_phase_ms = s.quiet_phase.ms();
  return size;
}

std::string describe_change(const ScenarioSize& before, const ScenarioSize& after) {
  std::string out = fmt::format("faults {} -> {}", before.faults, after.faults);
  auto add = [&out](const char* what, auto from, auto to, const char* unit, bool always) {
    if (always || from != to) out += fmt::format(", {} {} -> {}{}", what, from, to, unit);
  };
  add("nodes", before.nodes, after.nodes, "", true);
  add("clients", before.clients, after.clients, "", true);
  add("topics", before.topics, after.topics, "", false);
  add("partitions", before.partitions, after.partitions, "", false);
  add("duration", before.duration_ms, after.duration_ms, " ms", true);
  add("quiet phase", before.quiet_phase_ms, after.quiet_phase_ms, " ms", false);
  return out;
}

void drop_orphaned_undos(Scenario& s) {
  bool network_faulted = false;     // a network fault since the last heal
  std::set<NodeId> down_ids;        // nodes downed by id and not restarted yet
  bool down_named = false;          // a node down but unknown which ("leader-of:...") since "restart crashed"
  std::set<NodeId> paused_ids;
  bool paused_named = false;
  std::erase_if(s.faults, [&](const FaultSpec& f) {
    const auto* id = std::get_if<NodeId>(&f.target.value);
    if (is_network_fault(f.kind)) network_faulted = true;
    if (is_down_fault(f.kind)) {
      if (id != nullptr) down_ids.insert(*id);
      else down_named = true;
    }
    if (may_stop_a_node(f.kind)) down_named = true;  // which node, if any, is not known here
    if (f.kind == FaultKind::pause) {
      if (id != nullptr) paused_ids.insert(*id);
      else paused_named = true;
    }
    switch (f.kind) {
      case FaultKind::heal: {
        const bool orphan = !network_faulted;
        network_faulted = false;
        return orphan;
      }
      case FaultKind::restart: {
        const bool orphan = down_ids.empty() && !down_named;
        if (id == nullptr) {  // "crashed": every down node
          down_ids.clear();
          down_named = false;
          return orphan;
        }
        const bool known = down_ids.erase(*id) > 0;
        return !known && !down_named;
      }
      case FaultKind::resume: {
        if (id == nullptr) return paused_ids.empty() && !paused_named;
        const bool known = paused_ids.erase(*id) > 0;
        return !known && !paused_named;
      }
      default:
        return false;
    }
  });
}

ShrinkResult shrink_scenario(const Scenario& failing, std::uint64_t seed, const StillFails& still_fails,
                             const ShrinkOptions& options, const ShrinkProgress& progress) {
  return Shrinker(failing, seed, still_fails, options, progress).run();
}

}  // namespace kraftsim::runner
