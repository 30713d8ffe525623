// `progmp compile FILE [-o OUT] [--emit-cpp] [--target so|cpp|static-cpp|ebpf] [--cxx COMPILER]`: ahead-of-time
// compilation (docs/engines.md).
//
// Target so (default): generates C++ for the program, compiles it with the system C++ compiler into a shared
// object (default: FILE's base name with .so, in the current directory) that the runtime can load. Target cpp (or
// --emit-cpp): writes the generated C++ to OUT, or to stdout without -o. Target static-cpp: the same for static
// linking into an application (internal symbols, one accessor progmp_static_NAME()). Target ebpf: translates the
// program to eBPF, writes the readable assembly to OUT or stdout, loads it so that the Linux verifier checks it
// and prints the verdict on stderr.
// Diagnostics go to stderr in the format of `progmp check`. Exit status: 1 if the program has errors; 2 if the
// file cannot be read, the output cannot be written, the C++ compiler fails or the verifier rejects the program;
// else 0.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/exec/aot.hpp"
#ifdef PROGMP_HAVE_EBPF
#include "progmp/exec/ebpf.hpp"
#endif
#include "progmp/ir/module.hpp"
#include "progmp/ir/passes.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/lang/diagnostics.hpp"

namespace progmp::tools {
namespace {

struct CompileOptions {
  std::string file;
  std::string output;
  bool emit_cpp = false;
  std::string target = "so";
  std::string cxx = "c++";
  aot::CodegenOptions codegen;
};

// Writes `text` to `path`, or to stdout for an empty path or "-".
void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) {
    std::cerr << "progmp compile: cannot write '" << path << "'\n";
    throw CLI::RuntimeError(kExitInput);
  }
}

// --target ebpf: the bytecode as assembly, then the verifier's verdict.
void compile_ebpf(std::shared_ptr<const ir::Module> module, const std::string& output) {
#ifdef PROGMP_HAVE_EBPF
  ebpf::Bytecode code;
  std::string error;
  if (!ebpf::translate(*module, code, error)) {
    std::cerr << "progmp compile: the program cannot be translated to eBPF: " << error << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  write_output(output, ebpf::disassemble(code));
  std::string why;
  if (!ebpf::available(why)) {
    std::cerr << "verifier: not run (" << why << ")\n";
    return;
  }
  std::string log;
  if (!ebpf::load(std::move(module), error, &log)) {
    std::cerr << "verifier: rejected: " << error << '\n' << log;
    if (!log.empty() && log.back() != '\n') std::cerr << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  // The kernel's statistics come as several lines; one line reads better next to the verdict.
  std::string stats;
  for (char c : ebpf::last_verifier_stats()) stats += c == '\n' ? std::string("; ") : std::string(1, c);
  while (!stats.empty() && (stats.back() == ';' || stats.back() == ' ')) stats.pop_back();
  std::cerr << "verifier: accepted (" << stats << ")\n";
#else
  (void)module;
  (void)output;
  std::cerr << "progmp compile: this build has no eBPF engine (libbpf was not found when it was configured)\n";
  throw CLI::RuntimeError(kExitInput);
#endif
}

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

  const std::shared_ptr<const ir::Module> module = ir::lower_optimised(*out.program);
  if (opt.target == "ebpf") return compile_ebpf(module, opt.output);

  const std::string name = registration_name(opt.file, &*out.program);
  if (opt.target == "static-cpp")
    return write_output(opt.output, aot::generate_static_cpp(*module, *source, name, opt.codegen));
  const std::string cpp = aot::generate_cpp(*module, *source, name, opt.codegen);
  if (opt.emit_cpp || opt.target == "cpp") return write_output(opt.output, cpp);

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
      "  progmp compile schedulers/minrtt.progmp --target=ebpf      # assembly on stdout, verdict on stderr\n"
      "Exit status: 0 ok; 1 the program has errors; 2 unreadable file, unwritable output, compiler failure or\n"
      "the verifier rejected the program.\n");
  cmd->add_option("FILE", opt->file, "ProgMP source file (.progmp)")->required()->type_name("");
  cmd->add_option("-o,--output", opt->output,
                  "Output file (default: FILE's base name + .so; with --emit-cpp: stdout)")
      ->type_name("OUT");
  cmd->add_flag("--emit-cpp", opt->emit_cpp, "Write the generated C++ instead of compiling it (= --target cpp)");
  cmd->add_option("--target", opt->target,
                  "so: shared object (default); cpp: the generated C++; static-cpp: C++ to link into an application "
                  "(Runtime::register_static_scheduler with the accessor progmp_static_NAME()); ebpf: eBPF assembly "
                  "on stdout (or OUT) and the Linux verifier's verdict on stderr (the check needs root)")
      ->check(CLI::IsMember({"so", "cpp", "static-cpp", "ebpf"}).description(""))
      ->type_name("T");
  cmd->add_option("--cxx", opt->cxx, "C++ compiler to run (default: c++)")->type_name("COMPILER");
  cmd->add_option("--specialise", opt->codegen.specialise_subflows,
                  "so, cpp, static-cpp: besides the generic code, variants specialised for 1..N subflows, chosen per "
                  "execution (0: generic code only; smaller and faster to compile)")
      ->check(CLI::Range(0u, aot::kMaxSpecialisedSubflows))
      ->type_name("N")
      ->capture_default_str();
  cmd->callback([opt] { run_compile(*opt); });
}

}  // namespace progmp::tools
