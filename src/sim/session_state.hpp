// Everything one simulation run holds (private to src/sim), shared by the files that build and run it
// (session.cpp) and report on it (report.cpp):
//
//   workloads ──send──► client Endpoint (runtime, scheduler) ══ path.forward ══► server Endpoint ──► StreamChecker
//                              ▲                                                       │
//                              └══════════════════ path.reverse (ACKs) ◄══════════════┘
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app_stream.hpp"
#include "host.hpp"
#include "progmp/sim/mahimahi_trace.hpp"
#include "progmp/sim/path.hpp"
#include "progmp/sim/scenario.hpp"
#include "progmp/sim/session.hpp"
#include "progmp/sim/workload.hpp"
#include "progmp/transport/endpoint.hpp"
#include "progmp/transport/random.hpp"

namespace progmp::sim {

struct SessionState {
  SessionState(const Scenario& scenario, const SessionOptions& options);

  Scenario scenario;
  SessionOptions options;
  Simulator sim;
  // Randomness of the two endpoints (connection IDs, ephemeral keys, challenges): seeded, so runs repeat exactly.
  transport::SeededRandom client_random, server_random;
  transport::Endpoint client, server;
  Host client_host, server_host;
  std::vector<std::unique_ptr<MahimahiTrace>> traces;
  std::vector<std::unique_ptr<Path>> paths;
  std::vector<runtime::SubflowId> subflow_ids;  // path i → its subflow
  std::vector<bool> throttled;
  std::vector<std::unique_ptr<WorkloadRunner>> workloads;
  transport::ConnHandle client_conn = 0;
  transport::ConnHandle server_conn = 0;  // once the server accepted it
  StreamPattern pattern;
  StreamChecker checker;
  std::vector<std::byte> read_buffer;
  std::uint64_t stream_offset = 0;
  std::uint64_t acked_seen = 0;
  Instant end;
  Duration progress_step;
  std::string scheduler_label;
};

// The result object of `progmp sim --json` (docs/simulator.md lists its fields).
nlohmann::json make_result(const SessionState& s);

}  // namespace progmp::sim
