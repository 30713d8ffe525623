// `progmp dump FILE`: compiles one file and prints its lowered, optimised IR (ir::format) on stdout.
//
// Diagnostics go to stderr (stdout carries only the listing): on errors the text diagnostics and exit status 1;
// warnings are printed and the listing follows. An unreadable file gives exit status 2.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/ir/module.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/lang/diagnostics.hpp"

namespace progmp::tools {
namespace {

void run_dump(const std::string& path) {
  std::string reason;
  std::optional<std::string> source = read_file(path, reason);
  if (!source) {
    std::cerr << cannot_read_message(path, reason) << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  lang::CompileOutput out = lang::compile(*source);
  std::cerr << lang::format_diagnostics_text(out.diagnostics, path, *source);
  if (!out.program) throw CLI::RuntimeError(kExitDiagnostics);
  std::cout << ir::format(*ir::lower(*out.program));
  std::cout.flush();
}

}  // namespace

void add_dump_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("dump", "Compile a scheduler program and print its IR");
  cmd->add_option("FILE", *path, "ProgMP source file (.progmp)")->required()->type_name("");
  cmd->callback([path] { run_dump(*path); });
}

}  // namespace progmp::tools
