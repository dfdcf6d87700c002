// Writing a Scenario back to scenario-file JSON: the inverse of scenario_loader. Every field the
// loader reads is written explicitly, so load -> write -> load -> write is a fixed point, and a
// generated or shrunk scenario can be saved and replayed with `kraftsim run FILE`.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "sim/runner/scenario.h"

namespace kraftsim::runner {

// schema_path is written as "$schema" ("" leaves it out); the default suits a file in a folder
// of scenarios/.
nlohmann::ordered_json scenario_to_json(const Scenario& scenario,
                                        const std::string& schema_path = "../scenario.schema.json");

}  // namespace kraftsim::runner
