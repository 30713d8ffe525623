// Scheduler registry (runtime.md §2).
#include "progmp/runtime/registry.hpp"

#include <stdexcept>
#include <utility>

#include "progmp/runtime/builtin.hpp"

namespace progmp::runtime {
namespace {

bool is_ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

bool is_reserved(std::string_view name) { return name.substr(0, kBuiltinPrefix.size()) == kBuiltinPrefix; }

}  // namespace

bool is_valid_scheduler_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || !is_ident_start(name[0])) return false;
  for (char c : name) {
    if (!is_ident_char(c)) return false;
  }
  return true;
}

Registry::Registry(ProgramCompiler compiler) : compiler_(std::move(compiler)) {
  CompiledCode code = compiler_(builtin_minrtt_source());
  if (!code.ok || !code.interp) throw std::logic_error("builtin_minrtt does not compile");
  auto usage = std::make_shared<ProgramUsage>();
  builtin_ = make_program(std::string(kBuiltinMinRttName), 1, std::move(code), usage, builtin_minrtt_source());
  NameEntry entry;
  entry.current = builtin_;
  entry.versions.push_back(std::move(usage));
  names_.emplace(std::string(kBuiltinMinRttName), std::move(entry));
  default_ = std::string(kBuiltinMinRttName);
}

LoadResult Registry::load(std::string_view name, std::string_view source) { return load(name, source, compiler_); }

LoadResult Registry::load(std::string_view name, std::string_view source, const ProgramCompiler& compiler) {
  LoadResult r;
  if (!name.empty()) {
    r.name = std::string(name);
    if (!is_valid_scheduler_name(name)) {
      r.status = Status::BadName;
      return r;
    }
    if (is_reserved(name)) {
      r.status = Status::ReservedName;
      return r;
    }
  }
  CompiledCode code = compiler(source);
  if (!code.ok) {
    r.status = Status::CompileError;
    r.diagnostics = std::move(code.diagnostics);
    if (r.name.empty()) r.name = code.header_name;
    return r;
  }
  if (r.name.empty()) {
    if (code.header_name.empty()) {
      r.status = Status::NoName;
      r.diagnostics = std::move(code.diagnostics);
      return r;
    }
    r.name = code.header_name;
    if (!is_valid_scheduler_name(r.name)) {
      r.status = Status::BadName;
      return r;
    }
    if (is_reserved(r.name)) {
      r.status = Status::ReservedName;
      return r;
    }
  }
  NameEntry& entry = names_[r.name];  // a new name, or a loaded or unloaded one
  auto usage = std::make_shared<ProgramUsage>();
  r.version = static_cast<std::uint32_t>(entry.versions.size() + 1);
  r.diagnostics = code.diagnostics;
  entry.versions.push_back(usage);
  entry.current = make_program(r.name, r.version, std::move(code), std::move(usage), source);
  return r;
}

Status Registry::unload(std::string_view name) {
  auto it = names_.find(name);
  if (it == names_.end() || !it->second.current) return Status::UnknownScheduler;
  if (is_reserved(name)) return Status::Builtin;
  if (name == default_) return Status::IsDefault;
  it->second.current.reset();  // connections keep their ProgramPtr; numbering and statistics stay
  return Status::Ok;
}

Status Registry::set_default(std::string_view name) {
  if (!find(name)) return Status::UnknownScheduler;
  default_ = std::string(name);
  return Status::Ok;
}

ProgramPtr Registry::find(std::string_view name) const {
  auto it = names_.find(name);
  return it == names_.end() ? nullptr : it->second.current;
}

std::vector<SchedulerInfo> Registry::list() const {
  std::vector<SchedulerInfo> out;
  for (const auto& [name, entry] : names_) {
    if (!entry.current) continue;
    out.push_back(SchedulerInfo{name, entry.current->version, entry.current->usage->stats.connections});
  }
  return out;
}

Status Registry::profile(std::string_view name, std::optional<std::uint32_t> version, ProgramProfile& out) const {
  auto it = names_.find(name);
  if (it == names_.end()) return Status::UnknownScheduler;
  const NameEntry& entry = it->second;
  std::uint32_t v = version.value_or(entry.current ? entry.current->version
                                                   : static_cast<std::uint32_t>(entry.versions.size()));
  if (v == 0 || v > entry.versions.size()) return Status::UnknownScheduler;
  out = entry.versions[v - 1]->profile;
  return Status::Ok;
}

std::vector<ProgramProfile> Registry::profiles() const {
  std::vector<ProgramProfile> out;
  for (const auto& [name, entry] : names_)
    for (const auto& u : entry.versions)
      if (u->profile.executions > 0) out.push_back(u->profile);
  return out;
}

Status Registry::stats(std::string_view name, std::optional<std::uint32_t> version, SchedulerStats& out) const {
  auto it = names_.find(name);
  if (it == names_.end()) return Status::UnknownScheduler;
  const auto& versions = it->second.versions;
  out = SchedulerStats{};
  if (version) {
    if (*version == 0 || *version > versions.size()) return Status::UnknownScheduler;
    out = versions[*version - 1]->stats;
    return Status::Ok;
  }
  for (const auto& u : versions) {
    out.Stats::add(u->stats);
    out.connections += u->stats.connections;
    out.connections_total += u->stats.connections_total;
  }
  return Status::Ok;
}

}  // namespace progmp::runtime
