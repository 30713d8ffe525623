// The experiment file (TOML): see docs/experiments.md. Strict like scenario files: unknown keys and bad values
// are errors with file:line:col.
#include <toml++/toml.h>

#include <charconv>
#include <sstream>

#include "progmp/experiment/experiment.hpp"

namespace progmp::experiment {

namespace {

struct Fail {
  std::string message;
};

std::string where(const std::filesystem::path& file, const toml::source_region& r) {
  return file.string() + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) + ": ";
}

class Reader {
 public:
  explicit Reader(const std::filesystem::path& f) : file_(f) {}
  [[noreturn]] void fail(const toml::node& n, const std::string& m) const { throw Fail{where(file_, n.source()) + m}; }
  std::string str(const toml::node& n, std::string_view key) const {
    if (!n.is_string()) fail(n, "'" + std::string(key) + "' must be a string");
    return std::string(*n.value<std::string>());
  }
  bool boolean(const toml::node& n, std::string_view key) const {
    if (!n.is_boolean()) fail(n, "'" + std::string(key) + "' must be true or false");
    return *n.value<bool>();
  }
  double number(const toml::node& n, std::string_view key) const {
    if (!n.is_number()) fail(n, "'" + std::string(key) + "' must be a number");
    return *n.value<double>();
  }
  int positive(const toml::node& n, std::string_view key, int max) const {
    if (!n.is_integer() || *n.value<std::int64_t>() < 1 || *n.value<std::int64_t>() > max)
      fail(n, "'" + std::string(key) + "' must be an integer in [1, " + std::to_string(max) + "]");
    return static_cast<int>(*n.value<std::int64_t>());
  }
  std::string one_of(const toml::node& n, std::string_view key, std::initializer_list<const char*> allowed) const {
    const std::string v = str(n, key);
    std::string list;
    for (const char* a : allowed) {
      if (v == a) return v;
      list += std::string(list.empty() ? "" : ", ") + a;
    }
    fail(n, "'" + std::string(key) + "' must be one of " + list + ", got '" + v + "'");
  }
  [[noreturn]] void unknown(const toml::key& k, const std::string& in) const {
    throw Fail{where(file_, k.source()) + "unknown key '" + std::string(k.str()) + "' in " + in};
  }

 private:
  std::filesystem::path file_;
};

// A grid value as --set takes it and as results show it: compact TOML text ("0.05", "[1000]", "\"lia\"").
std::string value_text(const toml::node& n) {
  if (const auto* v = n.as_floating_point()) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v->get());  // shortest text that reads back exactly
    std::string t(buf, end);
    if (t.find_first_of(".eEn") == std::string::npos) t += ".0";  // stays a TOML float
    return t;
  }
  if (const auto* v = n.as_integer()) return std::to_string(v->get());
  if (const auto* v = n.as_boolean()) return v->get() ? "true" : "false";
  if (const auto* v = n.as_string()) return "\"" + v->get() + "\"";
  if (const auto* arr = n.as_array()) {
    std::string t = "[";
    for (std::size_t i = 0; i < arr->size(); ++i) t += (i ? ", " : "") + value_text(*arr->get(i));
    return t + "]";
  }
  std::ostringstream o;
  if (const auto* t = n.as_table()) o << toml::toml_formatter{*t};
  return o.str();
}

std::vector<Axis> parse_grid(const toml::table& t, const Reader& r) {
  std::vector<Axis> grid;
  for (const auto& [k, v] : t) {
    const auto* arr = v.as_array();
    if (!arr || arr->empty()) r.fail(v, "grid axis '" + std::string(k.str()) + "' must be a non-empty array of values");
    Axis a;
    a.key = std::string(k.str());
    for (const auto& e : *arr) a.values.push_back(value_text(e));
    grid.push_back(std::move(a));
  }
  return grid;
}

void parse(const toml::table& root, bool quick, Experiment& e, const Reader& r) {
  const toml::table* quick_table = nullptr;
  bool has_scenario = false;
  for (const auto& [k, v] : root) {
    const std::string_view key = k.str();
    if (key == "name") e.name = r.str(v, key);
    else if (key == "description") e.description = r.str(v, key);
    else if (key == "scenario") {
      e.scenario = e.file.parent_path() / r.str(v, key);
      has_scenario = true;
    } else if (key == "runs") e.runs = r.positive(v, key, 10'000);
    else if (key == "schedulers") {
      const auto* arr = v.as_array();
      if (!arr || arr->empty()) r.fail(v, "'schedulers' must be a non-empty array of names");
      for (const auto& s : *arr) e.schedulers.push_back(r.str(s, "schedulers"));
    } else if (key == "grid") {
      if (!v.is_table()) r.fail(v, "'grid' must be a table of axis = [values]");
      e.grid = parse_grid(*v.as_table(), r);
    } else if (key == "quick") {
      if (!v.is_table()) r.fail(v, "'quick' must be a table");
      quick_table = v.as_table();
    } else if (key == "plot") {
      if (!v.is_array_of_tables()) r.fail(v, "'plot' must be an array of tables ([[plot]])");
      for (const auto& pn : *v.as_array()) {
        PlotSpec p;
        for (const auto& [pk, pv] : *pn.as_table()) {
          const std::string_view k2 = pk.str();
          if (k2 == "name") p.name = r.str(pv, k2);
          else if (k2 == "x") p.x = r.str(pv, k2);
          else if (k2 == "y") p.y = r.str(pv, k2);
          else if (k2 == "kind") p.kind = r.one_of(pv, k2, {"line", "bar", "timeseries"});
          else if (k2 == "title") p.title = r.str(pv, k2);
          else if (k2 == "xlabel") p.xlabel = r.str(pv, k2);
          else if (k2 == "ylabel") p.ylabel = r.str(pv, k2);
          else if (k2 == "logx") p.logx = r.boolean(pv, k2);
          else if (k2 == "logy") p.logy = r.boolean(pv, k2);
          else r.unknown(pk, "[[plot]]");
        }
        if (p.kind == "timeseries") {
          // Per-path throughput over time: y names the paths ("*" = all), one line per scheduler and grid point.
          if (p.name.empty()) r.fail(pn, "[[plot]] needs 'name'");
          if (p.y.empty()) p.y = "*";
        } else if (p.name.empty() || p.x.empty() || p.y.empty()) {
          r.fail(pn, "[[plot]] needs 'name', 'x' and 'y'");
        }
        e.plots.push_back(p);
      }
    } else if (key == "claim") {
      if (!v.is_array_of_tables()) r.fail(v, "'claim' must be an array of tables ([[claim]])");
      for (const auto& cn : *v.as_array()) {
        ClaimSpec c;
        for (const auto& [ck, cv] : *cn.as_table()) {
          const std::string_view k2 = ck.str();
          if (k2 == "text") c.text = r.str(cv, k2);
          else if (k2 == "metric") c.metric = r.str(cv, k2);
          else if (k2 == "statistic") c.statistic = r.one_of(cv, k2, {"mean", "median", "p5", "p95"});
          else if (k2 == "subject") c.subject = r.str(cv, k2);
          else if (k2 == "op") c.op = r.one_of(cv, k2, {"<", "<=", ">", ">="});
          else if (k2 == "reference") c.reference = r.str(cv, k2);
          else if (k2 == "value") c.value = r.number(cv, k2);
          else if (k2 == "factor") c.factor = r.number(cv, k2);
          else if (k2 == "where") {
            // where = ["axis", "<=", 10000]
            const auto* arr = cv.as_array();
            if (!arr || arr->size() != 3) r.fail(cv, "'where' must be [axis, op, number]");
            c.where_key = r.str(*arr->get(0), "where");
            c.where_op = r.one_of(*arr->get(1), "where", {"<", "<=", ">", ">=", "=="});
            c.where_value = r.number(*arr->get(2), "where");
          } else r.unknown(ck, "[[claim]]");
        }
        if (c.text.empty() || c.metric.empty() || c.subject.empty())
          r.fail(cn, "[[claim]] needs 'text', 'metric' and 'subject'");
        if (c.reference.empty() == !c.value.has_value())
          r.fail(cn, "[[claim]] needs exactly one of 'reference' (a scheduler) and 'value' (a number)");
        e.claims.push_back(c);
      }
    } else {
      r.unknown(k, "the experiment file");
    }
  }
  if (!has_scenario) r.fail(root, "the experiment needs 'scenario' (a scenario file, relative to this file)");
  if (e.schedulers.empty()) r.fail(root, "the experiment needs 'schedulers'");
  if (e.name.empty()) e.name = e.file.stem().string();
  if (quick && quick_table) {
    for (const auto& [k, v] : *quick_table) {
      if (k.str() == "runs") e.runs = r.positive(v, "runs", 10'000);
      else if (k.str() == "grid") {
        if (!v.is_table()) r.fail(v, "'grid' must be a table");
        // Axes named here replace the full grid's; others keep their values.
        for (Axis& a : parse_grid(*v.as_table(), r)) {
          bool found = false;
          for (Axis& full : e.grid)
            if (full.key == a.key) {
              full.values = a.values;
              found = true;
            }
          if (!found) r.fail(v, "[quick.grid] axis '" + a.key + "' is not an axis of [grid]");
        }
      } else r.unknown(k, "[quick]");
    }
  }
  for (const PlotSpec& p : e.plots) {
    if (p.kind == "timeseries") continue;
    bool axis = false;
    for (const Axis& a : e.grid) axis = axis || a.key == p.x;
    if (!axis) throw Fail{e.file.string() + ": [[plot]] '" + p.name + "': x '" + p.x + "' is not a grid axis"};
  }
}

}  // namespace

bool load_experiment(const std::filesystem::path& file, bool quick, Experiment& out, std::string& error) {
  out = Experiment{};
  out.file = file;
  try {
    const toml::table root = toml::parse_file(file.string());
    parse(root, quick, out, Reader(file));
    return true;
  } catch (const toml::parse_error& e) {
    const auto& s = e.source();
    error = file.string() + ":" + std::to_string(s.begin.line) + ":" + std::to_string(s.begin.column) + ": " +
            std::string(e.description());
  } catch (const Fail& f) {
    error = f.message;
  }
  return false;
}

std::string scheduler_label(const std::string& entry) {
  const std::filesystem::path p(entry);
  return p.extension() == ".progmp" ? p.stem().string() : entry;
}

std::vector<RunSpec> expand(const Experiment& e) {
  std::vector<RunSpec> out;
  std::vector<std::size_t> at(e.grid.size(), 0);
  while (true) {
    std::vector<std::string> values;
    for (std::size_t i = 0; i < e.grid.size(); ++i) values.push_back(e.grid[i].values[at[i]]);
    for (const std::string& s : e.schedulers)
      for (int r = 0; r < e.runs; ++r) out.push_back(RunSpec{out.size(), values, s, r});
    // Next grid point, last axis fastest.
    std::size_t i = e.grid.size();
    while (i > 0) {
      --i;
      if (++at[i] < e.grid[i].values.size()) break;
      at[i] = 0;
      if (i == 0) return out;
    }
    if (e.grid.empty()) return out;
  }
}

}  // namespace progmp::experiment
