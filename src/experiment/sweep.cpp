// Runs the runs of a sweep on worker threads; every run builds its own scenario, Session and runtime.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "progmp/experiment/results.hpp"
#include "progmp/sim/scenario.hpp"
#include "progmp/sim/session.hpp"

namespace progmp::experiment {

namespace {

Row run_one(const Experiment& e, const sim::Scenario& base, const RunSpec& spec, const SchedulerResolver& resolve) {
  Row row;
  row.spec = spec;
  sim::Scenario sc = base;
  std::string error;
  for (std::size_t i = 0; i < e.grid.size(); ++i) {
    if (!sim::apply_override(sc, e.grid[i].key + "=" + spec.values[i], error)) {
      row.error = error;
      return row;
    }
  }
  sc.seed = base.seed + static_cast<std::uint64_t>(spec.repetition);
  row.seed = sc.seed;
  sim::SessionOptions o;
  o.scenario_dir = e.scenario.parent_path().string();
  if (!resolve(spec.scheduler, o.scheduler_name, o.scheduler_source, error)) {
    row.error = error;
    return row;
  }
  auto session = sim::Session::create(sc, o, error);
  if (!session) {
    row.error = error;
    return row;
  }
  session->run();
  row.result = session->result();
  // Time series are kept only for time-series plots (they dominate the size of results.json otherwise).
  const bool series = std::any_of(e.plots.begin(), e.plots.end(), [](const PlotSpec& p) { return p.kind == "timeseries"; });
  if (!series) row.result.erase("timeseries");
  for (auto& w : row.result["workloads"]) w.erase("flows");
  return row;
}

}  // namespace

std::vector<Row> run_sweep(const Experiment& e, const SchedulerResolver& resolve, const SweepOptions& options) {
  std::vector<Row> rows;
  sim::Scenario base;
  std::string error;
  if (!sim::load_scenario(e.scenario.string(), base, error)) {
    Row r;
    r.error = error;
    rows.push_back(r);
    return rows;
  }
  std::vector<RunSpec> all = expand(e), mine;
  for (const RunSpec& s : all)
    if (s.index % options.shards == options.shard) mine.push_back(s);
  rows.resize(mine.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < mine.size();) {
      rows[i] = run_one(e, base, mine[i], resolve);
      const std::size_t d = done.fetch_add(1) + 1;
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(d, mine.size());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::max(1u, options.jobs); ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return rows;
}

}  // namespace progmp::experiment
