// `progmp experiment FILE.toml [--jobs N] [--out DIR] [--runs K] [--quick] [--shard I/N] [--check] [--no-plot]` and
// `progmp experiment merge DIR... --experiment FILE.toml --out DIR [--check]`: sweeps a scenario over a parameter
// grid × schedulers × seeded repetitions, writes results.csv/results.json/aggregates.csv, draws the plots
// (scripts/plot_experiment.py, matplotlib) and checks the experiment's claims (docs/experiments.md).
//
// Exit status: 0 done (claims may fail unless --check); 1 a claim failed under --check, or a run failed; 2 bad
// experiment file, command line or unreadable input.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/experiment/experiment.hpp"
#include "progmp/experiment/results.hpp"
#include "progmp/sim/scenario.hpp"

namespace progmp::tools {
namespace {

namespace fs = std::filesystem;
using namespace progmp::experiment;

struct ExperimentOptions {
  std::string file;
  unsigned jobs = 0;
  std::string out;
  int runs = 0;
  bool quick = false;
  std::string shard;
  bool check = false;
  bool no_plot = false;
  std::vector<std::string> merge_dirs;
  std::string merge_experiment;
};

[[noreturn]] void fail(const std::string& message, int status) {
  std::cerr << message << '\n';
  throw CLI::RuntimeError(status);
}

// Post-processing shared by a run and a merge: aggregates, plots, claims. Returns false if a claim failed.
// `command` is the invocation that produced the rows (written to command.txt with the seeds, for reproduction).
bool finish(const Experiment& e, const std::vector<Row>& rows, const fs::path& out, bool plot,
            const std::string& command) {
  std::string error;
  if (!write_results(out, e, rows, error)) fail("progmp experiment: " + error, kExitInput);
  {
    std::uint64_t base_seed = 0;
    sim::Scenario sc;
    if (sim::load_scenario(e.scenario.string(), sc, error)) base_seed = sc.seed;
    std::ofstream cmd(out / "command.txt");
    cmd << "# Produced by (progmp " << version() << "):\n" << command << "\n# seeds: repetition r of every point uses "
        << base_seed << " + r (r = 0.." << e.runs - 1 << ")\n";
  }
  const std::vector<Aggregate> aggs = aggregate(e, rows);
  if (!write_aggregates(out, e, aggs, error)) fail("progmp experiment: " + error, kExitInput);
  std::size_t failed_runs = 0;
  for (const Row& r : rows)
    if (!r.error.empty()) {
      if (failed_runs++ < 5) std::cerr << "run " << r.spec.index << " (" << r.spec.scheduler << "): " << r.error << '\n';
    }
  if (plot && !e.plots.empty()) {
    nlohmann::json spec;
    spec["axes"] = nlohmann::json::array();
    for (const Axis& a : e.grid) spec["axes"].push_back(a.key);
    spec["plots"] = nlohmann::json::array();
    for (const PlotSpec& p : e.plots)
      spec["plots"].push_back({{"name", p.name}, {"x", p.x}, {"y", p.y}, {"kind", p.kind}, {"title", p.title},
                               {"xlabel", p.xlabel}, {"ylabel", p.ylabel}, {"logx", p.logx}, {"logy", p.logy}});
    std::ofstream(out / "plots.json") << spec.dump(1) << '\n';
    const fs::path script = fs::path(PROGMP_SOURCE_DIR) / "scripts" / "plot_experiment.py";
    // Debian's interpreter, where python3-matplotlib is installed (a python3 earlier in PATH may lack it).
    const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const std::string cmd = python + " '" + script.string() + "' '" + out.string() + "'";
    if (std::system(cmd.c_str()) != 0) std::cerr << "progmp experiment: plotting failed (" << cmd << ")\n";
  }
  std::cout << "results: " << (out / "results.csv").string() << ", " << (out / "aggregates.csv").string() << '\n';
  for (const PlotSpec& p : e.plots) std::cout << "plot:    " << (out / (p.name + ".png")).string() << '\n';
  bool all = true;
  const std::vector<ClaimVerdict> verdicts = check_claims(e, aggs);
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    std::cout << (verdicts[i].holds ? "CLAIM HOLDS: " : "CLAIM FAILS: ") << e.claims[i].text << '\n'
              << verdicts[i].detail;
    all = all && verdicts[i].holds;
  }
  return all && failed_runs == 0;
}

SchedulerResolver resolver(const Experiment& e) {
  return [dir = e.file.parent_path()](const std::string& spec, std::string& name, std::string& source,
                                      std::string& error) {
    int status = 0;
    return resolve_scheduler(spec, false, dir, name, source, error, status);
  };
}

void run_experiment(const ExperimentOptions& opt) {
  Experiment e;
  std::string error;
  if (!load_experiment(opt.file, opt.quick, e, error)) fail(error, kExitInput);
  if (opt.runs > 0) e.runs = opt.runs;
  // Check the scenario and every grid value, then every scheduler, before starting: a typo should not surface
  // after hours of runs.
  {
    sim::Scenario base;
    if (!sim::load_scenario(e.scenario.string(), base, error)) fail(error, kExitInput);
    for (const Axis& a : e.grid)
      for (const std::string& v : a.values) {
        sim::Scenario copy = base;
        if (!sim::apply_override(copy, a.key + "=" + v, error))
          fail(e.file.string() + ": [grid] " + error, kExitInput);
      }
  }
  for (const std::string& s : e.schedulers) {
    std::string name, source;
    int status = 0;
    if (!resolve_scheduler(s, false, e.file.parent_path(), name, source, error, status)) {
      if (status == kExitDiagnostics) std::cerr << error;
      else std::cerr << "progmp experiment: " << error << '\n';
      throw CLI::RuntimeError(status);
    }
  }
  SweepOptions so;
  so.jobs = opt.jobs > 0 ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (!opt.shard.empty()) {
    unsigned i = 0, n = 0;
    char slash = 0;
    std::istringstream in(opt.shard);
    if (!(in >> i >> slash >> n) || slash != '/' || n == 0 || i >= n || !in.eof())
      fail("progmp experiment: --shard: expected I/N with 0 <= I < N, got '" + opt.shard + "'", kExitInput);
    so.shard = i;
    so.shards = n;
  }
  const std::size_t total = expand(e).size();
  const bool tty = isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  so.progress = [&](std::size_t done, std::size_t mine) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = done > 0 ? wall / static_cast<double>(done) * static_cast<double>(mine - done) : 0;
    if (tty) std::fprintf(stderr, "\r%zu/%zu runs, %.0f s, ETA %.0f s   ", done, mine, wall, eta);
    else if (done == mine || done % std::max<std::size_t>(1, mine / 10) == 0)
      std::fprintf(stderr, "%zu/%zu runs, %.0f s, ETA %.0f s\n", done, mine, wall, eta);
  };
  std::cout << "experiment " << e.name << ": " << total << " runs (" << e.schedulers.size() << " schedulers x "
            << total / std::max<std::size_t>(1, e.schedulers.size() * static_cast<std::size_t>(e.runs))
            << " grid points x " << e.runs << " repetitions)";
  if (so.shards > 1) std::cout << ", shard " << so.shard << "/" << so.shards;
  std::cout << ", " << so.jobs << " jobs" << std::endl;
  std::vector<Row> rows = run_sweep(e, resolver(e), so);
  if (tty) std::fprintf(stderr, "\n");
  const fs::path out = opt.out.empty() ? fs::path("results") / e.name : fs::path(opt.out);
  std::string command = "progmp experiment " + opt.file + " --out " + out.string() + " --runs " +
                        std::to_string(e.runs);
  if (opt.quick) command += " --quick";
  if (!opt.shard.empty()) command += " --shard " + opt.shard;
  const bool ok = finish(e, rows, out, !opt.no_plot, command);
  if (opt.check && !ok) throw CLI::RuntimeError(kExitDiagnostics);
}

void run_merge(const ExperimentOptions& opt) {
  std::vector<Row> rows;
  std::string error, recorded;
  for (const std::string& d : opt.merge_dirs)
    if (!read_results(d, rows, recorded, error)) fail("progmp experiment merge: " + error, kExitInput);
  const std::string file = opt.merge_experiment.empty() ? recorded : opt.merge_experiment;
  Experiment e;
  if (!load_experiment(file, opt.quick, e, error)) fail(error, kExitInput);
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.spec.index < b.spec.index; });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const Row& a, const Row& b) { return a.spec.index == b.spec.index; }),
             rows.end());
  std::cout << "merged " << rows.size() << " runs of " << expand(e).size() << '\n';
  std::string command = "progmp experiment merge";
  for (const std::string& d : opt.merge_dirs) command += " " + d;
  const fs::path out = opt.out.empty() ? fs::path("merged") : fs::path(opt.out);
  const bool ok = finish(e, rows, out, !opt.no_plot, command + " --out " + out.string());
  if (opt.check && !ok) throw CLI::RuntimeError(kExitDiagnostics);
}

}  // namespace

void add_experiment_command(CLI::App& app) {
  auto opt = std::make_shared<ExperimentOptions>();
  CLI::App* cmd = app.add_subcommand(
      "experiment", "Sweep a scenario over a grid x schedulers x seeds: results, plots, claim checks");
  cmd->add_option("FILE", opt->file, "Experiment file (.toml, docs/experiments.md)")->type_name("");
  cmd->add_option("--jobs", opt->jobs, "Parallel runs (default: number of cores)")->type_name("N");
  cmd->add_option("--out", opt->out, "Output folder (default results/<name>)")->type_name("DIR");
  cmd->add_option("--runs", opt->runs, "Repetitions per point (overrides the file)")
      ->check(CLI::Range(1, 10000))
      ->type_name("K");
  cmd->add_flag("--quick", opt->quick, "Use the file's [quick] grid and repetitions (smoke test)");
  cmd->add_option("--shard", opt->shard, "Run only the I-th of N deterministic slices (merge them afterwards)")
      ->type_name("I/N");
  cmd->add_flag("--check", opt->check, "Exit with status 1 if a claim fails or a run fails");
  cmd->add_flag("--no-plot", opt->no_plot, "Do not draw the plots");
  cmd->callback([opt, cmd] {
    if (cmd->got_subcommand("merge")) return;
    if (opt->file.empty()) fail("progmp experiment: an experiment file is required\nRun 'progmp experiment --help' for more information.", kExitInput);
    run_experiment(*opt);
  });
  CLI::App* merge = cmd->add_subcommand("merge", "Combine the results of sharded runs and re-check the claims");
  merge->add_option("DIR", opt->merge_dirs, "Output folders of the shards")->required()->type_name("");
  merge->add_option("--experiment", opt->merge_experiment, "Experiment file (default: the one recorded in the results)")
      ->type_name("FILE");
  merge->add_option("--out", opt->out, "Output folder (default merged)")->type_name("DIR");
  merge->add_flag("--quick", opt->quick, "The shards ran with --quick");
  merge->add_flag("--check", opt->check, "Exit with status 1 if a claim fails");
  merge->add_flag("--no-plot", opt->no_plot, "Do not draw the plots");
  merge->callback([opt] { run_merge(*opt); });
}

}  // namespace progmp::tools
