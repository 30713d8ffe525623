// Helpers shared by the `progmp` subcommands: reading a source or view file with a readable error, and the
// registration name a command-line tool gives to a scheduler file (runtime.md §2.2).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "progmp/lang/ast.hpp"

namespace progmp::tools {

// The project version, "0.1.0" (CMake's PROJECT_VERSION).
std::string_view version();

// Reads the whole file at `path` as bytes. On failure returns nullopt and sets `error` to a short reason
// ("No such file or directory", "is a directory", ...), suitable for `progmp: cannot read 'X': <reason>`.
std::optional<std::string> read_file(const std::string& path, std::string& error);

// The registration name of runtime.md §2.2 for command-line tools: the program's `SCHEDULER` header name if
// `program_or_null` has one; else the file name of `path` without directories and without its last extension,
// with every character outside [A-Za-z0-9_] replaced by '_' and a '_' prepended if it starts with a digit.
// A non-ASCII character (one UTF-8 sequence) becomes one '_'. A leading dot is not an extension (".rc" → "_rc");
// an empty base name gives "_".
std::string registration_name(const std::string& path, const lang::Program* program_or_null);

// The message for an unreadable file: "progmp: cannot read '<path>': <reason>".
std::string cannot_read_message(const std::string& path, const std::string& reason);

// The scheduler library: $PROGMP_SCHEDULER_DIR if set, else the source tree's schedulers/ folder.
std::filesystem::path library_dir();
// schedulers/<name>.progmp of the library if it exists.
std::optional<std::filesystem::path> find_library_scheduler(std::string_view name);

// A scheduler named on a command line or in a scenario/experiment file: a .progmp file (a path that exists or ends
// in .progmp, relative paths against `base`; with `is_file` always a file) or a library name (builtin_minrtt, or
// schedulers/<name>.progmp). On success `name` is its registration name and `source` its text (empty for the
// built-in). On failure `error` is the message (for a program with errors: its formatted diagnostics) and
// `status` the exit status (1 for errors in the program, 2 for an unknown name or unreadable file).
bool resolve_scheduler(const std::string& spec, bool is_file, const std::filesystem::path& base, std::string& name,
                       std::string& source, std::string& error, int& status);

// A program compiled ahead of time into a shared object in a temporary folder, removed with the object
// (`progmp run --engine aot`, `progmp sim --engine aot`).
class TempAotLibrary {
 public:
  TempAotLibrary() = default;
  TempAotLibrary(const TempAotLibrary&) = delete;
  TempAotLibrary& operator=(const TempAotLibrary&) = delete;
  ~TempAotLibrary();
  // Generates C++ for `source` (registered as `name`) and compiles it; false with a reason in `error`.
  bool build(const std::string& source, const std::string& name, std::string& error);
  const std::string& path() const { return so_; }

 private:
  std::filesystem::path dir_;
  std::string so_;
};

// Exit statuses shared by the subcommands (docs/cli.md).
inline constexpr int kExitDiagnostics = 1;  // the program has errors (or warnings with -Werror)
inline constexpr int kExitInput = 2;        // a file could not be read or is invalid

}  // namespace progmp::tools
