// Building and running one simulation: the scheduler, the network of paths, the two hosts (each a transport
// Endpoint on the simulator, host.cpp), the connection and the workloads. The result is in report.cpp.
#include "progmp/sim/session.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/builtin.hpp"
#include "progmp/transport/crypto/keys.hpp"
#include "session_state.hpp"

namespace progmp::sim {

namespace {

using json = nlohmann::json;

// The send buffer ([transport] snd_buf_kb) bounds the runtime's unacknowledged bytes (runtime.md §11.1); the
// generator seed follows the scenario seed, so RANDOM in a program is reproducible and varies with --seed.
transport::EndpointConfig make_endpoint_config(const Scenario& s, bool server, std::uint64_t key_seed) {
  transport::EndpointConfig c;
  c.transport.cc = s.transport.cc;
  c.transport.mss = s.transport.mss;
  c.transport.rcv_buf_bytes = s.transport.rcv_buf_kb * 1024;
  c.transport.path_timeout = transport::Duration::millis(s.transport.path_timeout_ms);
  c.transport.pacing = s.transport.pacing;
  c.runtime.snd_buf_bytes = s.transport.snd_buf_kb * 1024;
  c.runtime.runtime_seed = s.seed;
  // Simulated hosts know each other's keys; encryption costs time but changes nothing else (same sizes).
  transport::SeededRandom keys(key_seed);
  c.identity = transport::crypto::generate_key_pair(keys);
  c.accept_connections = server;
  c.aeads = s.transport.encrypt ? transport::crypto::default_aeads()
                                : std::vector<transport::crypto::Aead>{transport::crypto::Aead::Null};
  // A scenario's connection lives as long as the scenario, whatever its paths do.
  c.idle_timeout = Duration::zero();
  return c;
}

constexpr std::uint64_t kClientKeySeed = 0x636c69656e74;  // "client"
constexpr std::uint64_t kServerKeySeed = 0x736572766572;  // "server"

// Addresses on the simulated network: the client's end of path i and the server's.
transport::Address client_address(std::size_t i) { return transport::Address::from_index(static_cast<std::uint32_t>(2 * i)); }
transport::Address server_address(std::size_t i) { return transport::Address::from_index(static_cast<std::uint32_t>(2 * i + 1)); }

class Progress final : public EventHandler {
 public:
  explicit Progress(SessionState& s) : s_(s) {}
  void on_event(Simulator& sim, std::uint64_t) override {
    if (s_.options.progress) s_.options.progress(sim.now().ns_since_epoch() / static_cast<double>(s_.end.ns_since_epoch()));
    if (sim.now() + s_.progress_step < s_.end) sim.schedule_in(s_.progress_step, *this, 0);
  }

 private:
  SessionState& s_;
};

class SessionImpl final : public Session, public AppSocket {
 public:
  SessionImpl(const Scenario& scenario, const SessionOptions& options) : s_(scenario, options), progress_(s_) {
    s_.client_host.set_after_input([this] { after_client_input(); });
    s_.server_host.set_after_input([this] { after_server_input(); });
  }

  bool build(std::string& error);
  void run() override;
  json result() const override { return make_result(s_); }
  std::uint64_t events() const override { return s_.sim.events_processed(); }
  std::vector<runtime::ProgramProfile> profiles() const override;
  runtime::ConnectionStats connection_stats() const override {
    runtime::ConnectionStats st;
    s_.client.runtime().connection_stats(s_.client_conn, st);
    return st;
  }

  // ---- AppSocket ----
  Instant now() const override { return s_.sim.now(); }
  std::uint64_t send(std::uint64_t length, std::int64_t user, bool push) override;
  std::uint64_t stream_offset() const override { return s_.stream_offset; }
  void set_register(int k, std::int64_t value) override {
    s_.client.set_register(s_.client_conn, s_.sim.now(), k, value);
    s_.client_host.flush();
  }

 private:
  void after_client_input() {
    while (s_.client.poll_event()) {
    }
    update_throttled();
    const std::uint64_t acked = s_.client.info(s_.client_conn).bytes_acked;
    if (acked > s_.acked_seen) {
      s_.acked_seen = acked;
      for (auto& w : s_.workloads) w->on_writable(s_.sim, *this);
    }
  }

  void after_server_input() {
    while (auto e = s_.server.poll_event()) {
      if (e->kind == transport::EventKind::Accepted) s_.server_conn = e->conn;
    }
    if (s_.server_conn == 0) return;
    const std::uint64_t before = s_.checker.checked();
    // The receiving application reads at once, so the receive window stays fully open (as the paper's receivers).
    while (true) {
      const transport::RecvResult r = s_.server.recv(s_.server_conn, s_.sim.now(), s_.read_buffer);
      if (r.bytes == 0) break;
      s_.checker.check(s_.checker.checked(), std::span<const std::byte>(s_.read_buffer.data(), r.bytes));
    }
    if (s_.checker.checked() > before)
      for (auto& w : s_.workloads) w->on_delivered(s_.sim, s_.checker.checked());
  }

  // THROTTLED in the simulator (runtime.md §15.1): the sending link holds more than max(2 datagrams, 1 ms of its
  // rate). Re-evaluated on every input of the sending host.
  void update_throttled() {
    const double datagram = static_cast<double>(transport::max_datagram_size(s_.scenario.transport.mss) + 256);
    for (std::size_t i = 0; i < s_.paths.size(); ++i) {
      const Link& l = s_.paths[i]->forward;
      const double ms_bytes = static_cast<double>(l.config().rate.bps()) / 8.0 / 1000.0;
      const double limit = std::max(2.0 * datagram, ms_bytes);
      const bool t = static_cast<double>(l.queued_bytes().count()) > limit;
      if (t != s_.throttled[i]) {
        s_.throttled[i] = t;
        s_.client.set_throttled(s_.client_conn, s_.sim.now(), s_.subflow_ids[i], t);
      }
    }
  }

  SessionState s_;
  Progress progress_;
};

bool SessionImpl::build(std::string& error) {
  runtime::Runtime& rt = s_.client.runtime();
  // Scheduler.
  rt.set_log([](std::string_view) {});
  s_.server.runtime().set_log([](std::string_view) {});
  if (s_.options.trace) rt.set_trace(s_.options.trace, s_.options.trace_level);
  rt.set_profiling(s_.options.profile);
  std::string name =
      s_.options.scheduler_name.empty() ? std::string(runtime::kBuiltinMinRttName) : s_.options.scheduler_name;
  if (!s_.options.scheduler_source.empty()) {
    runtime::LoadResult r = s_.options.scheduler_so.empty() ? rt.load_scheduler(name, s_.options.scheduler_source)
                                                            : rt.load_scheduler_so(name, s_.options.scheduler_so);
    if (r.status != runtime::Status::Ok) {
      error = "scheduler '" + name + "' does not load";
      if (!r.diagnostics.empty())
        error += ":\n" + lang::format_diagnostics_text(r.diagnostics, name, s_.options.scheduler_source);
      return false;
    }
    name = r.name;
  }
  if (rt.set_default_scheduler(name) != runtime::Status::Ok) {
    error = "unknown scheduler '" + name + "'";
    return false;
  }
  s_.scheduler_label = name;

  runtime::EngineChoice engine;
  if (!runtime::parse_engine(s_.options.engine, engine)) {
    error = "engine '" + s_.options.engine + "' is not available (available: " + runtime::available_engine_names() +
            ")";
    return false;
  }
  rt.set_default_engine(s_.options.engine);
  if (engine != runtime::EngineChoice::Auto && engine != runtime::EngineChoice::Interp) {
    // Build the engine now, so that a program it cannot run is an error rather than a silent interpreter run.
    const runtime::ProgramPtr program = rt.registry().find(name);
    if (program) {
      (void)program->executable(engine);
      const std::string why = program->engine_error(engine);
      if (!why.empty()) {
        error = "engine " + s_.options.engine + " cannot run scheduler '" + name + "': " + why;
        return false;
      }
    }
  }

  // Paths: forward links end at the server, reverse links at the client.
  for (std::size_t i = 0; i < s_.scenario.paths.size(); ++i) {
    const PathSpec& ps = s_.scenario.paths[i];
    LinkConfig fwd = ps.forward.to_config(), rev = ps.reverse.to_config();
    for (auto [spec, cfg] : {std::pair{&ps.forward, &fwd}, std::pair{&ps.reverse, &rev}}) {
      if (spec->trace.empty()) continue;
      auto t = std::make_unique<MahimahiTrace>();
      const std::filesystem::path file = std::filesystem::path(s_.options.scenario_dir) / spec->trace;
      if (!MahimahiTrace::load(file.string(), *t, error)) return false;
      cfg->trace = t.get();
      s_.traces.push_back(std::move(t));
    }
    s_.paths.push_back(std::make_unique<Path>(ps.name, s_.scenario.seed, fwd, rev, s_.server_host, s_.client_host));
    std::vector<LinkChange> changes;
    for (const PathChange& c : ps.changes) changes.push_back(c.to_link_change());
    s_.paths.back()->schedule(s_.sim, changes);
    s_.client_host.add_interface(s_.paths.back()->forward, server_address(i));
    s_.server_host.add_interface(s_.paths.back()->reverse, client_address(i));
  }

  // The connection: the handshake on the first path, the others join once it completes (as MPTCP's MP_JOINs).
  const transport::crypto::PublicKey server_key = s_.server.config().identity.public_key;
  for (std::size_t i = 0; i < s_.scenario.paths.size(); ++i) {
    const transport::PathSpec spec{transport::Route{static_cast<std::uint32_t>(i), server_address(i)},
                                   s_.scenario.paths[i].backup};
    if (i == 0) {
      s_.client_conn = s_.client.connect(s_.sim.now(), spec, server_key);
      s_.subflow_ids.push_back(1);
    } else {
      s_.subflow_ids.push_back(s_.client.add_path(s_.client_conn, s_.sim.now(), spec));
    }
    s_.throttled.push_back(false);
  }
  for (std::size_t k = 0; k < s_.scenario.scheduler.registers.size(); ++k)
    s_.client.set_register(s_.client_conn, s_.sim.now(), static_cast<int>(k + 1), s_.scenario.scheduler.registers[k]);

  for (std::size_t i = 0; i < s_.scenario.workloads.size(); ++i)
    s_.workloads.push_back(make_workload(s_.scenario.workloads[i], s_.scenario.seed, i));
  s_.end = Instant::epoch() + Duration::nanos(std::llround(s_.scenario.duration_s * 1e9));
  s_.progress_step = std::max(Duration::millis(1), (s_.end - Instant::epoch()) / 100);
  return true;
}

std::uint64_t SessionImpl::send(std::uint64_t length, std::int64_t user, bool push) {
  std::uint64_t done = 0;
  // One call per chunk keeps the pattern slice short; USER and PSH semantics are per call (runtime.md §11.2), so
  // the chunks of one workload call share `user` and only the last carries `push`.
  while (done < length) {
    const std::uint64_t n = std::min<std::uint64_t>(length - done, StreamPattern::kChunk);
    const bool last = done + n == length;
    const runtime::SendResult r =
        s_.client.send(s_.client_conn, s_.sim.now(), s_.pattern.slice(s_.stream_offset, n),
                       runtime::SendOptions{user, push && last});
    s_.stream_offset += r.accepted;
    done += r.accepted;
    if (r.accepted < n) break;
  }
  s_.client_host.flush();
  return done;
}

void SessionImpl::run() {
  for (auto& w : s_.workloads) w->start(s_.sim, *this);
  s_.client_host.flush();
  if (s_.options.progress) s_.sim.schedule_in(s_.progress_step, progress_, 0);
  // Run in slices so that a finished workload set ends the run early.
  const Duration slice = Duration::millis(100);
  while (s_.sim.now() < s_.end) {
    s_.sim.run_until(std::min(s_.end, s_.sim.now() + slice));
    // Finished: every workload is done and the sender has seen the last data acknowledgement.
    const bool all_done =
        !s_.workloads.empty() &&
        std::all_of(s_.workloads.begin(), s_.workloads.end(), [](const auto& w) { return w->finished(); }) &&
        s_.client.info(s_.client_conn).bytes_acked == s_.stream_offset;
    if (all_done) break;
  }
  if (s_.options.progress) s_.options.progress(1.0);
}

std::vector<runtime::ProgramProfile> SessionImpl::profiles() const {
  if (!s_.options.profile) return {};
  const runtime::Runtime& rt = s_.client.runtime();
  std::vector<runtime::ProgramProfile> out = rt.profiles();
  // The scheduler of the scenario first, even when it never ran; the rest (a fallback) in registry order.
  auto own = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.name == s_.scheduler_label; });
  if (own != out.end()) {
    std::rotate(out.begin(), own, own + 1);
  } else {
    runtime::ProgramProfile p;
    if (rt.profile(s_.scheduler_label, std::nullopt, p) == runtime::Status::Ok) out.insert(out.begin(), p);
  }
  return out;
}

}  // namespace

SessionState::SessionState(const Scenario& sc, const SessionOptions& opts)
    : scenario(sc),
      options(opts),
      client_random(sc.seed ^ 0x9e3779b97f4a7c15ULL),
      server_random(sc.seed ^ 0xbf58476d1ce4e5b9ULL),
      client(make_endpoint_config(sc, false, kClientKeySeed), client_random),
      server(make_endpoint_config(sc, true, kServerKeySeed), server_random),
      client_host(sim, client, 28),
      server_host(sim, server, 28) {
  read_buffer.resize(StreamPattern::kChunk);
}

std::unique_ptr<Session> Session::create(const Scenario& scenario, const SessionOptions& options,
                                         std::string& error) {
  auto s = std::make_unique<SessionImpl>(scenario, options);
  if (!s->build(error)) return nullptr;
  return s;
}

}  // namespace progmp::sim
