// `progmp run FILE --view VIEW.json [--executions N] [--engine E] [--json] [--name NAME]`: the playground of
// runtime.md §14. Compiles FILE, validates the view, runs one round of at most N executions against it and prints
// a readable report (stdout) or, with --json, the result object of §14.4 on one line.
//
// Exit status: 0 after a run, whatever the scheduler did; 1 when FILE has errors (diagnostics on stderr, or with
// --json the compile_error object on stdout); 2 when a file cannot be read, the view is invalid
// (`VIEW.json: <pointer>: <problem>` on stderr), the engine is not available in this build or cannot run the program
// (the eBPF verifier refuses it), or the ahead-of-time compilation for --engine aot fails.
// The scheduler name is --name, else the SCHEDULER header, else derived from the file name (runtime.md §2.2).
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/playground.hpp"
#include "progmp/runtime/program.hpp"

namespace progmp::tools {
namespace {

struct RunOptions {
  std::string file;
  std::string view;
  std::uint64_t executions = 1;
  std::string engine = "interp";
  bool json = false;
  std::string name;
};

std::string read_or_fail(const std::string& path) {
  std::string reason;
  std::optional<std::string> text = read_file(path, reason);
  if (!text) {
    std::cerr << cannot_read_message(path, reason) << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  return *text;
}

void run_run(const RunOptions& opt) {
  const std::string source = read_or_fail(opt.file);
  const runtime::CompiledCode code = runtime::compile_for_interpreter(source);
  std::string name = opt.name;
  if (name.empty()) name = code.header_name.empty() ? registration_name(opt.file, nullptr) : code.header_name;
  if (!code.ok) {
    if (opt.json) {
      std::cout << runtime::playground_compile_error_json(name, lang::format_diagnostics_json(code.diagnostics, opt.file))
                << '\n';
    } else {
      std::cerr << lang::format_diagnostics_text(code.diagnostics, opt.file, source);
    }
    std::cout.flush();
    throw CLI::RuntimeError(kExitDiagnostics);
  }

  runtime::PlaygroundOptions popt;
  popt.executions = opt.executions;
  runtime::CompiledCode run_code = code;
  TempAotLibrary aot_library;
  if (opt.engine == "aot") {
    // Compile ahead of time into a temporary shared object and run on it (engine choice auto prefers it).
    std::string error;
    if (aot_library.build(source, name, error)) run_code.accelerated = aot::load(aot_library.path(), source, error);
    if (!run_code.accelerated) {
      std::cerr << "progmp run: ahead-of-time compilation failed: " << error << '\n';
      throw CLI::RuntimeError(kExitInput);
    }
    popt.engine = runtime::EngineChoice::Aot;
  } else if (!runtime::parse_engine(opt.engine, popt.engine)) {
    std::cerr << "progmp run: engine '" << opt.engine << "' is not available in this build (available: "
              << runtime::available_engine_names() << ")\n";
    throw CLI::RuntimeError(kExitInput);
  }

  const std::string view_text = read_or_fail(opt.view);
  const runtime::ViewParse parsed = runtime::parse_view(view_text);
  if (!parsed.view) {
    std::cerr << parsed.error->message(opt.view) << '\n';
    throw CLI::RuntimeError(kExitInput);
  }

  const runtime::PlaygroundResult result = runtime::run_playground(run_code, name, *parsed.view, popt);
  if (!result.engine_error.empty()) {
    std::cerr << "progmp run: engine " << opt.engine << " cannot run this program: " << result.engine_error << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  if (opt.json) {
    std::cout << runtime::playground_json(result, lang::format_diagnostics_json(code.diagnostics, opt.file)) << '\n';
  } else {
    std::cerr << lang::format_diagnostics_text(code.diagnostics, opt.file, source);
    std::cout << runtime::playground_text(result);
  }
  std::cout.flush();
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run one scheduling round of a program against a JSON scheduler view");
  cmd->add_option("FILE", opt->file, "ProgMP source file (.progmp)")->required()->type_name("");
  cmd->add_option("--view", opt->view, "The scheduler view (runtime spec §14.2)")->required()->type_name("VIEW.json");
  cmd->add_option("--executions", opt->executions, "At most N executions (default 1)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))
      ->type_name("N");
  cmd->add_option("--engine", opt->engine, "Engine: interp (default), aot, jit, ebpf or auto")
      ->check(CLI::IsMember({"interp", "aot", "jit", "ebpf", "auto"}).description(""))
      ->type_name("E");
  cmd->add_flag("--json", opt->json, "Print the result as one JSON object (runtime spec §14.4)");
  cmd->add_option("--name", opt->name, "Scheduler name in the report (default: SCHEDULER header, else file name)")
      ->type_name("NAME");
  cmd->callback([opt] { run_run(*opt); });
}

}  // namespace progmp::tools
