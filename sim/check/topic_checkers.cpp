// topics-created-as-expected (see topic_checkers.h).
#include "sim/check/topic_checkers.h"

#include <fmt/format.h>

#include <set>

namespace kraftsim::check {

namespace {

class TopicsCreatedAsExpected final : public Checker {
 public:
  explicit TopicsCreatedAsExpected(std::map<std::string, std::string> expected) : expected_(std::move(expected)) {}

  std::string_view id() const override { return "topics-created-as-expected"; }
  std::string_view meaning() const override {
    return "every topic the scenario expects an answer for got that answer to CreateTopics, and a refused topic "
           "never reached the metadata log";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"create-topic-result", "metadata-committed"};
    return names;
  }

  void on_event(const trace::EventRef& e) override {
    if (e.name == "create-topic-result") {
      const std::string topic(e.string_or("topic", ""));
      const auto it = expected_.find(topic);
      if (it == expected_.end()) return;
      observed();
      answered_.insert(topic);
      const std::string error(e.string_or("error", ""));
      if (error != it->second) {
        violate(e.t_us, fmt::format("CreateTopics answered {} for topic {} ({}), the scenario expects {}", error, topic,
                                    e.string_or("message", ""), it->second));
      }
    } else if (e.name == "metadata-committed" && e.string_or("record", "") == "TopicRecord") {
      const std::string topic(e.string_or("topic", ""));
      const auto it = expected_.find(topic);
      if (it == expected_.end() || it->second == "NONE") return;
      observed();
      if (reported_created_.insert(topic).second) {
        violate(e.t_us, fmt::format("topic {} was expected to be refused with {}, yet node {} committed its "
                                    "TopicRecord",
                                    topic, it->second, e.node));
      }
    }
  }

  void on_end(std::int64_t t_us) override {
    for (const auto& [topic, error] : expected_) {
      if (answered_.contains(topic)) continue;
      observed();
      violate(t_us, fmt::format("no answer to CreateTopics for topic {} by the end of the run (expected {})", topic, error));
    }
  }

 private:
  std::map<std::string, std::string> expected_;
  std::set<std::string> answered_;
  std::set<std::string> reported_created_;  // one violation per topic, not one per node
};

}  // namespace

std::unique_ptr<Checker> make_topics_created_checker(std::map<std::string, std::string> expected) {
  return std::make_unique<TopicsCreatedAsExpected>(std::move(expected));
}

}  // namespace kraftsim::check
