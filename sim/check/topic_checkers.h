// Invariants of topic creation, from the admin client's and the controllers' reports:
//  - topics-created-as-expected: every topic the scenario's `expect.create_topics` names got that
//    answer to CreateTopics (create-topic-result events of the admin client), and a refused topic
//    never reached the metadata log (no committed TopicRecord of that name on any node). Seed
//    3.1.1: a replication factor above the broker count is refused with INVALID_REPLICATION_FACTOR
//    before anything is written. Not applicable when the scenario names no topic.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "sim/check/checker.h"

namespace kraftsim::check {

// expected: topic name -> Kafka error name ("NONE" for a created topic).
std::unique_ptr<Checker> make_topics_created_checker(std::map<std::string, std::string> expected);

}  // namespace kraftsim::check
