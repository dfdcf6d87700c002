// EventRouter (see event_router.h).
#include "sim/check/event_router.h"

#include <algorithm>

namespace kraftsim::check {

EventRouter::EventRouter(const std::vector<Checker*>& checkers, bool by_name) : by_name_(by_name) {
  for (Checker* c : checkers) {
    for (int k = 0; k < trace::kind_count; ++k) {
      if (c->kinds().contains(static_cast<trace::Kind>(k))) by_kind_[static_cast<std::size_t>(k)].push_back(c);
    }
    kinds_ = kinds_ | c->kinds();
  }
}

const std::vector<Checker*>& EventRouter::state_checkers_for(std::string_view name) {
  if (last_checkers_ != nullptr && name == last_name_) return *last_checkers_;
  auto it = by_state_name_.find(name);
  if (it == by_state_name_.end()) {
    std::vector<Checker*> readers;
    for (Checker* c : by_kind_[static_cast<std::size_t>(trace::Kind::state)]) {
      const auto names = c->state_names();
      if (names.empty() || std::find(names.begin(), names.end(), name) != names.end()) readers.push_back(c);
    }
    it = by_state_name_.emplace(std::string(name), std::move(readers)).first;
  }
  last_name_.assign(name);
  last_checkers_ = &it->second;
  return it->second;
}

void EventRouter::on_event(const trace::EventRef& e) {
  const std::vector<Checker*>& readers = by_name_ && e.kind == trace::Kind::state
                                             ? state_checkers_for(e.name)
                                             : by_kind_[static_cast<std::size_t>(e.kind)];
  for (Checker* c : readers) c->on_event(e);
}

}  // namespace kraftsim::check
