// `progmp check FILE... [--format=text|json] [-Werror]`: compiles each file and reports its diagnostics.
//
// Output: text diagnostics (language.md §14.2) on stdout, file after file; with --format=json one JSON array on
// stdout holding the diagnostics of all files, in command-line order. Unreadable files are reported on stderr
// and are not part of the array.
// Exit status: 2 if some file could not be read; else 1 if some file has an error (with -Werror: or a warning);
// else 0. Every file is checked even after a failure.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/lang/diagnostics.hpp"

namespace progmp::tools {
namespace {

struct CheckOptions {
  std::vector<std::string> files;
  std::string format = "text";
  std::string warnings;  // "error" after -Werror
};

bool fails(const std::vector<lang::Diagnostic>& diags, bool warnings_are_errors) {
  for (const lang::Diagnostic& d : diags) {
    if (d.severity == lang::Severity::Error) return true;
    if (warnings_are_errors && d.severity == lang::Severity::Warning) return true;
  }
  return false;
}

void run_check(const CheckOptions& opt) {
  const bool json = opt.format == "json";
  const bool werror = opt.warnings == "error";
  bool unreadable = false;
  bool failed = false;
  // ordered_json keeps the formatter's key order (file, line, col, severity, code, message, notes).
  nlohmann::ordered_json all = nlohmann::ordered_json::array();

  for (const std::string& path : opt.files) {
    std::string reason;
    std::optional<std::string> source = read_file(path, reason);
    if (!source) {
      std::cerr << cannot_read_message(path, reason) << '\n';
      unreadable = true;
      continue;
    }
    lang::CompileOutput out = lang::compile(*source);
    failed = failed || fails(out.diagnostics, werror);
    if (json) {
      for (auto& d : nlohmann::ordered_json::parse(lang::format_diagnostics_json(out.diagnostics, path))) {
        all.push_back(std::move(d));
      }
    } else {
      std::cout << lang::format_diagnostics_text(out.diagnostics, path, *source);
    }
  }

  if (json) std::cout << all.dump() << '\n';
  std::cout.flush();
  if (unreadable) throw CLI::RuntimeError(kExitInput);
  if (failed) throw CLI::RuntimeError(kExitDiagnostics);
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto opt = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand("check", "Compile scheduler programs and print their diagnostics");
  cmd->add_option("FILE", opt->files, "ProgMP source files (.progmp)")->required()->type_name("");
  cmd->add_option("--format", opt->format, "Diagnostics format: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}).description(""))
      ->type_name("text|json");
  // Written -Werror, as in compilers: CLI11 reads it as the short option -W with the value "error".
  cmd->add_option("-W", opt->warnings, "-Werror: treat warnings as errors (exit status 1)")
      ->check(CLI::IsMember({"error"}).description(""))
      ->type_name("error");
  cmd->callback([opt] { run_check(*opt); });
}

}  // namespace progmp::tools
