// EventRouter: hands each trace event to the checkers that read it. By kind (Checker::kinds),
// and state events also by name (Checker::state_names): most of a long run's events are state
// events nobody but one or two checkers read (the clients' per-record `history`), and offering
// each to every checker was a virtual call and a few name comparisons per checker and event.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/check/checker.h"
#include "trace/event.h"

namespace kraftsim::check {

class EventRouter {
 public:
  // `by_name` false: every checker of a kind sees every event of that kind (the reference the
  // routing is tested against).
  EventRouter(const std::vector<Checker*>& checkers, bool by_name);

  void on_event(const trace::EventRef& e);
  // The kinds some checker reads (the trace need not call on_event for others).
  trace::KindSet kinds() const { return kinds_; }

 private:
  const std::vector<Checker*>& state_checkers_for(std::string_view name);

  bool by_name_;
  trace::KindSet kinds_;
  std::array<std::vector<Checker*>, trace::kind_count> by_kind_;
  // State events: the checkers per name, filled the first time a name is seen. The last name
  // looked up is remembered (a run's state events come in runs of one name).
  std::map<std::string, std::vector<Checker*>, std::less<>> by_state_name_;
  std::string last_name_;
  const std::vector<Checker*>* last_checkers_ = nullptr;
};

}  // namespace kraftsim::check
