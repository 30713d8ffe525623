// Trace records and runtime diagnostics of a connection (runtime.md §12): print_suppressed, diag and exec
// records, and the process-log line of each diagnostic.
#include "connection.hpp"
#include "report_json.hpp"

namespace progmp::runtime {

JsonWriter Connection::begin_record(const char* kind) {
  std::string& line = shared_.ws.line;
  line.clear();
  JsonWriter w(line);
  w.begin_object();
  w.field("t_us", now_us_).field("kind", kind).field("conn", conn_index_).field("sched", std::string_view(label()));
  return w;
}

void Connection::write_print_suppressed() {
  JsonWriter w = begin_record("print_suppressed");
  w.field("count", prints_pending_suppressed_);
  w.end_object();
  shared_.trace.sink->write(shared_.ws.line);
  prints_pending_suppressed_ = 0;
}

void Connection::write_exec_record(const ExecutionReport& rep) {
  JsonWriter w = begin_record("exec");
  w.field("index", rep.index).field("end", exec_end_name(rep.end)).field("steps", rep.steps);
  w.key("actions").begin_array();
  for (const ActionReport& a : rep.actions) write_action_json(w, a);
  w.end_array();
  w.key("pops").begin_array();
  for (const PopReport& p : rep.pops) write_pop_json(w, p);
  w.end_array();
  w.key("registers").begin_array();
  for (std::int64_t r : rep.registers) w.value(r);
  w.end_array();
  w.end_object();
  shared_.trace.sink->write(shared_.ws.line);
}

void Connection::emit_diag(const char* severity, const char* code, std::string_view message, std::string_view k1,
                           std::int64_t v1, std::string_view k2, std::int64_t v2, std::string_view str_key,
                           std::string_view str_val) {
  if (trace_on(0)) {
    JsonWriter w = begin_record("diag");
    w.field("severity", severity).field("code", code).field("message", message);
    if (!k1.empty()) w.field(k1, v1);
    if (!k2.empty()) w.field(k2, v2);
    if (!str_key.empty()) w.field(str_key, str_val);
    w.end_object();
    shared_.trace.sink->write(shared_.ws.line);
  }
  if (shared_.trace.log) {
    std::string line = "progmp: conn " + std::to_string(conn_index_) + " [" + label() + "]: " + severity + "[" +
                       code + "]: ";
    line += message;
    shared_.trace.log(line);
  }
}

}  // namespace progmp::runtime
