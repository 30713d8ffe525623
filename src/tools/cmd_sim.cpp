// `progmp sim SCENARIO.toml [--scheduler FILE|NAME] [--seed N] [--set KEY=VALUE]... [--json] [--trace FILE]
// [--profile]`: runs one scenario in the deterministic simulator and prints a readable summary, or with --json the
// result object documented in docs/simulator.md. --profile adds the scheduler's profile (docs/profiling.md): the
// program annotated with execution counts after the summary, or a "profile" object in the JSON.
//
// Exit status: 0 after a run; 1 when the scheduler program has errors (diagnostics on stderr); 2 when the scenario
// is invalid (FILE:LINE:COL: message), a file cannot be read, an override is invalid or the scheduler is unknown.
#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/builtin.hpp"
#include "progmp/runtime/profile_report.hpp"
#include "progmp/runtime/program.hpp"
#include "progmp/sim/scenario.hpp"
#include "progmp/sim/session.hpp"

namespace progmp::tools {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct SimOptions {
  std::string scenario;
  std::string scheduler;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> overrides;
  bool json = false;
  std::string trace;
  int trace_level = 1;
  bool quiet = false;
  bool profile = false;
  std::string engine = "auto";
};

[[noreturn]] void fail(const std::string& message, int status) {
  std::cerr << message << '\n';
  throw CLI::RuntimeError(status);
}

// Writes trace records to a file, one per line.
class FileTraceSink final : public runtime::TraceSink {
 public:
  explicit FileTraceSink(const std::string& path) : out_(path) {}
  bool ok() const { return out_.good(); }
  void write(std::string_view line) override { out_ << line << '\n'; }

 private:
  std::ofstream out_;
};

void use_scheduler(const std::string& spec, bool is_file, const fs::path& base, sim::SessionOptions& out) {
  if (spec.empty()) return;
  std::string error;
  int status = 0;
  if (!resolve_scheduler(spec, is_file, base, out.scheduler_name, out.scheduler_source, error, status)) {
    if (status == kExitDiagnostics) {
      std::cerr << error;
      throw CLI::RuntimeError(status);
    }
    fail("progmp sim: " + error, status);
  }
}

std::string number(const json& v) {
  if (v.is_number_float()) return fmt::format("{:.3f}", v.get<double>());
  return v.dump();
}

// Scalars of a workload's report, "key value" pairs; nested objects one level deep (latency_ms.p50 ...).
std::string workload_line(const json& w) {
  std::string line = "  " + w.value("type", std::string("workload")) + ":";
  for (const auto& [k, v] : w.items()) {
    if (k == "type") continue;
    if (v.is_number() || v.is_boolean()) line += " " + k + "=" + number(v);
    else if (v.is_null()) line += " " + k + "=-";
    else if (v.is_object()) {
      line += " " + k + "={";
      bool first = true;
      for (const auto& [k2, v2] : v.items()) {
        if (!v2.is_number()) continue;
        line += (first ? "" : " ") + k2 + "=" + number(v2);
        first = false;
      }
      line += "}";
    } else if (v.is_array()) {
      line += " " + k + "=[" + std::to_string(v.size()) + " entries]";
    }
  }
  return line;
}

void print_summary(const json& r, double wall_s, const runtime::ConnectionStats& stats, const std::string& engine) {
  std::cout << fmt::format("scenario {} (seed {}), scheduler {}\n", r["scenario"].get<std::string>(),
                           r["seed"].get<std::uint64_t>(), r["scheduler"].get<std::string>());
  std::cout << fmt::format("simulated {:.3f} s in {:.2f} s wall time ({} events)\n", r["duration_s"].get<double>(),
                           wall_s, r["events"].get<std::uint64_t>());
  std::cout << fmt::format("delivered {} of {} bytes{}, goodput {:.2f} Mbit/s, overhead {:.3f}\n",
                           r["delivered_bytes"].get<std::uint64_t>(), r["app_bytes"].get<std::uint64_t>(),
                           r["in_order"].get<bool>() ? ", in order and intact" : ", DELIVERY CHECK FAILED",
                           r["goodput_mbit"].get<double>(), r["overhead"].get<double>());
  std::cout << fmt::format("{:<12} {:>12} {:>7} {:>14} {:>11} {:>9}\n", "path", "bytes sent", "share",
                           "retransmitted", "avg RTT ms", "timeouts");
  for (const json& p : r["paths"])
    std::cout << fmt::format("{:<12} {:>12} {:>6.1f}% {:>14} {:>11.2f} {:>9}\n", p["name"].get<std::string>(),
                             p["bytes_sent"].get<std::uint64_t>(), 100 * p["share"].get<double>(),
                             p["retransmitted_bytes"].get<std::uint64_t>(), p["rtt_ms_avg"].get<double>(),
                             p["timeouts"].get<std::uint64_t>());
  std::cout << "workloads:\n";
  for (const json& w : r["workloads"]) std::cout << workload_line(w) << '\n';
  std::cout << fmt::format("scheduler: {} executions in {} rounds, {} steps, {} aborted, engine {}\n",
                           stats.executions, stats.rounds, stats.steps, stats.executions_aborted, engine);
  // An engine that answers `unsupported` (the eBPF engine beyond its capacities) hands the execution to the
  // interpreter (runtime.md §7.6): the results are the same, the engine measured is not the one asked for.
  if (stats.executions_rerouted > 0)
    std::cout << fmt::format("note: {} of these executions ({:.1f} %) exceeded the {} engine's capacities and ran on "
                             "the interpreter (docs/engines.md)\n",
                             stats.executions_rerouted,
                             100.0 * static_cast<double>(stats.executions_rerouted) /
                                 static_cast<double>(std::max<std::uint64_t>(stats.executions, 1)),
                             engine);
}

// The "profile" member of the --json result (docs/profiling.md).
json profile_json(const std::vector<runtime::ProgramProfile>& profiles) {
  json programs = json::array();
  for (const runtime::ProgramProfile& p : profiles) {
    const double n = static_cast<double>(p.executions);
    json ends = json::object();
    for (int e = 0; e < runtime::kExecEndCount; ++e)
      ends[runtime::exec_end_name(static_cast<runtime::ExecEnd>(e))] = p.ends[static_cast<std::size_t>(e)];
    json lines = json::array();
    const auto counts = p.line_counts();
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i]) lines.push_back(json{{"line", i + 1}, {"count", *counts[i]}});
    programs.push_back(json{{"name", p.name},
                            {"version", p.version},
                            {"label", p.label},
                            {"executions", p.executions},
                            {"time_ns", p.time_ns},
                            {"ns_per_execution", p.executions ? static_cast<double>(p.time_ns) / n : 0.0},
                            {"steps", p.steps},
                            {"steps_per_execution", p.executions ? static_cast<double>(p.steps) / n : 0.0},
                            {"ends", ends},
                            {"lines", lines},
                            {"instructions", p.instr_counts},
                            {"source", p.source}});
  }
  return json{{"programs", programs}};
}

void print_profiles(const std::vector<runtime::ProgramProfile>& profiles) {
  for (const runtime::ProgramProfile& p : profiles) std::cout << '\n' << runtime::format_profile(p);
}

void run_sim(const SimOptions& opt) {
  sim::Scenario scenario;
  std::string error;
  if (!sim::load_scenario(opt.scenario, scenario, error)) fail(error, kExitInput);
  for (const std::string& o : opt.overrides)
    if (!sim::apply_override(scenario, o, error)) fail("progmp sim: " + error, kExitInput);
  if (opt.seed) scenario.seed = *opt.seed;

  sim::SessionOptions so;
  const fs::path dir = fs::path(opt.scenario).parent_path();
  so.scenario_dir = dir.empty() ? "." : dir.string();
  if (!opt.scheduler.empty()) use_scheduler(opt.scheduler, false, "", so);
  else if (!scenario.scheduler.file.empty()) use_scheduler(scenario.scheduler.file, true, dir, so);
  else use_scheduler(scenario.scheduler.name, false, dir, so);

  TempAotLibrary aot_library;  // --engine aot: removed when the command ends
  if (opt.engine == "aot") {
    if (so.scheduler_source.empty())
      fail("progmp sim: --engine aot needs a scheduler program; the built-in runs on the interpreter", kExitInput);
    std::string aot_error;
    if (!aot_library.build(so.scheduler_source, so.scheduler_name, aot_error))
      fail("progmp sim: ahead-of-time compilation failed: " + aot_error, kExitInput);
    so.scheduler_so = aot_library.path();
  }
  so.engine = opt.engine;
  so.profile = opt.profile;

  std::unique_ptr<FileTraceSink> trace;
  if (!opt.trace.empty()) {
    trace = std::make_unique<FileTraceSink>(opt.trace);
    if (!trace->ok()) fail("progmp sim: cannot write trace file '" + opt.trace + "'", kExitInput);
    so.trace = trace.get();
    so.trace_level = opt.trace_level;
  }

  // A progress bar on stderr for runs longer than a second, only on a terminal.
  const auto start = std::chrono::steady_clock::now();
  const bool tty = !opt.quiet && isatty(STDERR_FILENO) == 1;
  bool drew = false;
  if (tty)
    so.progress = [&](double f) {
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (wall < 1.0 && f < 1.0) return;
      const int width = 40, fill = static_cast<int>(f * width);
      std::fprintf(stderr, "\r[%s%s] %3d%%  %.1f s", std::string(static_cast<std::size_t>(fill), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - fill), ' ').c_str(), static_cast<int>(f * 100), wall);
      drew = true;
    };

  std::unique_ptr<sim::Session> session = sim::Session::create(scenario, so, error);
  if (!session) fail("progmp sim: " + error, kExitInput);
  session->run();
  if (drew) std::fprintf(stderr, "\n");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  json r = session->result();
  if (opt.json) {
    if (opt.profile) r["profile"] = profile_json(session->profiles());
    std::cout << r.dump() << '\n';
  } else {
    print_summary(r, wall, session->connection_stats(), opt.engine);
    if (opt.profile) print_profiles(session->profiles());
  }
  std::cout.flush();
}

}  // namespace

void add_sim_command(CLI::App& app) {
  auto opt = std::make_shared<SimOptions>();
  CLI::App* cmd = app.add_subcommand("sim", "Run a scenario in the deterministic network simulator");
  cmd->add_option("SCENARIO", opt->scenario, "Scenario file (.toml, docs/scenarios.md)")->required()->type_name("");
  cmd->add_option("--scheduler", opt->scheduler,
                  "Scheduler: a .progmp file or a library name (e.g. minrtt, redundant); overrides the scenario's")
      ->type_name("FILE|NAME");
  cmd->add_option("--seed", opt->seed, "Seed of every random choice (overrides the scenario's seed)")->type_name("N");
  cmd->add_option("--set", opt->overrides, "Override a scenario key, e.g. --set path.wifi.delay_ms=20 (repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_flag("--json", opt->json, "Print the result as one JSON object (docs/simulator.md)");
  cmd->add_option("--trace", opt->trace, "Write the runtime's JSON-lines trace to FILE")->type_name("FILE");
  cmd->add_option("--trace-level", opt->trace_level, "Trace level: 0 prints/diagnostics, 1 rounds (default), 2 executions")
      ->check(CLI::Range(0, 2))
      ->type_name("L");
  cmd->add_flag("--quiet", opt->quiet, "No progress bar");
  cmd->add_flag("--profile", opt->profile,
                "Profile the scheduler: after the report, per program its executions, time, steps and end causes "
                "and its source with each line prefixed by how often it ran (##### never, blank: no code); with "
                "--json a \"profile\" object. Runs the interpreter whatever --engine says (docs/profiling.md)");
  cmd->add_option("--engine", opt->engine,
                  "Engine: auto (default: interpreter, then the JIT once it has compiled the program in the "
                  "background), interp, aot (compile the program ahead of time first), jit, or ebpf (the Linux "
                  "verifier checks the program; needs root). All give identical results")
      ->check(CLI::IsMember({"auto", "interp", "aot", "jit", "ebpf"}).description(""))
      ->type_name("E");
  cmd->callback([opt] { run_sim(*opt); });
}

}  // namespace progmp::tools
