// Internal to the scenario parser and --set: typed readers of TOML values and the per-table key setters, shared so
// that a key means the same in a file and on the command line.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "progmp/sim/scenario.hpp"

namespace progmp::sim::detail {

// Thrown inside the parser only; parse_scenario/apply_override turn it into their error string.
struct FieldError {
  std::string message;
};

struct FieldContext {
  std::string label;  // file name, or "--set KEY"
  bool with_positions = true;  // false for --set, whose value positions mean nothing to the user
  [[noreturn]] void fail(const toml::source_region& where, const std::string& message) const;
  double number(const toml::node& n, std::string_view key, double lo, double hi) const;
  std::int64_t integer(const toml::node& n, std::string_view key, std::int64_t lo, std::int64_t hi) const;
  bool boolean(const toml::node& n, std::string_view key) const;
  std::string string(const toml::node& n, std::string_view key) const;
  std::string one_of(const toml::node& n, std::string_view key, std::initializer_list<std::string_view> allowed) const;
};

// A [[workload]] table (TOML text, as kept in Scenario::workload_tables) with top-level `key` set to `v`,
// validated like the file; `text` is updated. Bad keys or values throw FieldError.
Workload rewrite_workload(std::string& text, std::string_view key, const toml::node& v, const FieldContext& ctx);

// Each returns false if `key` is not one of its table's keys; bad values throw FieldError.
bool set_link_key(LinkSpec& link, std::string_view key, const toml::node& v, const FieldContext& ctx);
bool set_path_key(PathSpec& path, std::string_view key, const toml::node& v, const FieldContext& ctx);
bool set_transport_key(TransportSpec& t, std::string_view key, const toml::node& v, const FieldContext& ctx);
bool set_scheduler_key(SchedulerSpec& s, std::string_view key, const toml::node& v, const FieldContext& ctx);
bool set_top_key(Scenario& s, std::string_view key, const toml::node& v, const FieldContext& ctx);

}  // namespace progmp::sim::detail
