// Aggregates over repetitions and the claim checks.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "progmp/experiment/results.hpp"

namespace progmp::experiment {

namespace {

// Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (beyond: the normal 1.96).
double t975(std::size_t dof) {
  static const double table[] = {12.706, 4.303, 2.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof == 0) return 0;
  return dof <= 30 ? table[dof - 1] : 1.96;
}

// Linear interpolation between closest ranks (the common "type 7" quantile), for aggregates over a few runs.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

double stat_of(const Aggregate& a, const std::string& s) {
  if (s == "median") return a.median;
  if (s == "p5") return a.p5;
  if (s == "p95") return a.p95;
  return a.mean;
}

bool compare(double a, const std::string& op, double b) {
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  return a == b;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

std::vector<Aggregate> aggregate(const Experiment& e, const std::vector<Row>& rows) {
  // (point, scheduler, metric) → samples, in first-seen order of points and schedulers.
  std::map<std::tuple<std::vector<std::string>, std::string, std::string>, std::vector<double>> samples;
  std::vector<std::pair<std::vector<std::string>, std::string>> order;
  for (const Row& r : rows) {
    if (!r.error.empty()) continue;
    const auto key = std::make_pair(r.spec.values, scheduler_label(r.spec.scheduler));
    if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
    for (const auto& [col, v] : flatten(r.result))
      if (v.is_number()) samples[{r.spec.values, key.second, col}].push_back(v.get<double>());
  }
  (void)e;
  std::vector<Aggregate> out;
  for (const auto& [values, sched] : order) {
    for (auto it = samples.lower_bound({values, sched, ""}); it != samples.end(); ++it) {
      const auto& [k, v] = *it;
      if (std::get<0>(k) != values || std::get<1>(k) != sched) break;
      Aggregate a;
      a.point = values;
      a.scheduler = sched;
      a.metric = std::get<2>(k);
      std::vector<double> s = v;
      std::sort(s.begin(), s.end());
      a.n = s.size();
      a.mean = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
      a.median = quantile(s, 0.5);
      a.p5 = quantile(s, 0.05);
      a.p95 = quantile(s, 0.95);
      if (s.size() > 1) {
        double ss = 0;
        for (double x : s) ss += (x - a.mean) * (x - a.mean);
        const double sd = std::sqrt(ss / static_cast<double>(s.size() - 1));
        a.ci95 = t975(s.size() - 1) * sd / std::sqrt(static_cast<double>(s.size()));
      }
      out.push_back(a);
    }
  }
  return out;
}

bool write_aggregates(const std::filesystem::path& dir, const Experiment& e, const std::vector<Aggregate>& a,
                      std::string& error) {
  std::ofstream csv(dir / "aggregates.csv");
  csv << "scheduler";
  for (const Axis& x : e.grid) csv << ',' << x.key;
  csv << ",metric,n,mean,median,p5,p95,ci95\n";
  csv.precision(10);
  for (const Aggregate& g : a) {
    csv << g.scheduler;
    for (const auto& v : g.point) csv << ',' << (v.find(',') == std::string::npos ? v : "\"" + v + "\"");
    csv << ',' << g.metric << ',' << g.n << ',' << g.mean << ',' << g.median << ',' << g.p5 << ',' << g.p95 << ','
        << g.ci95 << '\n';
  }
  if (!csv) {
    error = "cannot write " + (dir / "aggregates.csv").string();
    return false;
  }
  return true;
}

std::vector<ClaimVerdict> check_claims(const Experiment& e, const std::vector<Aggregate>& aggs) {
  std::vector<ClaimVerdict> out;
  for (const ClaimSpec& c : e.claims) {
    ClaimVerdict v;
    v.holds = true;
    std::size_t checked = 0;
    std::size_t where_axis = e.grid.size();
    for (std::size_t i = 0; i < e.grid.size(); ++i)
      if (e.grid[i].key == c.where_key) where_axis = i;
    for (const Aggregate& s : aggs) {
      if (s.scheduler != c.subject || s.metric != c.metric) continue;
      if (!c.where_key.empty()) {
        if (where_axis == e.grid.size()) break;
        // An axis value like "[10000]" (a list) is compared by its first number.
        std::string text = s.point[where_axis];
        text.erase(std::remove_if(text.begin(), text.end(), [](char ch) { return ch == '[' || ch == ']'; }),
                   text.end());
        double x = 0;
        if (text == "true") x = 1;  // booleans compare as 1 / 0
        else std::istringstream(text) >> x;
        if (!compare(x, c.where_op, c.where_value)) continue;
      }
      double bound = 0;
      std::string against;
      if (c.value) {
        bound = *c.value * c.factor;
        against = std::to_string(*c.value);
      } else {
        const Aggregate* ref = nullptr;
        for (const Aggregate& r : aggs)
          if (r.scheduler == c.reference && r.metric == c.metric && r.point == s.point) ref = &r;
        if (!ref) continue;
        bound = stat_of(*ref, c.statistic) * c.factor;
        against = c.reference + " " + std::to_string(stat_of(*ref, c.statistic));
      }
      const double x = stat_of(s, c.statistic);
      const bool ok = compare(x, c.op, bound);
      v.holds = v.holds && ok;
      ++checked;
      std::ostringstream line;
      line << "  [" << join(s.point) << "] " << c.statistic << " " << c.metric << ": " << c.subject << " " << x << ' '
           << c.op << ' ' << (c.factor != 1.0 ? std::to_string(c.factor) + " x " : "") << against
           << (ok ? "  ok" : "  VIOLATED");
      v.detail += line.str() + "\n";
    }
    if (checked == 0) {
      v.holds = false;
      v.detail = "  no grid point matched (metric '" + c.metric + "', subject '" + c.subject + "')\n";
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace progmp::experiment
