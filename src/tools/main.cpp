// Entry point of the `progmp` binary: one CLI11 app with one subcommand per tool (commands.hpp).
//
// Exit statuses: 0 success; a subcommand's own status (1 diagnostics, 2 unreadable or invalid input; docs/cli.md)
// delivered as CLI::RuntimeError; 2 for a command line that does not parse, after a message that names the
// offending argument.
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli_support.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"progmp: application-defined multipath schedulers (the ProgMP programming model)", "progmp"};
  app.set_version_flag("--version", "progmp " + std::string(progmp::tools::version()));
  app.require_subcommand(1);
  // CLI11's messages name the offending flag or value; prefix them with the (sub)command that was being parsed.
  app.failure_message([](const CLI::App* root, const CLI::Error& e) {
    std::string command = "progmp";
    for (const CLI::App* sub = root; !sub->get_subcommands().empty();) {
      sub = sub->get_subcommands().front();
      command += " " + sub->get_name();
    }
    std::string what = e.what();
    // CLI11 checks "a subcommand is required" before leftover arguments; name the leftover instead (a misspelt
    // command or an unknown option of the top level) because that is the actual mistake.
    if (command == "progmp" && !root->remaining().empty()) {
      what = "unknown command or option '" + root->remaining().front() + "'";
    }
    return command + ": " + what + "\nRun '" + command + " --help' for more information.\n";
  });

  progmp::tools::add_check_command(app);
  progmp::tools::add_dump_command(app);
  progmp::tools::add_run_command(app);
  progmp::tools::add_sim_command(app);
  progmp::tools::add_experiment_command(app);
  progmp::tools::add_compile_command(app);
  progmp::tools::add_bench_command(app);
  progmp::tools::add_keygen_command(app);
  progmp::tools::add_serve_command(app);
  progmp::tools::add_connect_command(app);
  progmp::tools::add_testbed_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Error& e) {
    const int status = app.exit(e);
    // A command line that does not parse is a usage error: status 2, like invalid input. Subcommands report their
    // own statuses through CLI::RuntimeError; --help and --version exit 0.
    if (status != 0 && dynamic_cast<const CLI::RuntimeError*>(&e) == nullptr) return 2;
    return status;
  } catch (const std::exception& e) {
    std::cerr << "progmp: internal error: " << e.what() << '\n';
    return 3;
  }
  return 0;
}
