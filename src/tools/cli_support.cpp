// Helpers shared by the `progmp` subcommands (see cli_support.hpp).
#include "cli_support.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "progmp/ir/passes.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/ir/module.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/builtin.hpp"
#include "progmp/runtime/program.hpp"

namespace progmp::tools {

std::string_view version() { return PROGMP_VERSION; }

std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "is a directory";
    return std::nullopt;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = errno != 0 ? std::strerror(errno) : "cannot open file";
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = errno != 0 ? std::strerror(errno) : "read error";
    return std::nullopt;
  }
  error.clear();
  return std::move(buffer).str();
}

std::string registration_name(const std::string& path, const lang::Program* program_or_null) {
  if (program_or_null != nullptr && !program_or_null->header_name.empty()) return program_or_null->header_name;

  // Base name: everything after the last '/', then without the last extension (".progmp" of "a.b.progmp").
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  if (auto dot = base.find_last_of('.'); dot != std::string::npos && dot > 0) base.erase(dot);

  // A character is one UTF-8 sequence: continuation bytes (10xxxxxx) after a lead byte add no second '_'.
  std::string name;
  name.reserve(base.size() + 1);
  bool in_sequence = false;
  for (unsigned char c : base) {
    if (in_sequence && (c & 0xC0) == 0x80) continue;
    in_sequence = c >= 0xC0;
    bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    name += word ? static_cast<char>(c) : '_';
  }
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) name.insert(name.begin(), '_');
  return name;
}

std::string cannot_read_message(const std::string& path, const std::string& reason) {
  return "progmp: cannot read '" + path + "': " + reason;
}

}  // namespace progmp::tools

namespace progmp::tools {

std::filesystem::path library_dir() {
  if (const char* env = std::getenv("PROGMP_SCHEDULER_DIR"); env && *env) return env;
  return PROGMP_SCHEDULER_DIR;
}

std::optional<std::filesystem::path> find_library_scheduler(std::string_view name) {
  // Names only: a path separator or a dot would let a "name" escape the library folder.
  if (name.empty() || name.find_first_of("/\\.") != std::string_view::npos) return std::nullopt;
  std::filesystem::path p = library_dir() / (std::string(name) + ".progmp");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
  return p;
}

bool resolve_scheduler(const std::string& spec, bool is_file, const std::filesystem::path& base, std::string& name,
                       std::string& source, std::string& error, int& status) {
  namespace fs = std::filesystem;
  status = kExitInput;
  if (!is_file && spec == runtime::kBuiltinMinRttName) {
    name = spec;
    source.clear();
    return true;
  }
  fs::path file;
  if (is_file || spec.ends_with(".progmp") || spec.find('/') != std::string::npos) {
    file = fs::path(spec).is_absolute() || base.empty() ? fs::path(spec) : base / spec;
    if (!is_file && !fs::exists(file)) file = spec;  // a command-line path is relative to the working directory
  } else {
    const std::optional<fs::path> found = find_library_scheduler(spec);
    if (!found) {
      error = "unknown scheduler '" + spec + "' (not a file, not in the scheduler library " + library_dir().string() + ")";
      return false;
    }
    file = *found;
  }
  std::string reason;
  std::optional<std::string> text = read_file(file.string(), reason);
  if (!text) {
    error = cannot_read_message(file.string(), reason);
    return false;
  }
  const runtime::CompiledCode code = runtime::compile_for_interpreter(*text);
  if (!code.ok) {
    error = lang::format_diagnostics_text(code.diagnostics, file.string(), *text);
    status = kExitDiagnostics;
    return false;
  }
  name = code.header_name.empty() ? registration_name(file.string(), nullptr) : code.header_name;
  source = *text;
  return true;
}

TempAotLibrary::~TempAotLibrary() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

bool TempAotLibrary::build(const std::string& source, const std::string& name, std::string& error) {
  const lang::CompileOutput out = lang::compile(source);
  if (!out.program) {
    error = "the program has errors";
    return false;
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "progmp-aot-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    error = "cannot create a temporary folder";
    return false;
  }
  dir_ = pattern;
  so_ = (dir_ / "scheduler.so").string();
  return aot::compile_shared_object(aot::generate_cpp(*ir::lower_optimised(*out.program), source, name), so_, error);
}

}  // namespace progmp::tools
