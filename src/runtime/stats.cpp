// Statistics arithmetic and their JSON form (runtime.md §13).
#include "progmp/runtime/stats.hpp"

#include <bit>

#include "json_writer.hpp"

namespace progmp::runtime {

void Stats::add(const Stats& o) {
  rounds += o.rounds;
  executions += o.executions;
  executions_aborted += o.executions_aborted;
  executions_rerouted += o.executions_rerouted;
  exec_time_ns_total += o.exec_time_ns_total;
  if (o.exec_time_ns_max > exec_time_ns_max) exec_time_ns_max = o.exec_time_ns_max;
  for (std::size_t i = 0; i < exec_time_hist.size(); ++i) exec_time_hist[i] += o.exec_time_hist[i];
  steps += o.steps;
  actions_push += o.actions_push;
  actions_drop += o.actions_drop;
  actions_set_user += o.actions_set_user;
  pushes_queued += o.pushes_queued;
  pushes_deduplicated += o.pushes_deduplicated;
  drop_refused += o.drop_refused;
  pops_returned += o.pops_returned;
  budget_exhausted += o.budget_exhausted;
  fallbacks += o.fallbacks;
  bytes_pushed += o.bytes_pushed;
  bytes_pushed_new += o.bytes_pushed_new;
  bytes_redundant += o.bytes_redundant;
  prints += o.prints;
  prints_suppressed += o.prints_suppressed;
}

void Stats::add_exec_time(std::uint64_t ns) {
  exec_time_ns_total += ns;
  if (ns > exec_time_ns_max) exec_time_ns_max = ns;
  // Bucket i holds [2^i, 2^(i+1)); 0 ns joins bucket 0 and everything from 2^31 on the last bucket.
  int bucket = ns == 0 ? 0 : std::bit_width(ns) - 1;
  if (bucket > 31) bucket = 31;
  ++exec_time_hist[static_cast<std::size_t>(bucket)];
}

namespace {

void write_counters(JsonWriter& w, const Stats& s) {
  w.field("rounds", s.rounds)
      .field("executions", s.executions)
      .field("executions_aborted", s.executions_aborted)
      .field("executions_rerouted", s.executions_rerouted)
      .field("exec_time_ns_total", s.exec_time_ns_total)
      .field("exec_time_ns_max", s.exec_time_ns_max);
  w.key("exec_time_hist").begin_array();
  for (std::uint64_t c : s.exec_time_hist) w.value_uint(c);
  w.end_array();
  w.field("steps", s.steps)
      .field("actions_push", s.actions_push)
      .field("actions_drop", s.actions_drop)
      .field("actions_set_user", s.actions_set_user)
      .field("pushes_queued", s.pushes_queued)
      .field("pushes_deduplicated", s.pushes_deduplicated)
      .field("drop_refused", s.drop_refused)
      .field("pops_returned", s.pops_returned)
      .field("budget_exhausted", s.budget_exhausted)
      .field("fallbacks", s.fallbacks)
      .field("bytes_pushed", s.bytes_pushed)
      .field("bytes_pushed_new", s.bytes_pushed_new)
      .field("bytes_redundant", s.bytes_redundant);
}

}  // namespace

std::string to_json(const ConnectionStats& s) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  write_counters(w, s);
  w.key("bytes_pushed_by_subflow").begin_object();
  for (const auto& [id, bytes] : s.bytes_pushed_by_subflow) w.field(std::to_string(id), bytes);
  w.end_object();
  w.field("prints", s.prints).field("prints_suppressed", s.prints_suppressed);
  w.end_object();
  return out;
}

std::string to_json(const SchedulerStats& s) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  write_counters(w, s);
  w.field("prints", s.prints).field("prints_suppressed", s.prints_suppressed);
  w.field("connections", s.connections).field("connections_total", s.connections_total);
  w.end_object();
  return out;
}

}  // namespace progmp::runtime
