// The experiment runner: file parsing and its errors, the fixed run order, determinism across --jobs and
// --shard + merge, aggregates recomputed from the rows, claim verdicts, and the --quick mode of every experiment
// of experiments/.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "progmp/experiment/experiment.hpp"
#include "progmp/experiment/results.hpp"

namespace progmp::experiment {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path path;
  Dir() {
    std::string pattern = (fs::temp_directory_path() / "progmp-exp-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~Dir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

const char* const kScenario = R"(name = "tiny"
duration_s = 20
seed = 10
[[path]]
name = "a"
rate_mbit = 20
delay_ms = 10
loss = 0.02
[[path]]
name = "b"
rate_mbit = 20
delay_ms = 20
[[workload]]
type = "flows"
sizes = [5000]
count = 10
)";

const char* const kExperiment = R"(name = "tiny_sweep"
scenario = "scenario.toml"
schedulers = ["builtin_minrtt", "redundant"]
runs = 2
[grid]
"path.*.loss" = [0.0, 0.05]
"workload.0.sizes" = [[1000], [5000], [20000]]
[quick]
runs = 1
[quick.grid]
"workload.0.sizes" = [[1000]]
[[plot]]
name = "fct"
x = "workload.0.sizes"
y = "workloads.0.fct_ms_mean"
[[claim]]
text = "redundant is never slower than twice minRTT"
metric = "workloads.0.fct_ms_mean"
subject = "redundant"
op = "<="
factor = 2
reference = "builtin_minrtt"
[[claim]]
text = "an impossible bound"
metric = "workloads.0.fct_ms_mean"
subject = "redundant"
op = "<"
value = 0.001
)";

// Library names from schedulers/, .progmp entries relative to `dir` (the experiment's folder).
SchedulerResolver library_resolver(const fs::path& dir = {}) {
  return [dir](const std::string& name, std::string& reg, std::string& source, std::string& error) {
    reg = scheduler_label(name);
    if (name == "builtin_minrtt") return true;
    const fs::path file = name.ends_with(".progmp") ? dir / name
                                                    : fs::path(PROGMP_SOURCE_DIR) / "schedulers" / (name + ".progmp");
    std::ifstream in(file);
    if (!in) {
      error = "no scheduler " + name;
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    source = ss.str();
    return true;
  };
}

TEST(ExperimentFile, ParsesGridPlotsClaimsAndQuickMode) {
  Dir d;
  d.write("scenario.toml", kScenario);
  Experiment e;
  std::string error;
  ASSERT_TRUE(load_experiment(d.write("e.toml", kExperiment), false, e, error)) << error;
  EXPECT_EQ(e.name, "tiny_sweep");
  EXPECT_EQ(e.scenario, d.path / "scenario.toml");
  ASSERT_EQ(e.grid.size(), 2u);
  EXPECT_EQ(e.grid[1].values.size(), 3u);
  EXPECT_EQ(e.runs, 2);
  ASSERT_EQ(e.claims.size(), 2u);
  EXPECT_DOUBLE_EQ(e.claims[0].factor, 2);
  Experiment q;
  ASSERT_TRUE(load_experiment(d.path / "e.toml", true, q, error)) << error;
  EXPECT_EQ(q.runs, 1);
  EXPECT_EQ(q.grid[1].values.size(), 1u);
  EXPECT_EQ(q.grid[0].values.size(), 2u);  // axes not named in [quick.grid] keep their values
}

TEST(ExperimentFile, ErrorsNameFileLineAndColumn) {
  Dir d;
  std::string error;
  Experiment e;
  EXPECT_FALSE(load_experiment(d.write("a.toml", "scenario = \"s.toml\"\nschedulers = [\"x\"]\ncolour = 1\n"), false,
                               e, error));
  EXPECT_EQ(error, (d.path / "a.toml").string() + ":3:1: unknown key 'colour' in the experiment file");
  EXPECT_FALSE(load_experiment(d.write("b.toml", "schedulers = [\"x\"]\n"), false, e, error));
  EXPECT_NE(error.find("needs 'scenario'"), std::string::npos) << error;
  EXPECT_FALSE(load_experiment(d.write("c.toml", "scenario = \"s\"\nschedulers = [\"x\"]\nruns = 0\n"), false, e,
                               error));
  EXPECT_NE(error.find("c.toml:3:8: 'runs' must be an integer in [1, 10000]"), std::string::npos) << error;
  EXPECT_FALSE(load_experiment(d.write("d.toml", "scenario = \"s\"\nschedulers = [\"x\"]\n[[plot]]\nname = \"p\"\n"
                                                 "x = \"nope\"\ny = \"overhead\"\n"),
                               false, e, error));
  EXPECT_NE(error.find("x 'nope' is not a grid axis"), std::string::npos) << error;
  EXPECT_FALSE(load_experiment(d.write("e.toml", "scenario = \"s\"\nschedulers = [\"x\"]\n[[claim]]\ntext = \"t\"\n"
                                                 "metric = \"m\"\nsubject = \"x\"\nreference = \"y\"\nvalue = 1\n"),
                               false, e, error));
  EXPECT_NE(error.find("exactly one of 'reference'"), std::string::npos) << error;
  EXPECT_FALSE(load_experiment(d.write("f.toml", "scenario = [\n"), false, e, error));
  EXPECT_NE(error.find("f.toml:"), std::string::npos) << error;
}

TEST(Sweep, RunOrderIsFixedLastAxisFastestThenSchedulersThenRepetitions) {
  Dir d;
  d.write("scenario.toml", kScenario);
  Experiment e;
  std::string error;
  ASSERT_TRUE(load_experiment(d.write("e.toml", kExperiment), false, e, error)) << error;
  const auto runs = expand(e);
  ASSERT_EQ(runs.size(), 2u * 3 * 2 * 2);
  EXPECT_EQ(runs[0].values, (std::vector<std::string>{"0.0", "[1000]"}));
  EXPECT_EQ(runs[0].scheduler, "builtin_minrtt");
  EXPECT_EQ(runs[1].repetition, 1);
  EXPECT_EQ(runs[2].scheduler, "redundant");
  EXPECT_EQ(runs[4].values[1], "[5000]");
  EXPECT_EQ(runs[12].values[0], "0.05");
  for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].index, i);
}

TEST(Sweep, ResultsDoNotDependOnJobsOrShards) {
  Dir d;
  d.write("scenario.toml", kScenario);
  Experiment e;
  std::string error;
  ASSERT_TRUE(load_experiment(d.write("e.toml", kExperiment), false, e, error)) << error;
  SweepOptions one, two, s0, s1;
  two.jobs = 2;
  s0.shards = s1.shards = 2;
  s1.shard = 1;
  const auto a = run_sweep(e, library_resolver(), one);
  const auto b = run_sweep(e, library_resolver(), two);
  ASSERT_EQ(a.size(), 24u);
  ASSERT_EQ(b.size(), 24u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a[i].error.empty()) << a[i].error;
    EXPECT_EQ(a[i].result.dump(), b[i].result.dump()) << i;
    EXPECT_EQ(a[i].seed, 10u + static_cast<std::uint64_t>(a[i].spec.repetition));
  }
  auto x = run_sweep(e, library_resolver(), s0), y = run_sweep(e, library_resolver(), s1);
  EXPECT_EQ(x.size() + y.size(), 24u);
  for (const Row& r : x) EXPECT_EQ(r.result.dump(), a[r.spec.index].result.dump());
  for (const Row& r : y) EXPECT_EQ(r.result.dump(), a[r.spec.index].result.dump());

  // Written and read back (what `merge` does), the rows are the same.
  ASSERT_TRUE(write_results(d.path / "s0", e, x, error)) << error;
  ASSERT_TRUE(write_results(d.path / "s1", e, y, error)) << error;
  std::vector<Row> merged;
  std::string recorded;
  ASSERT_TRUE(read_results(d.path / "s0", merged, recorded, error)) << error;
  ASSERT_TRUE(read_results(d.path / "s1", merged, recorded, error)) << error;
  EXPECT_EQ(recorded, (d.path / "e.toml").string());
  ASSERT_EQ(merged.size(), 24u);
  for (const Row& r : merged) EXPECT_EQ(r.result.dump(), a[r.spec.index].result.dump());
}

TEST(Sweep, CsvAndAggregatesAreConsistentWithTheRows) {
  Dir d;
  d.write("scenario.toml", kScenario);
  Experiment e;
  std::string error;
  ASSERT_TRUE(load_experiment(d.write("e.toml", kExperiment), false, e, error)) << error;
  e.runs = 3;
  const auto rows = run_sweep(e, library_resolver(), SweepOptions{});
  ASSERT_TRUE(write_results(d.path / "out", e, rows, error)) << error;
  // Every CSV line has as many fields as the header (no field contains a comma here).
  std::ifstream csv(d.path / "out" / "results.csv");
  std::string header, line;
  std::getline(csv, header);
  const auto fields = [](const std::string& s) {
    std::size_t n = 1;
    bool quoted = false;
    for (char c : s) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++n;
    }
    return n;
  };
  std::size_t lines = 0;
  while (std::getline(csv, line)) {
    EXPECT_EQ(fields(line), fields(header)) << line;
    ++lines;
  }
  EXPECT_EQ(lines, rows.size());
  EXPECT_NE(header.find("workloads.0.fct_ms_mean"), std::string::npos);
  EXPECT_NE(header.find("paths.b.bytes_sent"), std::string::npos);

  // The aggregate of a metric is the mean of that metric over the point's repetitions.
  const auto aggs = aggregate(e, rows);
  std::size_t checked = 0;
  for (const Aggregate& a : aggs) {
    if (a.metric != "workloads.0.fct_ms_mean") continue;
    double sum = 0;
    std::size_t n = 0;
    for (const Row& r : rows)
      if (r.spec.values == a.point && r.spec.scheduler == a.scheduler) {
        sum += r.result["workloads"][0]["fct_ms_mean"].get<double>();
        ++n;
      }
    EXPECT_EQ(a.n, 3u);
    EXPECT_EQ(n, 3u);
    EXPECT_NEAR(a.mean, sum / static_cast<double>(n), 1e-9);
    EXPECT_LE(a.p5, a.median);
    EXPECT_LE(a.median, a.p95);
    ++checked;
  }
  EXPECT_EQ(checked, 2u * 3 * 2);

  const auto verdicts = check_claims(e, aggs);
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_FALSE(verdicts[1].holds);  // nothing completes in 1 µs
  EXPECT_NE(verdicts[1].detail.find("VIOLATED"), std::string::npos);
}

TEST(Claims, ComparisonsPerGridPointWithFilter) {
  Experiment e;
  e.grid = {Axis{"size", {"[1]", "[100]"}}};
  ClaimSpec c;
  c.text = "a below b for small sizes";
  c.metric = "m";
  c.subject = "a";
  c.op = "<";
  c.reference = "b";
  c.where_key = "size";
  c.where_op = "<=";
  c.where_value = 10;
  e.claims = {c};
  auto agg = [](std::string point, std::string s, double mean) {
    Aggregate a;
    a.point = {point};
    a.scheduler = s;
    a.metric = "m";
    a.mean = mean;
    a.n = 1;
    return a;
  };
  // At size 1, a (5) < b (6); at size 100 a is worse, but the filter excludes it.
  std::vector<Aggregate> aggs{agg("[1]", "a", 5), agg("[1]", "b", 6), agg("[100]", "a", 9), agg("[100]", "b", 1)};
  EXPECT_TRUE(check_claims(e, aggs)[0].holds);
  e.claims[0].where_key.clear();
  EXPECT_FALSE(check_claims(e, aggs)[0].holds);
  e.claims[0].subject = "nobody";
  EXPECT_FALSE(check_claims(e, aggs)[0].holds);  // a claim that checks nothing does not hold
}

TEST(Experiments, EveryExperimentRunsInQuickMode) {
  std::size_t found = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "experiments")) {
    const fs::path file = entry.path() / "experiment.toml";
    if (!fs::exists(file)) continue;
    ++found;
    Experiment e;
    std::string error;
    ASSERT_TRUE(load_experiment(file, true, e, error)) << error;
    SweepOptions o;
    o.jobs = 2;
    const auto rows = run_sweep(e, library_resolver(entry.path()), o);
    EXPECT_EQ(rows.size(), expand(e).size()) << file;
    for (const Row& r : rows) {
      EXPECT_TRUE(r.error.empty()) << file << ": " << r.error;
      EXPECT_TRUE(r.result.value("in_order", false)) << file << " run " << r.spec.index;
    }
    // Aggregates recomputed from the rows: goodput of every (point, scheduler).
    const auto aggs = aggregate(e, rows);
    for (const Aggregate& a : aggs) {
      if (a.metric != "goodput_mbit") continue;
      double sum = 0;
      std::size_t n = 0;
      for (const Row& r : rows)
        if (r.spec.values == a.point && scheduler_label(r.spec.scheduler) == a.scheduler) {
          sum += r.result["goodput_mbit"].get<double>();
          ++n;
        }
      EXPECT_EQ(a.n, n) << file;
      EXPECT_NEAR(a.mean, sum / static_cast<double>(n), 1e-9) << file;
    }
    // Every claim finds grid points to check (a typo in a metric or scheduler name would match nothing).
    const auto verdicts = check_claims(e, aggs);
    ASSERT_EQ(verdicts.size(), e.claims.size());
    for (std::size_t i = 0; i < verdicts.size(); ++i)
      EXPECT_EQ(verdicts[i].detail.find("no grid point matched"), std::string::npos)
          << file << ": " << e.claims[i].text;
  }
  EXPECT_GE(found, 1u);
}

}  // namespace
}  // namespace progmp::experiment
