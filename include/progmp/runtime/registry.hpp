// The scheduler registry (runtime.md §2): names → current compiled version, the default scheduler and the built-in
// builtin_minrtt. Replacing a name affects only later connections and set_scheduler calls: connections hold their
// own ProgramPtr. Unloading forgets the name but keeps its version counter and statistics (a later load of the same
// name continues the numbering, so "name@version" stays unambiguous in traces).
//
// Not thread-safe: one registry belongs to one runtime instance.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/program.hpp"
#include "progmp/runtime/status.hpp"

namespace progmp::runtime {

struct LoadResult {
  Status status = Status::Ok;  // Ok, NoName, ReservedName, BadName, CompileError
  std::string name;            // the registration name (empty if it could not be determined)
  std::uint32_t version = 0;   // 0 unless Ok
  std::vector<lang::Diagnostic> diagnostics;  // errors, or warnings of a successful load
};

struct SchedulerInfo {
  std::string name;
  std::uint32_t version = 0;       // current version
  std::uint64_t connections = 0;   // connections using the current version now
};

// The identifier syntax [A-Za-z_][A-Za-z0-9_]*, 1..255 characters.
bool is_valid_scheduler_name(std::string_view name);

class Registry {
 public:
  // Compiles builtin_minrtt with `compiler`; throws std::logic_error if that fails (a build defect).
  explicit Registry(ProgramCompiler compiler = compile_for_interpreter);

  // §2.2/§2.3: name non-empty → it (must be valid and not reserved, checked before compiling); else the header
  // name; else NoName. With an error the registry is unchanged.
  LoadResult load(std::string_view name, std::string_view source);
  // The same with another compiler for this one source (load_scheduler_so: interpreter + a loaded AOT engine).
  LoadResult load(std::string_view name, std::string_view source, const ProgramCompiler& compiler);
  Status unload(std::string_view name);               // UnknownScheduler, Builtin, IsDefault
  Status set_default(std::string_view name);           // UnknownScheduler
  const std::string& default_name() const { return default_; }

  ProgramPtr find(std::string_view name) const;        // current version, or null
  ProgramPtr default_program() const { return find(default_); }
  const ProgramPtr& builtin() const { return builtin_; }

  std::vector<SchedulerInfo> list() const;             // loaded names, ascending
  // Sum over all versions when `version` is empty. UnknownScheduler for a name never loaded or a version that
  // never existed.
  Status stats(std::string_view name, std::optional<std::uint32_t> version, SchedulerStats& out) const;
  // The profile of one version (docs/profiling.md): `version` empty is the current version, or the last one after
  // an unload. UnknownScheduler like stats.
  Status profile(std::string_view name, std::optional<std::uint32_t> version, ProgramProfile& out) const;
  // The profiles of every version that has executed while profiling, by name, then version.
  std::vector<ProgramProfile> profiles() const;

  const ProgramCompiler& compiler() const { return compiler_; }

 private:
  struct NameEntry {
    ProgramPtr current;                                  // null after unload
    std::vector<std::shared_ptr<ProgramUsage>> versions;  // index = version - 1
  };
  ProgramCompiler compiler_;
  std::map<std::string, NameEntry, std::less<>> names_;
  ProgramPtr builtin_;
  std::string default_;
};

}  // namespace progmp::runtime
