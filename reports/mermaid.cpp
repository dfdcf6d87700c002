// sequence.mmd (see mermaid.h). Coarsening levels, tried in order until the text fits:
// 0 every message of the window; 1 without Fetch and heartbeat traffic (counted in a note);
// 2 only the control-plane RPCs (elections, registration, fencing, ISR, topic creation, groups);
// 3 as 2, cut at the budget.
#include "reports/mermaid.h"

#include <fmt/format.h>

#include <set>

#include "base/assert.h"
#include "reports/escape.h"

namespace kraftsim::reports {

namespace {

constexpr std::size_t label_chars_max = 70;
// Room kept for the closing lines and the note that says the diagram was cut.
constexpr std::size_t reserve_chars = 600;

bool is_bulk(const std::string& type) {
  return type == "Fetch" || type == "FetchResponse" || type == "BrokerHeartbeat" || type == "BrokerHeartbeatResponse" ||
         type == "Heartbeat" || type == "HeartbeatResponse";
}

bool is_control(const std::string& type) {
  static const std::set<std::string> control = {
      "Vote", "VoteResponse", "BeginQuorumEpoch", "BeginQuorumEpochResponse", "EndQuorumEpoch",
      "EndQuorumEpochResponse", "BrokerRegistration", "BrokerRegistrationResponse", "AlterPartition",
      "AlterPartitionResponse", "CreateTopics", "CreateTopicsResponse", "JoinGroup", "JoinGroupResponse",
      "SyncGroup", "SyncGroupResponse", "LeaveGroup", "LeaveGroupResponse", "OffsetsForLeaderEpoch",
      "OffsetsForLeaderEpochResponse", "FindCoordinator", "FindCoordinatorResponse", "InitProducerId",
      "InitProducerIdResponse"};
  return control.count(type) != 0;
}

// Lane ids without '-', which Mermaid's arrow syntax would read as the start of an arrow.
std::string participant_id(const std::string& lane_id) {
  std::string out = lane_id;
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

std::string participant(const Timeline& t, int lane) {
  return lane >= 0 ? participant_id(t.lanes[static_cast<std::size_t>(lane)].id) : "unknown";
}

std::string render(const Timeline& t, int level, bool& cut) {
  std::string out = "sequenceDiagram\n  autonumber\n";
  for (const Lane& lane : t.lanes) out += fmt::format("  participant {} as {}\n", participant_id(lane.id), escape_mermaid(lane.label));
  if (t.lanes.empty()) return out;
  const std::string first = participant_id(t.lanes.front().id);
  const std::string last = participant_id(t.lanes.back().id);
  std::int64_t omitted = 0;
  for (const Message& m : t.messages) {
    if ((level >= 1 && is_bulk(m.type)) || (level >= 2 && !is_control(m.type))) ++omitted;
  }
  out += fmt::format("  Note over {},{}: window {} to {}{}\n", first, last, format_time(t.window.from_us),
                     format_time(t.window.to_us),
                     level == 0 ? std::string()
                     : level == 1 ? fmt::format(" (coarser: {} Fetch and heartbeat messages left out)", omitted)
                                  : fmt::format(" (coarser: only control-plane RPCs, {} messages left out)", omitted));
  std::size_t period = 0;
  bool open = false;
  std::size_t fault = 0;
  auto faults_until = [&](std::int64_t t_us) {
    while (fault < t.faults.size() && t.faults[fault].t_us <= t_us) {
      const Fault& f = t.faults[fault++];
      if (!t.window.contains(f.t_us)) continue;
      out += fmt::format("  Note over {},{}: {} fault {} {}\n", first, last, escape_mermaid(format_time(f.t_us)),
                         escape_mermaid(f.name), escape_mermaid(f.detail));
    }
  };
  auto periods_until = [&](std::int64_t t_us) {
    while (period < t.fault_periods.size()) {
      const FaultPeriod& p = t.fault_periods[period];
      if (open && p.to_us <= t_us) {
        out += "  end\n";
        open = false;
        ++period;
      } else if (!open && p.from_us <= t_us && p.to_us > t_us) {
        out += "  rect rgba(255, 120, 120, 0.25)\n";
        out += fmt::format("  Note over {},{}: {}\n", first, last, escape_mermaid(p.label));
        open = true;
        break;
      } else if (!open && p.to_us <= t_us) {
        ++period;  // entirely before this point (or outside the window)
      } else {
        break;
      }
    }
  };
  for (const Message& m : t.messages) {
    if ((level >= 1 && is_bulk(m.type)) || (level >= 2 && !is_control(m.type))) continue;
    periods_until(m.send_us);
    faults_until(m.send_us);
    std::string label = m.type + (m.summary.empty() ? "" : " " + m.summary);
    label = truncate_utf8(label, label_chars_max);
    if (m.dropped) label += " (dropped: " + m.drop_reason + ")";
    const std::string line = fmt::format("  {}{}{}: {}\n", participant(t, m.from_lane), m.dropped ? "-x" : "->>",
                                         participant(t, m.to_lane), escape_mermaid(label));
    if (out.size() + line.size() + reserve_chars > mermaid_chars_max) {
      cut = true;
      break;
    }
    out += line;
  }
  if (open) out += "  end\n";
  if (cut) out += fmt::format("  Note over {},{}: cut here to stay under Mermaid's 50,000-character limit\n", first, last);
  return out;
}

}  // namespace

std::string render_sequence_mermaid(const Timeline& t) {
  std::string out;
  for (int level = 0; level <= 2; ++level) {
    bool cut = false;
    out = render(t, level, cut);
    if (!cut) return out;
  }
  KS_ASSERT(out.size() <= mermaid_chars_max);
  return out;  // level 2, cut at the budget (it says so)
}

}  // namespace kraftsim::reports
