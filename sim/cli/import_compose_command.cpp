// `kraftsim import-compose FILE [--output OUT] [--name NAME] [--duration-ms MS]`: prints (or
// writes) the scenario that sim/runner/compose_import.h makes of a KRaft docker-compose file.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "sim/cli/commands.h"
#include "sim/runner/compose_import.h"
#include "sim/runner/result_json.h"

namespace kraftsim::cli {
namespace {

struct ImportArgs {
  std::string file;
  std::string output;
  runner::ComposeImportOptions options;
};

int run_import_compose(const ImportArgs& args) {
  auto scenario = runner::import_compose_file(args.file, args.options);
  if (!scenario.ok()) {
    std::fprintf(stderr, "kraftsim: error: %s\n", scenario.error().c_str());
    return runner::exit_bad_input;
  }
  const std::string text = scenario->dump(2) + "\n";
  if (args.output.empty()) {
    std::cout << text;
    return runner::exit_passed;
  }
  std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) {
    std::fprintf(stderr, "kraftsim: error: --output %s: cannot write the file\n", args.output.c_str());
    return runner::exit_bad_input;
  }
  return runner::exit_passed;
}

}  // namespace

Command add_import_compose_command(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  auto* cmd = app.add_subcommand("import-compose", "Turn a KRaft docker-compose file into a scenario's cluster section");
  cmd->add_option("FILE", args->file, "docker-compose YAML file")->required();
  cmd->add_option("--output,-o", args->output, "Write the scenario to this file instead of stdout");
  cmd->add_option("--name", args->options.name, "The scenario's name (default: the file's name without extension)");
  cmd->add_option("--duration-ms", args->options.duration_ms, "The scenario's simulated duration")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{31'536'000'000}));
  cmd->add_option("--schema", args->options.schema, "The \"$schema\" reference written into the scenario");
  return [args] { return run_import_compose(*args); };
}

}  // namespace kraftsim::cli
