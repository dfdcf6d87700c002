// Loading and validating scenario files. Every problem is reported before anything runs, as
// "FILE: /json/pointer: what was expected"; the CLI turns it into exit code 2.
#pragma once

#include <string>

#include "base/result.h"
#include "sim/runner/scenario.h"

namespace kraftsim::runner {

struct LoadError {
  std::string message;  // one line: file, pointer and what was expected
};

Result<Scenario, LoadError> load_scenario_file(const std::string& path);
Result<Scenario, LoadError> parse_scenario(const std::string& text, const std::string& source_name);

}  // namespace kraftsim::runner
