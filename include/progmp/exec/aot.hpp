// The ahead-of-time (AOT) engine: generates readable C++ for a lowered program (one function per program that
// implements the engine ABI of runtime.md §7 exactly like the interpreter), compiles it with the system C++
// compiler into a shared object and loads it with dlopen. See docs/engines.md.
//
// A shared object holds one or more programs. It exports
//   progmp_abi_version   (uint64)  kAbiMajor << 32 | fingerprint of the record layouts the generated code reads
//   progmp_source_hash   (char[])  hash of the program source (of the first program when there are several)
//   progmp_program_count (uint64)  and progmp_programs[]: per program its name, source hash, source text and entry.
// A library whose ABI version differs from the loading binary's, or whose program does not match the expected
// source, is refused with a message that says which.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/exec/engine.hpp"
#include "progmp/ir/module.hpp"

namespace progmp::aot {

inline constexpr std::uint32_t kAbiMajor = 1;

// kAbiMajor << 32 | a fingerprint of the view records and the call context as this binary lays them out.
std::uint64_t abi_version();

// 16 lowercase hex digits (FNV-1a, 64 bit) of the program source text, as stored in the shared object.
std::string source_hash(std::string_view source);

// ---- code generation --------------------------------------------------------------------------------------------

// Code generation choices.
struct CodegenOptions {
  // Specialisation on the number of subflows: besides the generic function, one variant per count
  // 1..specialise_subflows in which that count is a compile-time constant (the C++ compiler unrolls the walks of
  // SUBFLOWS); the entry function picks the variant per execution and runs the generic one for other counts.
  // 0 (the default): the generic function only. Measured (docs/performance.md): 8 variants gain 0-7 % per
  // decision on the library schedulers and cost 5x the compile time, so they are opt-in (`--specialise 8`).
  std::uint32_t specialise_subflows = 0;
};
inline constexpr std::uint32_t kMaxSpecialisedSubflows = 32;

// Builds one translation unit holding any number of programs (the differential test puts thousands in one).
class SourceBuilder {
 public:
  explicit SourceBuilder(const CodegenOptions& options = {});
  // Adds a program; `source` is the program text the module was lowered from (embedded and hashed), `name` its
  // scheduler name (informational). Returns the C identifier of the generated entry function.
  std::string add(const ir::Module& module, std::string_view source, std::string_view name = {});
  // The complete translation unit: prelude, one function per program, the exported table.
  std::string finish() const;
  // The translation unit for static linking: internal functions and table, one accessor `extern "C" const
  // progmp_compiled* accessor()` returning the table.
  std::string finish_static(std::string_view accessor) const;
  // The same split into `parts` translation units (to compile in parallel and link into one shared object).
  std::vector<std::string> finish_parts(std::size_t parts) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string symbol, name, hash, source, function;
    std::uint32_t n_regions = 0;
  };
  std::vector<Entry> entries_;
  CodegenOptions options_;
};

// One program as one translation unit (what `progmp compile --emit-cpp` writes).
std::string generate_cpp(const ir::Module& module, std::string_view source, std::string_view name = {},
                         const CodegenOptions& options = {});

// One program as a translation unit to link statically into an application (`progmp compile --target
// static-cpp`): every symbol is internal except `extern "C" const progmp_compiled* <static_accessor(name)>()`,
// which returns the program table that Runtime::register_static_scheduler takes. Any number of such files link
// into one binary.
std::string generate_static_cpp(const ir::Module& module, std::string_view source, std::string_view name,
                                const CodegenOptions& options = {});
// "progmp_static_" + the name as a C identifier.
std::string static_accessor(std::string_view name);

// ---- compiling and loading --------------------------------------------------------------------------------------

struct CompilerOptions {
  std::string compiler = "c++";  // the system C++ compiler
  std::string flags = "-std=c++20 -O2 -fPIC -shared";
};

// Compiles C++ source text into a shared object at `so_path`. False with the compiler's output in `error`.
bool compile_shared_object(const std::string& cpp_source, const std::string& so_path, std::string& error,
                           const CompilerOptions& options = {});
// Several translation units (SourceBuilder::finish_parts), compiled concurrently and linked into one shared object.
bool compile_shared_object(const std::vector<std::string>& cpp_sources, const std::string& so_path,
                           std::string& error, const CompilerOptions& options = {});

// The ABI of one generated entry function (see the prelude the generator emits).
struct AotContext;
using EntryFn = std::uint32_t (*)(AotContext*);

struct ProgramInfo {
  std::string name;
  std::string source_hash;
  std::string source;
  EntryFn entry = nullptr;
  std::uint32_t n_regions = 0;
};

// A loaded shared object; stays mapped while any executable made from it lives.
class Library {
 public:
  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  // dlopen + ABI check + per-program source hash check. Null with a message in `error` on any failure.
  static std::shared_ptr<const Library> open(const std::string& path, std::string& error);
  // The table a statically linked program's accessor returns (generate_static_cpp), with the same checks.
  static std::shared_ptr<const Library> from_static(const void* table, std::string& error);

  const std::vector<ProgramInfo>& programs() const { return programs_; }
  // Index of the program compiled from `source`, or -1.
  int find(std::string_view source) const;

 private:
  Library() = default;
  void* handle_ = nullptr;
  std::vector<ProgramInfo> programs_;
};

// The Executable (engine_name "aot") of program `index` of `lib`. It never answers Unsupported.
std::unique_ptr<Executable> make_executable(std::shared_ptr<const Library> lib, std::size_t index);

// Opens `path` and returns the executable of the program compiled from `expected_source`; null with a message in
// `error` if the library cannot be loaded, has another ABI version, or holds no program with that source.
std::unique_ptr<Executable> load(const std::string& path, std::string_view expected_source, std::string& error);

}  // namespace progmp::aot
