// The result of one simulation run (docs/simulator.md lists the fields).
#include <nlohmann/json.hpp>

#include "session_state.hpp"

namespace progmp::sim {

using json = nlohmann::json;

json make_result(const SessionState& s) {
  json out;
  out["scenario"] = s.scenario.name;
  out["seed"] = s.scenario.seed;
  out["scheduler"] = s.scheduler_label;
  std::uint64_t app = 0;
  for (const auto& w : s.workloads) app += w->app_bytes();
  const double duration = s.sim.now().ns_since_epoch() / 1e9;
  const std::uint64_t delivered = s.checker.checked();
  const transport::ConnectionInfo info = s.client.info(s.client_conn);
  out["app_bytes"] = app;
  out["delivered_bytes"] = delivered;
  out["in_order"] = s.checker.intact() && delivered <= s.stream_offset;
  out["data_acked_bytes"] = info.bytes_acked;
  out["duration_s"] = duration;
  out["goodput_mbit"] = duration > 0 ? static_cast<double>(delivered) * 8 / duration / 1e6 : 0.0;
  std::vector<transport::PathInfo> infos(s.paths.size());
  std::uint64_t wire_payload = 0;
  for (std::size_t i = 0; i < s.paths.size(); ++i)
    if (s.client.path_info(s.client_conn, s.subflow_ids[i], infos[i])) wire_payload += infos[i].counters.bytes_sent;
  // Payload bytes on the wire per application byte delivered (= app_bytes once a transfer has finished; for an
  // unfinished bulk transfer the send buffer's unsent bytes would otherwise count as saved).
  out["overhead"] = delivered > 0 ? static_cast<double>(wire_payload) / static_cast<double>(delivered) : 0.0;
  json paths = json::array();
  json series = json::object();
  for (std::size_t i = 0; i < s.paths.size(); ++i) {
    const transport::SubflowCounters& c = infos[i].counters;
    json p;
    p["name"] = s.paths[i]->name;
    p["bytes_sent"] = c.bytes_sent;
    p["share"] = wire_payload > 0 ? static_cast<double>(c.bytes_sent) / static_cast<double>(wire_payload) : 0.0;
    p["retransmitted_bytes"] = c.retransmitted_bytes;
    p["rtt_ms_avg"] = c.rtt_samples > 0 ? c.rtt_sum_ms / static_cast<double>(c.rtt_samples) : 0.0;
    p["loss_rate"] = c.segments_sent > 0 ? static_cast<double>(c.segments_lost) / static_cast<double>(c.segments_sent)
                                         : 0.0;
    p["timeouts"] = c.timeouts;
    p["failures"] = c.failures;
    const LinkCounters& lc = s.paths[i]->forward.counters();
    p["dropped_queue"] = lc.dropped_queue;
    p["dropped_loss"] = lc.dropped_loss + lc.dropped_down;
    paths.push_back(p);
    series[s.paths[i]->name] = s.paths[i]->forward.delivered_mbit_series();
  }
  out["paths"] = paths;
  json workloads = json::array();
  for (const auto& w : s.workloads) {
    json j;
    w->report(j, s.sim.now());
    workloads.push_back(j);
  }
  out["workloads"] = workloads;
  out["timeseries"] = json{{"interval_ms", 100}, {"paths", series}};
  out["events"] = s.sim.events_processed();
  return out;
}

}  // namespace progmp::sim
