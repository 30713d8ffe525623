// Compiling generated C++ with the system compiler, loading the shared object with dlopen, checking its ABI version
// and source hashes, and the Executable (engine "aot") that calls a loaded entry function.
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "abi.hpp"
#include "progmp/exec/aot.hpp"

namespace progmp::aot {
namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) {
    if (ch == '\'') q += "'\\''";
    else q += ch;
  }
  return q + "'";
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// ---- effect-log callbacks -----------------------------------------------------------------------------------------
void cb_pop(void* log, std::uint32_t queue, const PacketMeta* p) {
  static_cast<EffectLog*>(log)->pop(static_cast<QueueId>(queue), p);
}
std::int32_t cb_action(void* log, std::uint32_t kind, std::uint32_t queue, std::uint32_t subflow,
                       const PacketMeta* p, std::int64_t value) {
  return static_cast<EffectLog*>(log)->try_action(Effect{static_cast<EffectKind>(kind), static_cast<QueueId>(queue),
                                                         static_cast<std::uint8_t>(subflow), 0, p, value})
             ? 1
             : 0;
}
std::int32_t cb_print(void* log, std::int64_t format, const AotPrintArg* a) {
  PrintValue pv;
  pv.kind = static_cast<PrintValue::Kind>(a->kind);
  pv.value = a->value;
  pv.n_elems = a->n_elems <= kPrintListElems ? a->n_elems : kPrintListElems;
  for (std::uint32_t i = 0; i < pv.n_elems; ++i) pv.elems[i] = a->elems[i];
  return static_cast<EffectLog*>(log)->try_print(format, pv) ? 1 : 0;
}

static_assert(static_cast<int>(EffectKind::Push) == 1 && static_cast<int>(EffectKind::Drop) == 2 &&
              static_cast<int>(EffectKind::SetUser) == 3);
static_assert(static_cast<int>(QueueId::Q) == 0 && static_cast<int>(QueueId::QU) == 1 &&
              static_cast<int>(QueueId::RQ) == 2);
static_assert(static_cast<int>(EndCause::End) == 0 && static_cast<int>(EndCause::Return) == 1 &&
              static_cast<int>(EndCause::StepLimit) == 2 && static_cast<int>(EndCause::ActionLimit) == 3 &&
              static_cast<int>(EndCause::Unsupported) == 4);
static_assert(static_cast<int>(PrintValue::Kind::None) == 0 && static_cast<int>(PrintValue::Kind::Null) == 1 &&
              static_cast<int>(PrintValue::Kind::Int) == 2 && static_cast<int>(PrintValue::Kind::Bool) == 3 &&
              static_cast<int>(PrintValue::Kind::String) == 4 && static_cast<int>(PrintValue::Kind::Subflow) == 5 &&
              static_cast<int>(PrintValue::Kind::Packet) == 6 &&
              static_cast<int>(PrintValue::Kind::SubflowList) == 7 &&
              static_cast<int>(PrintValue::Kind::PacketList) == 8);

class AotExecutable final : public Executable {
 public:
  AotExecutable(std::shared_ptr<const Library> lib, const ProgramInfo& p)
      : lib_(std::move(lib)), entry_(p.entry), n_regions_(p.n_regions) {}

  std::string_view engine_name() const override { return "aot"; }

  void prepare(const SchedulerView& view, ExecScratch& scratch) const override {
    const std::size_t need = words(view);
    if (scratch.words.size() < need) scratch.words.resize(need);
  }

  ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const override {
    ExecScratch& scratch = *state.scratch;
    const std::size_t need = words(view);
    // The runtime prepares the scratch between executions; growing here is only a safety net.
    if (scratch.words.size() < need) scratch.words.resize(need);
    AotContext c;
    c.subflows = view.subflows.data();
    c.n_subflows = view.subflows.size();
    c.queue[0] = view.q.data();
    c.queue[1] = view.qu.data();
    c.queue[2] = view.rq.data();
    c.queue_len[0] = view.q.size();
    c.queue_len[1] = view.qu.size();
    c.queue_len[2] = view.rq.size();
    c.now_us = view.now_us;
    c.window_end = view.window_end;
    c.mss = view.mss;
    c.registers = state.registers.data();
    c.rng = &state.rng;
    c.allowance = state.allowance;
    c.scratch = scratch.words.data();
    c.log = &log;
    c.pop = cb_pop;
    c.action = cb_action;
    c.print = cb_print;
    c.steps = 0;
    c.prints_suppressed = 0;
    const std::uint32_t cause = entry_(&c);
    ExecResult r;
    r.end = cause <= 4 ? static_cast<EndCause>(cause) : EndCause::Unsupported;
    if (r.end == EndCause::Unsupported) return r;
    r.steps = c.steps;
    r.prints_suppressed = c.prints_suppressed;
    return r;
  }

 private:
  std::size_t words(const SchedulerView& v) const {
    return scratch_words(n_regions_, v.subflows.size(), v.q.size(), v.qu.size(), v.rq.size());
  }

  std::shared_ptr<const Library> lib_;
  EntryFn entry_;
  std::uint32_t n_regions_;
};

}  // namespace

bool compile_shared_object(const std::string& cpp_source, const std::string& so_path, std::string& error,
                           const CompilerOptions& options) {
  return compile_shared_object(std::vector<std::string>{cpp_source}, so_path, error, options);
}

bool compile_shared_object(const std::vector<std::string>& cpp_sources, const std::string& so_path,
                           std::string& error, const CompilerOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string tmpl = (fs::temp_directory_path(ec) / "progmp-aot-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) {
    error = std::string("cannot create a temporary directory: ") + std::strerror(errno);
    return false;
  }
  const fs::path dir(buf.data());
  const fs::path out = dir / "compiler.txt";
  std::string cmd;
  if (cpp_sources.size() == 1) {
    cmd = options.compiler + " " + options.flags + " -o " + shell_quote(so_path) + " " +
          shell_quote((dir / "program0.cpp").string()) + " > " + shell_quote(out.string()) + " 2>&1";
  } else {
    // One compiler per translation unit, concurrently, then one link.
    std::string objects, waits;
    for (std::size_t i = 0; i < cpp_sources.size(); ++i) {
      const std::string n = std::to_string(i);
      const fs::path src = dir / ("program" + n + ".cpp");
      const fs::path obj = dir / ("program" + n + ".o");
      cmd += options.compiler + " " + options.flags + " -c -o " + shell_quote(obj.string()) + " " +
             shell_quote(src.string()) + " > " + shell_quote((dir / ("compiler" + n + ".txt")).string()) +
             " 2>&1 & p" + n + "=$!; ";
      waits += "wait $p" + n + " || s=1; ";
      objects += " " + shell_quote(obj.string());
    }
    cmd += "s=0; " + waits + "cat " + shell_quote(dir.string()) + "/compiler*.txt > " + shell_quote(out.string()) +
           "; [ $s = 0 ] && " + options.compiler + " " + options.flags + " -o " + shell_quote(so_path) + objects +
           " >> " + shell_quote(out.string()) + " 2>&1";
    cmd = "sh -c " + shell_quote(cmd);
  }
  for (std::size_t i = 0; i < cpp_sources.size(); ++i) {
    const fs::path src = dir / ("program" + std::to_string(i) + ".cpp");
    std::ofstream f(src, std::ios::binary);
    f << cpp_sources[i];
    if (!f) {
      error = "cannot write " + src.string();
      fs::remove_all(dir, ec);
      return false;
    }
  }
  const int status = std::system(cmd.c_str());
  std::string output;
  {
    std::ifstream f(out, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    output = ss.str();
  }
  fs::remove_all(dir, ec);
  if (status != 0) {
    const int code = status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    error = "the C++ compiler (" + options.compiler + ") failed with status " + std::to_string(code);
    if (!output.empty()) error += ":\n" + output;
    return false;
  }
  return true;
}

// Copies a program table, checking each program's source against its hash.
static bool read_programs(const AotProgramEntry* table, std::uint64_t count, const std::string& where,
                          std::vector<ProgramInfo>& out, std::string& error) {
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    const AotProgramEntry& e = table[i];
    ProgramInfo p;
    p.name = e.name ? e.name : "";
    p.source_hash = e.source_hash ? e.source_hash : "";
    p.source = e.source ? e.source : "";
    p.entry = reinterpret_cast<EntryFn>(e.entry);
    p.n_regions = e.n_regions;
    if (!p.entry || source_hash(p.source) != p.source_hash) {
      error = "source hash mismatch: program " + std::to_string(i) + " of " + where +
              " does not match its embedded source";
      return false;
    }
    out.push_back(std::move(p));
  }
  return true;
}

Library::~Library() {
  if (handle_) ::dlclose(handle_);
}

std::shared_ptr<const Library> Library::open(const std::string& path, std::string& error) {
  // RTLD_LOCAL: the generated symbols never collide with another library's.
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* msg = ::dlerror();
    error = "cannot load " + path + ": " + (msg ? msg : "unknown error");
    return nullptr;
  }
  std::shared_ptr<Library> lib(new Library());
  lib->handle_ = h;
  const auto* abi = static_cast<const std::uint64_t*>(::dlsym(h, "progmp_abi_version"));
  if (!abi) {
    error = path + " is not a progmp scheduler library (no progmp_abi_version)";
    return nullptr;
  }
  if (*abi != abi_version()) {
    error = "bad_abi: " + path + " was built for ABI " + hex(*abi) + ", this progmp expects " + hex(abi_version()) +
            " (recompile it with this version of progmp compile)";
    return nullptr;
  }
  const auto* count = static_cast<const std::uint64_t*>(::dlsym(h, "progmp_program_count"));
  const auto* table = static_cast<const AotProgramEntry*>(::dlsym(h, "progmp_programs"));
  if (!count || !table) {
    error = path + " has no program table (progmp_program_count, progmp_programs)";
    return nullptr;
  }
  if (!read_programs(table, *count, path, lib->programs_, error)) return nullptr;
  return lib;
}

std::shared_ptr<const Library> Library::from_static(const void* table, std::string& error) {
  const auto* t = static_cast<const AotStaticTable*>(table);
  if (!t) {
    error = "no program table (a null accessor result)";
    return nullptr;
  }
  if (t->abi_version != abi_version()) {
    error = "bad_abi: the statically linked program was generated for ABI " + hex(t->abi_version) +
            ", this progmp expects " + hex(abi_version()) + " (regenerate it with this version of progmp compile)";
    return nullptr;
  }
  std::shared_ptr<Library> lib(new Library());
  if (!read_programs(t->programs, t->program_count, "the statically linked table", lib->programs_, error))
    return nullptr;
  return lib;
}

int Library::find(std::string_view source) const {
  const std::string h = source_hash(source);
  for (std::size_t i = 0; i < programs_.size(); ++i)
    if (programs_[i].source_hash == h) return static_cast<int>(i);
  return -1;
}

std::unique_ptr<Executable> make_executable(std::shared_ptr<const Library> lib, std::size_t index) {
  const ProgramInfo& p = lib->programs().at(index);
  return std::make_unique<AotExecutable>(std::move(lib), p);
}

std::unique_ptr<Executable> load(const std::string& path, std::string_view expected_source, std::string& error) {
  auto lib = Library::open(path, error);
  if (!lib) return nullptr;
  const int i = lib->find(expected_source);
  if (i < 0) {
    error = "source hash mismatch: " + path + " was not compiled from this program (expected hash " +
            source_hash(expected_source) + ", the library holds " +
            (lib->programs().empty() ? std::string("no program") : lib->programs().front().source_hash) + ")";
    return nullptr;
  }
  return make_executable(std::move(lib), static_cast<std::size_t>(i));
}

}  // namespace progmp::aot
