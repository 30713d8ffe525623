// Output of the playground: the canonical view (§14.2), the result object (§14.4) and the readable report.
#include <string>

#include "../json_writer.hpp"
#include "../report_json.hpp"
#include "progmp/runtime/playground.hpp"

namespace progmp::runtime {
namespace {

void write_ids(JsonWriter& w, const std::vector<std::int64_t>& ids) {
  w.begin_array();
  for (std::int64_t id : ids) w.value(id);
  w.end_array();
}

void write_packet(JsonWriter& w, const ViewPacket& p) {
  w.begin_object();
  w.field("seq", p.seq).field("length", p.length).field("user", p.user).field("psh", p.psh).field("age_ms", p.age_ms);
  w.key("sent_on");
  write_ids(w, p.sent_on);
  w.key("queued_on");
  write_ids(w, p.queued_on);
  w.end_object();
}

void write_opt(JsonWriter& w, std::string_view key, const std::optional<std::int64_t>& v) {
  w.key(key);
  if (v) w.value(*v);
  else w.null();
}

void write_view(JsonWriter& w, const PlaygroundView& v) {
  w.begin_object();
  w.field("version", v.version).field("time_ms", v.time_ms);
  w.key("registers").begin_array();
  for (std::int64_t r : v.registers) w.value(r);
  w.end_array();
  w.field("random_seed", v.random_seed);
  w.key("window_end");
  if (v.window_end == INT64_MAX) w.null();
  else w.value(v.window_end);
  w.field("mss", v.mss);
  w.key("subflows").begin_array();
  for (const ViewSubflow& s : v.subflows) {
    w.begin_object();
    w.field("id", s.id).field("rtt", s.rtt).field("rtt_var", s.rtt_var).field("cwnd", s.cwnd);
    w.field("ssthresh", s.ssthresh).field("skbs_in_flight", s.skbs_in_flight).field("queued", s.queued);
    w.field("lost_skbs", s.lost_skbs).field("is_backup", s.is_backup).field("throttled", s.throttled);
    w.field("lossy", s.lossy);
    write_opt(w, "delay_in", s.delay_in);
    write_opt(w, "delay_out", s.delay_out);
    w.field("bw_out_send", s.bw_out_send).field("bw_out_ack", s.bw_out_ack).field("bw", s.bw);
    w.field("loss_rate", s.loss_rate).field("user", s.user);
    w.end_object();
  }
  w.end_array();
  w.key("Q").begin_array();
  for (const ViewPacket& p : v.packets) {
    if (p.in_q) write_packet(w, p);
  }
  w.end_array();
  w.key("QU").begin_array();
  for (const ViewPacket& p : v.packets) {
    if (p.in_qu) write_packet(w, p);
  }
  w.end_array();
  w.key("RQ").begin_array();
  for (const ViewPacket& p : v.packets) {
    if (p.in_rq) w.value(p.seq);
  }
  w.end_array();
  w.end_object();
}

std::string seqs_text(const std::vector<std::int64_t>& v) {
  std::string out;
  for (std::int64_t x : v) {
    if (!out.empty()) out += ',';
    out += std::to_string(x);
  }
  return out;
}

}  // namespace

std::string view_to_json(const PlaygroundView& view) {
  std::string out;
  JsonWriter w(out);
  write_view(w, view);
  return out;
}

std::string playground_json(const PlaygroundResult& r, std::string_view diagnostics_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("status", "ok").field("scheduler", std::string_view(r.scheduler));
  w.key("diagnostics").raw(diagnostics_json.empty() ? "[]" : diagnostics_json);
  w.key("executions").begin_array();
  for (const PlaygroundExecution& e : r.executions) {
    w.begin_object();
    w.field("index", e.index).field("end", exec_end_name(e.end)).field("steps", e.steps);
    w.key("actions").begin_array();
    for (const ActionReport& a : e.actions) write_action_json(w, a);
    w.end_array();
    w.key("pops").begin_array();
    for (const PopReport& p : e.pops) write_pop_json(w, p);
    w.end_array();
    w.key("registers").begin_array();
    for (std::int64_t x : e.registers) w.value(x);
    w.end_array();
    w.key("prints").begin_array();
    for (const std::string& s : e.prints) w.value(std::string_view(s));
    w.end_array();
    w.field("progress", progress_name(e.progress));
    if (e.aborted) {
      w.field("discarded", e.discarded);
      if (!e.discarded_prints.empty()) {
        w.key("discarded_prints").begin_array();
        for (const std::string& s : e.discarded_prints) w.value(std::string_view(s));
        w.end_array();
      }
    }
    w.end_object();
  }
  w.end_array();
  w.field("round_end", round_end_name(r.round_end));
  w.key("view_after");
  write_view(w, r.view_after);
  w.end_object();
  return out;
}

std::string playground_compile_error_json(std::string_view scheduler, std::string_view diagnostics_json) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("status", "compile_error").field("scheduler", scheduler);
  w.key("diagnostics").raw(diagnostics_json.empty() ? "[]" : diagnostics_json);
  w.end_object();
  return out;
}

std::string playground_text(const PlaygroundResult& r) {
  std::string out = "scheduler " + r.scheduler + "\n";
  for (const PlaygroundExecution& e : r.executions) {
    out += "execution " + std::to_string(e.index) + ": " + exec_end_name(e.end) + " after " +
           std::to_string(e.steps) + " steps, progress " + progress_name(e.progress) + "\n";
    if (e.aborted) {
      out += "  aborted: " + std::to_string(e.discarded) + " action(s) discarded, state rolled back\n";
      for (const std::string& p : e.discarded_prints) out += "  discarded print: " + p + "\n";
    }
    std::size_t pop = 0;
    for (const PopReport& p : e.pops) {
      out += std::string("  POP ") + queue_name(p.queue) + " -> packet " + std::to_string(p.seq) + ": " +
             pop_outcome_name(p.outcome) + "\n";
      ++pop;
    }
    for (const ActionReport& a : e.actions) {
      switch (a.op) {
        case EffectKind::Push:
          out += "  PUSH packet " + std::to_string(a.seq) + " (from " + queue_name(a.origin) + ") to subflow " +
                 std::to_string(a.subflow);
          break;
        case EffectKind::Drop:
          out += "  DROP packet " + std::to_string(a.seq) + " (from " + queue_name(a.origin) + ")";
          break;
        default:
          out += "  SET_USER subflow " + std::to_string(a.subflow) + " := " + std::to_string(a.value);
          break;
      }
      out += std::string(": ") + action_result_name(a.result) + "\n";
    }
    if (e.actions.empty() && pop == 0 && !e.aborted) out += "  no actions\n";
    for (const std::string& p : e.prints) out += "  print: " + p + "\n";
    out += "  registers:";
    for (std::int64_t x : e.registers) out += " " + std::to_string(x);
    out += "\n";
  }
  out += std::string("round end: ") + round_end_name(r.round_end) + "\n";
  for (const std::string& d : r.runtime_diagnostics) out += d + "\n";
  const PlaygroundView& v = r.view_after;
  out += "view after:\n";
  out += "  registers:";
  for (std::int64_t x : v.registers) out += " " + std::to_string(x);
  out += "\n  random_seed: " + std::to_string(v.random_seed) + "\n";
  for (const ViewSubflow& s : v.subflows) {
    out += "  subflow " + std::to_string(s.id) + ": rtt " + std::to_string(s.rtt) + " us, cwnd " +
           std::to_string(s.cwnd) + ", in flight " + std::to_string(s.skbs_in_flight) + ", queued " +
           std::to_string(s.queued) + ", user " + std::to_string(s.user) + ", bw_out_send " +
           std::to_string(s.bw_out_send) + "\n";
  }
  auto queue = [&](const char* name, auto member) {
    out += std::string("  ") + name + ":";
    bool any = false;
    for (const ViewPacket& p : v.packets) {
      if (!(p.*member)) continue;
      any = true;
      out += " " + std::to_string(p.seq);
      if (!p.sent_on.empty() && member != &ViewPacket::in_rq) out += " [sent on " + seqs_text(p.sent_on) + "]";
      if (!p.queued_on.empty() && member != &ViewPacket::in_rq) out += " [queued on " + seqs_text(p.queued_on) + "]";
    }
    out += any ? "\n" : " (empty)\n";
  };
  queue("Q", &ViewPacket::in_q);
  queue("QU", &ViewPacket::in_qu);
  queue("RQ", &ViewPacket::in_rq);
  return out;
}

}  // namespace progmp::runtime
