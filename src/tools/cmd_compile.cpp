// `progmp compile FILE [-o OUT] [--emit-cpp] [--cxx COMPILER]`: ahead-of-time compilation (docs/engines.md).
//
// Without --emit-cpp: generates C++ for the program, compiles it with the system C++ compiler into a shared object
// (default: FILE's base name with .so, in the current directory) that the runtime can load. With --emit-cpp: writes
// the generated C++ to OUT, or to stdout without -o.
// Diagnostics go to stderr in the format of `progmp check`. Exit status: 1 if the program has errors; 2 if the
// file cannot be read, the output cannot be written or the C++ compiler fails; else 0.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/ir/module.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/lang/diagnostics.hpp"

namespace progmp::tools {
namespace {

struct CompileOptions {
  std::string file;
  std::string output;
  bool emit_cpp = false;
  std::string cxx = "c++";
};

void run_compile(const CompileOptions& opt) {
  std::string reason;
  const std::optional<std::string> source = read_file(opt.file, reason);
  if (!source) {
    std::cerr << cannot_read_message(opt.file, reason) << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  const lang::CompileOutput out = lang::compile(*source);
  std::cerr << lang::format_diagnostics_text(out.diagnostics, opt.file, *source);
  if (!out.program) throw CLI::RuntimeError(kExitDiagnostics);

  const std::string name = registration_name(opt.file, &*out.program);
  const std::string cpp = aot::generate_cpp(*ir::lower(*out.program), *source, name);

  if (opt.emit_cpp) {
    if (opt.output.empty() || opt.output == "-") {
      std::cout << cpp;
      std::cout.flush();
      return;
    }
    std::ofstream f(opt.output, std::ios::binary);
    f << cpp;
    f.close();
    if (!f) {
      std::cerr << "progmp compile: cannot write '" << opt.output << "'\n";
      throw CLI::RuntimeError(kExitInput);
    }
    return;
  }

  std::string so = opt.output;
  if (so.empty()) so = std::filesystem::path(opt.file).stem().string() + ".so";
  // The compiler resolves the output path relative to its own working directory, which is ours.
  aot::CompilerOptions copt;
  copt.compiler = opt.cxx;
  std::string error;
  if (!aot::compile_shared_object(cpp, so, error, copt)) {
    std::cerr << "progmp compile: " << error;
    if (error.empty() || error.back() != '\n') std::cerr << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  // Refuse to leave a library behind that this binary could not load.
  auto check = aot::load(std::filesystem::absolute(so).string(), *source, error);
  if (!check) {
    std::cerr << "progmp compile: the compiled library does not load: " << error << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
}

}  // namespace

void add_compile_command(CLI::App& app) {
  auto opt = std::make_shared<CompileOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compile",
      "Compile a scheduler program ahead of time: generate C++ and build a shared object the runtime can load");
  cmd->footer(
      "Examples:\n"
      "  progmp compile schedulers/minrtt.progmp -o minrtt.so\n"
      "  progmp compile schedulers/minrtt.progmp --emit-cpp -o minrtt.cpp\n"
      "Exit status: 0 ok; 1 the program has errors; 2 unreadable file, unwritable output or compiler failure.\n");
  cmd->add_option("FILE", opt->file, "ProgMP source file (.progmp)")->required()->type_name("");
  cmd->add_option("-o,--output", opt->output,
                  "Output file (default: FILE's base name + .so; with --emit-cpp: stdout)")
      ->type_name("OUT");
  cmd->add_flag("--emit-cpp", opt->emit_cpp, "Write the generated C++ instead of compiling it");
  cmd->add_option("--cxx", opt->cxx, "C++ compiler to run (default: c++)")->type_name("COMPILER");
  cmd->callback([opt] { run_compile(*opt); });
}

}  // namespace progmp::tools
