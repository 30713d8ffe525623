// The subcommands of the `progmp` binary. Each add_* registers one subcommand on the CLI11 app; a failing command
// throws CLI::RuntimeError(exit_code) after printing its message, so main() has one exit path.
#pragma once

#include <CLI/CLI.hpp>

namespace progmp::tools {

void add_check_command(CLI::App& app);  // cmd_check.cpp
void add_dump_command(CLI::App& app);   // cmd_dump.cpp
void add_run_command(CLI::App& app);    // cmd_run.cpp
void add_sim_command(CLI::App& app);    // cmd_sim.cpp
void add_experiment_command(CLI::App& app);  // cmd_experiment.cpp
void add_compile_command(CLI::App& app);     // cmd_compile.cpp
void add_bench_command(CLI::App& app);       // cmd_bench.cpp
void add_keygen_command(CLI::App& app);      // cmd_keygen.cpp
void add_serve_command(CLI::App& app);       // cmd_serve.cpp
void add_connect_command(CLI::App& app);     // cmd_connect.cpp
void add_testbed_command(CLI::App& app);     // cmd_testbed.cpp

}  // namespace progmp::tools
