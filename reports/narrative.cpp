// Narrated chapters from the timeline model (see narrative.h). Each fault opens a chapter that
// also tells its consequences up to the next fault (fencing, leader changes, ISR changes,
// truncations, violations), so a reader sees cause and effect together.
#include "reports/narrative.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/assert.h"
#include "reports/escape.h"

namespace kraftsim::reports {

namespace {

constexpr std::size_t consequences_per_chapter_max = 10;
constexpr std::size_t group_events_per_chapter_max = 4;
constexpr std::size_t refusals_max = 8;
constexpr std::size_t out_of_range_told_max = 3;  // consumers told in the segments chapter
constexpr std::int64_t fault_group_us = 10'000;  // faults this close together are one moment
constexpr std::size_t chapter_title_chars_max = 90;

std::string config_or(const Timeline& t, const std::string& key, const std::string& fallback) {
  auto it = t.config.find(key);
  return it == t.config.end() ? fallback : it->second;
}

std::int64_t stat(const Timeline& t, const std::string& key) {
  auto it = t.stats.find(key);
  return it == t.stats.end() ? 0 : it->second;
}

// What a fault does, in the seed document's terms.
std::string fault_meaning(const std::string& name) {
  if (name == "crash") {
    return "The process is killed. Its OS page cache survives (seed 3.2.2), so records it wrote but never fsynced "
           "are still there when it restarts.";
  }
  if (name == "power-loss") {
    return "The machine loses power: every byte not yet fsynced is gone. Kafka does not fsync by default; it "
           "relies on replication for durability.";
  }
  if (name == "restart") return "The node starts again, recovers its logs from disk and catches up from the leaders.";
  if (name == "pause") {
    return "The process freezes, like a long garbage-collection pause: it keeps its memory but answers nothing, "
           "so the others may give up on it.";
  }
  if (name == "resume") return "The paused process runs again and handles everything that waited.";
  if (name == "partition" || name == "isolate" || name == "one-way-partition") {
    return "The network is cut: nodes on different sides cannot talk, but every process keeps running and may "
           "still believe it leads.";
  }
  if (name == "clog") return "A link becomes slow: messages on it are delayed.";
  if (name == "heal") return "The network is whole again.";
  if (name == "shutdown") return "A graceful shutdown: a leader resigns first (EndQuorumEpoch) so the others elect quickly.";
  if (name.rfind("disk-", 0) == 0) return "The node's disk misbehaves; Kafka checks CRCs and recovers or fails the log.";
  if (name == "drop-caches") return "The OS page cache is emptied: the next reads go to the disk.";
  return "";
}

// Kafka error codes a reader meets in the library's scenarios, in one sentence each.
std::string error_meaning(const std::string& text) {
  struct Known {
    const char* code;
    const char* meaning;
  };
  static const Known known[] = {
      {"INCONSISTENT_CLUSTER_ID", "the request comes from a node formatted for another cluster: its meta.properties "
                                  "names another cluster.id, so it can never join (seed 3.5.1: why KRaft needs CLUSTER_ID)"},
      {"NOT_LEADER_OR_FOLLOWER", "the client's metadata is stale: the partition's leader moved, so it refreshes its "
                                 "metadata and retries on the new leader"},
      {"NOT_ENOUGH_REPLICAS", "acks=all and the ISR is smaller than min.insync.replicas: the leader refuses the write "
                              "rather than accept it with too few copies"},
      {"COORDINATOR_LOAD_IN_PROGRESS", "the coordinator is still loading its state; the client retries"},
      {"NOT_COORDINATOR", "the group's coordinator moved with its __consumer_offsets partition; the member looks it up again"},
      {"FENCED_LEADER_EPOCH", "the request carries an older leader epoch than the broker knows (KIP-320)"},
      {"UNKNOWN_LEADER_EPOCH", "the request carries a leader epoch newer than the broker knows yet (KIP-320)"},
      {"OUT_OF_ORDER_SEQUENCE_NUMBER", "an idempotent producer's sequence does not follow the last one the broker has (KIP-98)"},
      {"REQUEST_TIMED_OUT", "no answer within request.timeout.ms: the producer retries"},
      {"NETWORK_EXCEPTION", "the connection broke: the producer retries"},
  };
  for (const Known& k : known) {
    if (text.find(k.code) != std::string::npos) return k.meaning;
  }
  return "";
}

bool serious_error(const std::string& text) {
  return text.find("INCONSISTENT_CLUSTER_ID") != std::string::npos || text.find("NOT_ENOUGH_REPLICAS") != std::string::npos ||
         text.find("INVALID_") != std::string::npos || text.find("CLUSTER_AUTHORIZATION") != std::string::npos;
}

std::string consequence_text(const Timeline& t, const KeyEvent& k, std::int64_t fault_us) {
  const std::string at = format_time(k.t_us);
  if (k.kind == "fenced") {
    // Since when the broker was gone, and whether a controller change restarted its session.
    std::int64_t down_us = fault_us;
    for (const Fault& f : t.faults) {
      const bool downs = f.name == "crash" || f.name == "power-loss" || f.name == "pause" || f.name == "isolate" ||
                         f.name == "partition" || f.name == "one-way-partition" || f.name == "shutdown";
      const bool names_it = f.nodes.empty() || std::find(f.nodes.begin(), f.nodes.end(), k.node) != f.nodes.end();
      if (downs && names_it && f.t_us <= k.t_us) down_us = f.t_us;
    }
    std::string text = fmt::format("{}: {}, {} after it went down (broker.session.timeout.ms = {} ms: the active controller "
                                   "fences a broker whose heartbeats stopped for that long, removes it from every ISR and "
                                   "moves its leaderships away)",
                                   at, k.text, format_time(k.t_us - down_us), config_or(t, "broker.session.timeout.ms", "9000"));
    for (const ControllerEpoch& c : t.controller_epochs) {
      if (c.from_us > down_us && c.from_us < k.t_us) {
        text += fmt::format("; the count restarted when node {} became the active controller at {}: a new controller gives "
                            "every broker a fresh session",
                            c.node, format_time(c.from_us));
        break;
      }
    }
    return text + ".";
  }
  if (k.kind == "leader") {
    bool acks_all = false;
    for (const ClientInfo& c : t.clients) acks_all = acks_all || (c.kind == "producer" && c.acks == "all");
    const bool clean = config_or(t, "unclean.leader.election.enable", "false") != "true";
    if (k.text.find(" to none") != std::string::npos) {
      return fmt::format("{}: {}: the partition is OFFLINE. No ISR member is alive to lead it{}.", at, k.text,
                         clean ? " and unclean.leader.election.enable=false forbids electing a replica that may miss "
                                 "acknowledged records: durability wins over availability"
                               : "");
    }
    if (k.text.find("from none") != std::string::npos) {
      return fmt::format("{}: {}: a replica that was in the ISR is back, and the partition is online again.", at, k.text);
    }
    return fmt::format("{}: {}. {}", at, k.text,
                       !clean ? "unclean.leader.election.enable is on: the new leader may come from outside the ISR."
                       : acks_all ? "The new leader comes from the ISR (in-sync replicas), so it already holds every "
                                    "record acknowledged with acks=all."
                                  : "The new leader comes from the ISR (in-sync replicas).");
  }
  if (k.kind == "controller") {
    return fmt::format("{}: {}. The controllers elected it with Raft (KIP-595): no ZooKeeper in KRaft mode.", at, k.text);
  }
  if (k.kind == "isr") return fmt::format("{}: {}.", at, k.text);
  if (k.kind == "truncate") return fmt::format("{}: {}.", at, k.text);
  if (k.kind == "violation") return fmt::format("{}: invariant broken: {}.", at, k.text);
  if (k.kind == "rpc-error" || k.kind == "produce" || k.kind == "error") {
    const std::string meaning = error_meaning(k.text);
    return fmt::format("{}: {}{}.", at, k.text, meaning.empty() ? std::string() : ": " + meaning);
  }
  return fmt::format("{}: {}.", at, k.text);
}

bool is_consequence(const KeyEvent& k) {
  return k.kind == "fenced" || k.kind == "unfenced" || k.kind == "leader" || k.kind == "isr" || k.kind == "controller" ||
         k.kind == "truncate" || k.kind == "violation" || k.kind == "error" || k.kind == "produce";
}

std::string cluster_sentence(const Timeline& t) {
  std::string roles;
  for (const NodeInfo& n : t.nodes) {
    if (!roles.empty()) roles += ", ";
    roles += fmt::format("node {} ({})", n.node, n.roles);
  }
  std::string text = fmt::format("The cluster has {} node(s): {}.", t.nodes.size(), roles);
  if (!t.run.cluster_id.empty()) {
    text += fmt::format(" They share cluster.id {}: in KRaft mode the id is written to every node's storage "
                        "(meta.properties) when it is formatted, and a node from another cluster is refused.",
                        t.run.cluster_id);
  }
  for (const TopicInfo& topic : t.topics) {
    text += fmt::format(" Topic {} has {} partition(s), replication factor {}{}: each partition is an ordered log "
                        "with a leader (producers write to it, consumers read from it) and followers that copy it.",
                        topic.name, topic.partitions, topic.replication_factor,
                        topic.config.empty() ? std::string() : " (" + topic.config + ")");
  }
  for (const ClientInfo& c : t.clients) {
    if (c.kind == "producer") {
      text += fmt::format(" Producer {} writes to {} with acks={}, compression.type={}{}.", c.node, c.topic, c.acks,
                          c.compression, c.idempotent ? ", idempotent (KIP-98)" : "");
    } else if (c.kind == "consumer") {
      text += fmt::format(" Consumer {} reads {}{}.", c.node, c.topic,
                          c.group.empty() ? std::string(" (every partition, no group)") : " in group " + c.group);
    }
  }
  return text;
}

}  // namespace

std::string durability_verdict(const Timeline& t) {
  const std::int64_t acked = stat(t, "records_acknowledged");
  const std::int64_t lost = stat(t, "records_lost");
  const std::int64_t duplicated = stat(t, "records_duplicated");
  std::string acks;
  for (const ClientInfo& c : t.clients) {
    if (c.kind == "producer" && acks.find("acks=" + c.acks) == std::string::npos) acks += (acks.empty() ? "" : ", ") + ("acks=" + c.acks);
  }
  if (acked == 0 && lost == 0) return "No producer record was acknowledged in this run.";
  std::string text;
  if (lost == 0) {
    // The smallest ISR a new leader was elected from: why nothing was lost.
    std::size_t isr_min = 0;
    for (const PartitionTimeline& p : t.partitions) {
      for (std::size_t i = 1; i < p.leader_changes.size(); ++i) {
        const std::string& isr = p.leader_changes[i].isr;
        if (isr.empty()) continue;
        const std::size_t members = static_cast<std::size_t>(std::count(isr.begin(), isr.end(), ',')) + 1;
        isr_min = isr_min == 0 ? members : std::min(isr_min, members);
      }
    }
    text = fmt::format("No acknowledged record was lost ({} acknowledged).", acked);
    if (acks.find("acks=1") != std::string::npos) {
      text += " With acks=1 the leader answers before its followers copy a record, so a leader crash can lose the "
              "records of its last fetch round; this time the followers had copied everything acknowledged before the "
              "crash. The loss depends on timing: other seeds show it.";
    }
    if (acks.find("acks=all") != std::string::npos) {
      text += " With acks=all the leader answers only once every ISR member has the record, so any ISR member "
              "that becomes leader has it";
      text += isr_min > 0 ? fmt::format(" (the ISR still had {} member(s) at the leader change).", isr_min) : ".";
    }
  } else {
    text = fmt::format("{} of {} acknowledged records were LOST.", lost, acked);
    if (acks.find("acks=1") != std::string::npos) {
      text += " With acks=1 the leader answers as soon as it wrote the record itself; the records its followers "
              "had not yet copied died with it.";
    } else if (config_or(t, "unclean.leader.election.enable", "false") == "true") {
      text += " unclean.leader.election.enable let a replica outside the ISR lead: availability won over durability.";
    } else {
      text += " Look at the truncations and power losses in the timeline: a replica that lost or cut its tail became leader.";
    }
  }
  if (duplicated > 0) {
    text += fmt::format(" {} record(s) are in the log twice: a retry appended a batch the broker had already written "
                        "(enable.idempotence prevents this).",
                        duplicated);
  }
  return text;
}

std::vector<Chapter> narrate(const Timeline& t) {
  std::vector<Chapter> out;
  auto add = [&out](std::int64_t t_us, std::string title, std::string text) {
    if (out.size() >= chapters_max) return;
    out.push_back(Chapter{t_us, fmt::format("ch-{}", out.size() + 1), std::move(title), std::move(text)});
  };
  add(0, "The run",
      fmt::format("Scenario {} (seed {}), {} of simulated time. {} {}", t.run.scenario, t.run.seed,
                  format_time(t.run.duration_ms * 1000), t.run.description, cluster_sentence(t)));

  // The first active controller and the first partitions: the cluster forming.
  for (const KeyEvent& k : t.key_events) {
    if (k.kind == "controller") {
      add(k.t_us, "A controller is elected",
          fmt::format("{}: {}. The controller nodes ran a Raft election among themselves (Vote requests, KIP-595, with a "
                      "pre-vote round, KIP-996); the winner keeps the cluster's metadata in the __cluster_metadata log. "
                      "Brokers then register with it (BrokerRegistration) and stay alive by sending BrokerHeartbeat every "
                      "broker.heartbeat.interval.ms = {} ms.",
                      format_time(k.t_us), k.text, config_or(t, "broker.heartbeat.interval.ms", "2000")));
      break;
    }
  }
  std::string created;
  std::int64_t created_us = -1;
  std::int64_t internal_created = 0;
  for (const KeyEvent& k : t.key_events) {
    if (k.kind == "internal" && k.text.find(" created:") != std::string::npos) ++internal_created;
    if (k.kind == "error" && k.text.rfind("CreateTopics", 0) == 0) {
      if (created_us < 0) created_us = k.t_us;
      created += (created.empty() ? "" : " ") + k.text +
                 ". The controller checks a request before it writes anything: replication.factor cannot exceed the "
                 "number of brokers (seed 3.1.1), and topic names allow only ASCII letters, digits, '.', '_' and '-'.";
    }
    if (k.kind == "leader" && k.text.find(" created:") != std::string::npos) {
      if (created_us < 0) created_us = k.t_us;
      created += (created.empty() ? "" : " ") + k.text + ".";
    }
  }
  if (created_us >= 0) {
    add(created_us, "Partitions get leaders",
        fmt::format("{}: {} The leader handles every produce and fetch of its partition; followers fetch from it. "
                    "The ISR (in-sync replicas) lists the replicas that keep up.",
                    format_time(created_us), created));
  }
  if (internal_created > 0) {
    for (const KeyEvent& k : t.key_events) {
      if (k.kind != "internal") continue;
      add(k.t_us, "Consumer groups get a coordinator",
          fmt::format("{}: the first consumer asked for its group coordinator, so the brokers created __consumer_offsets "
                      "({} partitions). A group's committed offsets live in one of them; the leader of that partition "
                      "is the group's coordinator, which runs JoinGroup/SyncGroup rebalances and assigns the topic's "
                      "partitions to the members (seed 3.4.4).",
                      format_time(k.t_us), internal_created));
      break;
    }
  }
  for (std::size_t b = 0; b < t.throughput.size(); ++b) {
    if (t.throughput[b].acked_records == 0) continue;
    std::string figures;
    for (const ClientInfo& c : t.clients) {
      const ProducerFigures& f = c.figures;
      if (c.kind != "producer" || f.produce_requests == 0) continue;
      figures += fmt::format(
          " Producer {} (acks={}, linger.ms={}, batch.size={}, compression.type={}): {} records in {} Produce requests "
          "({}.{} records per request), {} bytes on the wire ({} bytes per record).",
          c.node, c.acks, f.linger_ms, f.batch_size, c.compression, f.records_in_requests, f.produce_requests,
          f.records_in_requests / f.produce_requests, (f.records_in_requests * 10 / f.produce_requests) % 10, f.produce_bytes,
          f.records_in_requests > 0 ? f.produce_bytes / f.records_in_requests : 0);
    }
    add(static_cast<std::int64_t>(b) * t.bucket_us, "Producers write in batches",
        fmt::format("From about {} producers' records are acknowledged. A producer does not send records one by one: it "
                    "collects them per partition into a batch until batch.size bytes or linger.ms pass (seed 3.2.3), and "
                    "compresses each batch with compression.type (seed 3.2.4); the broker stores the batch as it came.{}",
                    format_time(static_cast<std::int64_t>(b) * t.bucket_us), figures));
    break;
  }

  // Segments and retention (seed 3.1.3): the first roll, the first deletion, and the consumers
  // that found their position deleted.
  {
    std::string text;
    std::int64_t at_us = -1;
    bool roll_told = false, retention_told = false;
    std::size_t out_of_range_told = 0;
    for (const KeyEvent& k : t.key_events) {
      if (k.kind != "log") continue;
      const bool roll = k.text.find(" rolled ") != std::string::npos;
      const bool retention = k.text.find(" by retention") != std::string::npos;
      if (roll ? roll_told : retention ? retention_told : out_of_range_told >= out_of_range_told_max) continue;
      if (roll) roll_told = true;
      else if (retention) retention_told = true;
      else ++out_of_range_told;
      if (at_us < 0) at_us = k.t_us;
      text += fmt::format(" {}: {}.", format_time(k.t_us), k.text);
    }
    if (at_us >= 0) {
      add(at_us, "Segments roll, retention deletes old ones",
          fmt::format("A partition's log is a series of segment files, each named by its first offset (seed 3.1.3). A "
                      "replica starts a new segment when the next batch would pass segment.bytes or the active one is "
                      "older than segment.ms; every log.retention.check.interval.ms it deletes whole segments older than "
                      "retention.ms or beyond retention.bytes, and the log start offset moves up. A consumer whose "
                      "position was deleted gets OFFSET_OUT_OF_RANGE and resets by auto.offset.reset. In this run {} "
                      "segment(s) rolled and {} were deleted, over every replica.{}",
                      t.segments_rolled, t.segments_deleted, text));
    }
  }

  // Refusals before any fault (or in a run without faults): why a node, a topic or a request was refused.
  {
    const std::int64_t first_fault_us = [&t] {
      for (const KeyEvent& k : t.key_events) {
        if (k.kind == "fault") return k.t_us;
      }
      return t.run.end_us + 1;
    }();
    std::string text;
    std::int64_t at_us = -1;
    std::size_t told = 0;
    std::set<std::string> codes;
    for (const KeyEvent& k : t.key_events) {
      if (k.t_us >= first_fault_us || (k.kind != "error" && k.kind != "rpc-error")) continue;
      if (k.text.rfind("CreateTopics", 0) == 0) continue;  // told with the partitions
      // Only refusals that explain the run, each error code once (transient retries stay in the event list).
      if (k.kind == "rpc-error" && !serious_error(k.text)) continue;
      const std::string code = k.text.substr(k.text.rfind(' ') + 1);
      if (k.kind == "rpc-error" && !codes.insert(code).second) continue;
      if (told++ == refusals_max) break;
      if (at_us < 0) at_us = k.t_us;
      text += (text.empty() ? "" : " ") + consequence_text(t, k, k.t_us);
    }
    if (at_us >= 0) add(at_us, "Refused", text);
  }

  // One chapter per moment of faults (faults within fault_group_us of the first, e.g. a power
  // loss of every node, or the one-way cuts that make a partition) with what followed them.
  std::vector<const KeyEvent*> faults;
  for (const KeyEvent& k : t.key_events) {
    if (k.kind == "fault") faults.push_back(&k);
  }
  for (std::size_t i = 0; i < faults.size();) {
    const KeyEvent& f = *faults[i];
    std::size_t j = i + 1;
    while (j < faults.size() && faults[j]->t_us - f.t_us <= fault_group_us) ++j;
    const std::int64_t next_us = j < faults.size() ? faults[j]->t_us : t.run.end_us + 1;
    std::string title;
    std::string text;
    std::set<std::string> meanings;
    for (std::size_t g = i; g < j; ++g) {
      const std::string& ft = faults[g]->text;
      const std::size_t colon = ft.find(':');
      const std::string what = colon == std::string::npos ? ft : ft.substr(colon + 2);
      title += (title.empty() ? "" : ", ") + what;
      text += (text.empty() ? "" : " ") + fmt::format("{}: {}.", format_time(faults[g]->t_us), ft);
      const std::string fault_name = what.substr(0, what.find(' '));
      const std::string meaning = fault_meaning(fault_name);
      if (!meaning.empty() && meanings.insert(meaning).second) text += " " + meaning;
    }
    title = truncate_utf8(title, chapter_title_chars_max);
    // The user-visible consequences first; consumer-group moves next; internal partitions
    // (__consumer_offsets) counted in one sentence.
    std::vector<const KeyEvent*> first, groups;
    std::int64_t internal = 0;
    for (const KeyEvent& k : t.key_events) {
      if (k.t_us < f.t_us || k.t_us >= next_us || k.kind == "fault") continue;
      if (k.t_us == f.t_us && k.seq < f.seq) continue;
      if (k.kind == "internal") {
        ++internal;
      } else if (k.kind == "group" || k.kind == "rpc-error") {
        groups.push_back(&k);
      } else if (is_consequence(k)) {
        first.push_back(&k);
      }
    }
    std::size_t told = 0;
    for (const KeyEvent* k : first) {
      if (told++ == consequences_per_chapter_max) {
        text += fmt::format(" ({} more in the event list)", first.size() - consequences_per_chapter_max);
        break;
      }
      text += " " + consequence_text(t, *k, f.t_us);
    }
    for (std::size_t g = 0; g < groups.size() && g < group_events_per_chapter_max; ++g) {
      text += " " + consequence_text(t, *groups[g], f.t_us);
    }
    if (groups.size() > group_events_per_chapter_max) {
      text += fmt::format(" ({} more consumer-group and error events in the event list)", groups.size() - group_events_per_chapter_max);
    }
    if (internal > 0) {
      text += fmt::format(" Meanwhile {} leader or ISR change(s) of __consumer_offsets partitions: the internal topic where "
                          "consumer groups commit their offsets moves with the brokers too (seed 3.4.4).",
                          internal);
    }
    add(f.t_us, title, text);
    i = j;
  }
  // Violations not already told after a fault.
  for (const CheckVerdict& c : t.checks) {
    if (c.violation_t_us < 0 || !faults.empty()) continue;
    add(c.violation_t_us, "An invariant breaks", fmt::format("{}: {} ({}): {}", format_time(c.violation_t_us), c.id, c.status, c.detail));
  }

  std::string verdicts;
  std::int64_t held = 0;
  for (const CheckVerdict& c : t.checks) {
    if (c.status == "held") {
      ++held;
    } else if (c.status != "not-applicable") {
      verdicts += fmt::format(" {}: {}.", c.id, c.status);
    }
  }
  add(t.run.end_us, "The verdict",
      fmt::format("{} {} invariant(s) held.{} Controller elections: {}; partition leader elections: {}; ISR changes: {}.",
                  durability_verdict(t), held, verdicts, stat(t, "controller_elections"),
                  stat(t, "partition_leader_elections"), stat(t, "isr_changes")));
  std::stable_sort(out.begin(), out.end(), [](const Chapter& a, const Chapter& b) { return a.t_us < b.t_us; });
  for (std::size_t i = 0; i < out.size(); ++i) out[i].anchor = fmt::format("ch-{}", i + 1);
  KS_ASSERT(out.size() <= chapters_max);
  return out;
}

}  // namespace kraftsim::reports
