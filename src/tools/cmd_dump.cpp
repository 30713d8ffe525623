// `progmp dump FILE`: compiles one file and prints its IR (ir::format) on stdout: by default the optimised IR
// (ir::optimise), with --no-opt the lowered IR as the engines would get it without the optimiser, and with
// --passes the IR after each pass of the pipeline, each listing under a header line `;; ==== <pass> ====`.
//
// Diagnostics go to stderr (stdout carries only the listing): on errors the text diagnostics and exit status 1;
// warnings are printed and the listing follows. An unreadable file gives exit status 2.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/ir/module.hpp"
#include "progmp/ir/passes.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/lang/diagnostics.hpp"

namespace progmp::tools {
namespace {

struct DumpOptions {
  std::string path;
  bool passes = false;
  bool no_opt = false;
};

void run_dump(const DumpOptions& opt) {
  std::string reason;
  std::optional<std::string> source = read_file(opt.path, reason);
  if (!source) {
    std::cerr << cannot_read_message(opt.path, reason) << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  lang::CompileOutput out = lang::compile(*source);
  std::cerr << lang::format_diagnostics_text(out.diagnostics, opt.path, *source);
  if (!out.program) throw CLI::RuntimeError(kExitDiagnostics);
  const std::shared_ptr<const ir::Module> lowered = ir::lower(*out.program);
  if (opt.no_opt) {
    std::cout << ir::format(*lowered);
  } else if (opt.passes) {
    std::vector<ir::PassSnapshot> trace;
    ir::optimise(*lowered, &trace);
    for (std::size_t i = 0; i < trace.size(); ++i) {
      if (i > 0) std::cout << '\n';
      std::cout << ";; ==== " << trace[i].pass << " ====\n" << trace[i].listing;
    }
  } else {
    std::cout << ir::format(*ir::optimise(*lowered));
  }
  std::cout.flush();
}

}  // namespace

void add_dump_command(CLI::App& app) {
  auto opt = std::make_shared<DumpOptions>();
  std::string passes;
  for (const std::string& p : ir::pass_names()) passes += (passes.empty() ? "" : ", ") + p;
  CLI::App* cmd = app.add_subcommand("dump", "Compile a scheduler program and print its optimised IR");
  cmd->footer("The optimiser runs the passes " + passes +
              " (docs/ir.md, \"Optimisation passes\"). Step counts, effects and RANDOM draws are those of the "
              "lowered IR.");
  cmd->add_option("FILE", opt->path, "ProgMP source file (.progmp)")->required()->type_name("");
  auto* passes_flag =
      cmd->add_flag("--passes", opt->passes, "Print the IR after each pass (first the lowered IR), one header per pass");
  cmd->add_flag("--no-opt", opt->no_opt, "Print the lowered IR, without optimisation")->excludes(passes_flag);
  cmd->callback([opt] { run_dump(*opt); });
}

}  // namespace progmp::tools
