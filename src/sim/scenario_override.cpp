// --set key=value: the value is parsed as a TOML value and routed through the same setters as the file parser.
#include <charconv>

#include <toml++/toml.h>

#include "progmp/sim/scenario.hpp"
#include "scenario_fields.hpp"

namespace progmp::sim {

bool apply_override(Scenario& s, std::string_view assignment, std::string& error) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    error = "--set '" + std::string(assignment) + "': expected key=value";
    return false;
  }
  const std::string key(assignment.substr(0, eq));
  const std::string value(assignment.substr(eq + 1));
  const detail::FieldContext ctx{"--set " + key, false};
  try {
    toml::table holder;
    try {
      holder = toml::parse("v = " + value);
    } catch (const toml::parse_error&) {
      // Bare words are taken as strings, so --set transport.cc=cubic works without shell quoting.
      holder = toml::table{{"v", value}};
    }
    const toml::node& v = *holder.get("v");
    std::string_view rest = key;
    auto take = [&rest]() {
      const std::size_t dot = rest.find('.');
      std::string_view head = rest.substr(0, dot);
      rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
      return head;
    };
    const std::string_view section = take();
    bool known = false;
    if (rest.empty()) {
      known = detail::set_top_key(s, section, v, ctx);
    } else if (section == "transport") {
      known = detail::set_transport_key(s.transport, rest, v, ctx);
    } else if (section == "scheduler") {
      known = detail::set_scheduler_key(s.scheduler, rest, v, ctx);
    } else if (section == "workload") {
      const std::string_view which = take();
      std::size_t index = 0;
      auto [ptr, ec] = std::from_chars(which.data(), which.data() + which.size(), index);
      if (ec != std::errc{} || ptr != which.data() + which.size() || index >= s.workloads.size()) {
        error = ctx.label + ": no workload '" + std::string(which) + "' (the scenario has " +
                std::to_string(s.workloads.size()) + ", numbered from 0)";
        return false;
      }
      s.workloads[index] = detail::rewrite_workload(s.workload_tables[index], rest, v, ctx);
      known = true;
    } else if (section == "path" && rest.starts_with("*.")) {
      // path.*.<key>: every path (experiment grids sweep e.g. the loss of all paths at once).
      take();
      known = !rest.empty() && rest != "change" && !s.paths.empty();
      for (auto& p : s.paths) known = known && detail::set_path_key(p, rest, v, ctx);
    } else if (section == "path") {
      const std::string_view which = take();
      PathSpec* path = nullptr;
      std::size_t index = 0;
      auto [ptr, ec] = std::from_chars(which.data(), which.data() + which.size(), index);
      if (ec == std::errc{} && ptr == which.data() + which.size()) {
        if (index < s.paths.size()) path = &s.paths[index];
      } else {
        for (auto& p : s.paths) {
          if (p.name == which) path = &p;
        }
      }
      if (path == nullptr) {
        error = ctx.label + ": no path '" + std::string(which) + "' (the scenario has " +
                std::to_string(s.paths.size()) + ")";
        return false;
      }
      known = !rest.empty() && rest != "change" && detail::set_path_key(*path, rest, v, ctx);
    }
    if (!known) {
      error = ctx.label + ": unknown key";
      return false;
    }
    return true;
  } catch (const detail::FieldError& e) {
    error = e.message;
  }
  return false;
}

}  // namespace progmp::sim
