// results.json / results.csv: one row per run.
#include <fstream>
#include <set>

#include "progmp/experiment/results.hpp"

namespace progmp::experiment {

namespace {

void flatten_into(const nlohmann::json& v, const std::string& prefix, std::map<std::string, nlohmann::json>& out) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) flatten_into(x, prefix.empty() ? k : prefix + "." + k, out);
  } else if (v.is_array()) {
    // Lists of named objects are keyed by name; other lists by index.
    for (std::size_t i = 0; i < v.size(); ++i) {
      const nlohmann::json& x = v[i];
      const std::string key = x.is_object() && x.contains("name") && x["name"].is_string()
                                  ? x["name"].get<std::string>()
                                  : std::to_string(i);
      flatten_into(x, prefix + "." + key, out);
    }
  } else {
    out[prefix] = v;
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

std::map<std::string, nlohmann::json> flatten(const nlohmann::json& result) {
  std::map<std::string, nlohmann::json> out;
  if (!result.is_object()) return out;  // a run that failed to start
  nlohmann::json copy = result;
  copy.erase("timeseries");
  if (copy.contains("workloads"))
    for (auto& w : copy["workloads"]) w.erase("flows");
  flatten_into(copy, "", out);
  return out;
}

bool write_results(const std::filesystem::path& dir, const Experiment& e, const std::vector<Row>& rows,
                   std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  nlohmann::json j;
  j["experiment"] = e.file.string();
  j["name"] = e.name;
  j["axes"] = nlohmann::json::array();
  for (const Axis& a : e.grid) j["axes"].push_back(a.key);
  j["runs"] = nlohmann::json::array();
  for (const Row& r : rows) {
    nlohmann::json x{{"run", r.spec.index}, {"scheduler", r.spec.scheduler}, {"repetition", r.spec.repetition},
                     {"seed", r.seed}, {"values", r.spec.values}, {"result", r.result}};
    if (!r.error.empty()) x["error"] = r.error;
    j["runs"].push_back(x);
  }
  std::ofstream json_out(dir / "results.json");
  json_out << j.dump(1) << '\n';

  // CSV: fixed columns, the axes, then the union of result columns in sorted order.
  std::set<std::string> columns;
  std::vector<std::map<std::string, nlohmann::json>> flat;
  for (const Row& r : rows) {
    flat.push_back(flatten(r.result));
    for (const auto& [k, v] : flat.back()) columns.insert(k);
  }
  std::ofstream csv(dir / "results.csv");
  csv << "run,scheduler,repetition,seed";
  for (const Axis& a : e.grid) csv << ',' << csv_field(a.key);
  for (const auto& c : columns) csv << ',' << csv_field(c);
  csv << '\n';
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    csv << r.spec.index << ',' << csv_field(scheduler_label(r.spec.scheduler)) << ',' << r.spec.repetition << ',' << r.seed;
    for (const std::string& v : r.spec.values) csv << ',' << csv_field(v);
    for (const auto& c : columns) {
      auto it = flat[i].find(c);
      csv << ',' << (it == flat[i].end() ? "" : csv_field(cell(it->second)));
    }
    csv << '\n';
  }
  if (!json_out || !csv) {
    error = "cannot write results into " + dir.string();
    return false;
  }
  return true;
}

bool read_results(const std::filesystem::path& dir, std::vector<Row>& rows, std::string& experiment_file,
                  std::string& error) {
  std::ifstream in(dir / "results.json");
  if (!in) {
    error = (dir / "results.json").string() + ": cannot read";
    return false;
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("runs") || !j.contains("experiment")) {
    error = (dir / "results.json").string() + ": not a results file of progmp experiment";
    return false;
  }
  experiment_file = j["experiment"].get<std::string>();
  for (const auto& x : j["runs"]) {
    Row r;
    r.spec.index = x.value("run", std::size_t{0});
    r.spec.scheduler = x.value("scheduler", std::string());
    r.spec.repetition = x.value("repetition", 0);
    r.spec.values = x.value("values", std::vector<std::string>());
    r.seed = x.value("seed", std::uint64_t{0});
    r.result = x.value("result", nlohmann::json::object());
    r.error = x.value("error", std::string());
    rows.push_back(std::move(r));
  }
  return true;
}

}  // namespace progmp::experiment
