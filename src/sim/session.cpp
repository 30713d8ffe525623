#include "progmp/sim/session.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/builtin.hpp"
#include "progmp/runtime/runtime.hpp"
#include "progmp/sim/path.hpp"
#include "progmp/sim/workload.hpp"
#include "progmp/transport/receiver.hpp"
#include "progmp/transport/sender.hpp"

namespace progmp::sim {

namespace {

using json = nlohmann::json;
using transport::Receiver;
using transport::Sender;
using transport::TransportConfig;

constexpr runtime::ConnId kConn = 1;
constexpr std::uint64_t kToken = 0x70726f676d70;  // fixed: simulated peers know each other's keys

// The application's bytes: a function of the stream offset with period 251 (a prime, so no power-of-two buffer
// boundary lines up with it).
constexpr std::size_t kPatternPeriod = 251;
std::byte pattern_byte(std::uint64_t offset) { return static_cast<std::byte>((offset * 131 + 7) % kPatternPeriod); }

class SessionImpl;

// Receives the forward links' packets (the receiving host) or the reverse links' (the sending host).
class ReceiverHost final : public PacketSink {
 public:
  explicit ReceiverHost(SessionImpl& s) : s_(s) {}
  void receive(Simulator& sim, Packet packet) override;

 private:
  SessionImpl& s_;
};

class SenderHost final : public PacketSink {
 public:
  explicit SenderHost(SessionImpl& s) : s_(s) {}
  void receive(Simulator& sim, Packet packet) override;

 private:
  SessionImpl& s_;
};

// Fires the Sender's and Receiver's timers; tag 0 = sender, 1 = receiver, 2 = progress tick.
class Timers final : public EventHandler {
 public:
  explicit Timers(SessionImpl& s) : s_(s) {}
  void on_event(Simulator& sim, std::uint64_t tag) override;

 private:
  SessionImpl& s_;
};

class SessionImpl final : public Session, public AppSocket, public transport::DeliverySink {
 public:
  SessionImpl(const Scenario& scenario, const SessionOptions& options)
      : scenario_(scenario),
        options_(options),
        config_(make_config(scenario)),
        sender_(config_),
        runtime_(sender_, make_runtime_config(scenario)),
        receiver_(transport::ConnectionId{kConn}, kToken, config_),
        receiver_host_(*this),
        sender_host_(*this),
        timers_(*this) {
    sender_.attach(runtime_);
    receiver_.set_sink(this);
    tx_buffer_.resize(transport::max_datagram_size(config_.mss) + 256);
    pattern_.resize(kSendChunk + kPatternPeriod);
    for (std::size_t i = 0; i < pattern_.size(); ++i) pattern_[i] = pattern_byte(i);
  }

  bool build(std::string& error);
  void run() override;
  json result() const override;
  std::uint64_t events() const override { return sim_.events_processed(); }
  std::vector<runtime::ProgramProfile> profiles() const override;
  runtime::ConnectionStats connection_stats() const override {
    runtime::ConnectionStats s;
    runtime_.connection_stats(kConn, s);
    return s;
  }

  // ---- AppSocket ----
  Instant now() const override { return sim_.now(); }
  std::uint64_t send(std::uint64_t length, std::int64_t user, bool push) override;
  std::uint64_t stream_offset() const override { return stream_offset_; }
  void set_register(int k, std::int64_t value) override {
    sender_.set_time(sim_.now());
    runtime_.set_register(kConn, k, value);
    flush_sender();
  }

  // ---- DeliverySink ----
  void on_data(std::uint64_t offset, std::span<const std::byte> bytes) override {
    if (offset != delivered_checked_) in_order_ = false;
    // Compare against the pattern slice that starts at the same phase (memcmp, chunk by chunk).
    for (std::size_t done = 0; done < bytes.size();) {
      const std::size_t n = std::min(bytes.size() - done, kSendChunk);
      const std::size_t phase = static_cast<std::size_t>((offset + done) % kPatternPeriod);
      if (std::memcmp(bytes.data() + done, pattern_.data() + phase, n) != 0) in_order_ = false;
      done += n;
    }
    delivered_checked_ = offset + bytes.size();
  }

  // ---- host events ----
  void sender_input(Packet& p) {
    const std::int64_t acked_before = sender_.data_acked(kConn);
    sender_.handle_datagram(sim_.now(), p.path, p.payload);
    recycle(p);
    after_sender_input(acked_before);
  }
  void receiver_input(Packet& p) {
    const std::uint64_t before = receiver_.delivered();
    receiver_.handle_datagram(sim_.now(), p.path, p.payload);
    recycle(p);
    flush_receiver();
    if (receiver_.delivered() > before)
      for (auto& w : workloads_) w->on_delivered(sim_, receiver_.delivered());
  }
  void sender_timer() {
    sender_timer_.reset();
    const std::int64_t acked_before = sender_.data_acked(kConn);
    sender_.handle_timeout(sim_.now());
    after_sender_input(acked_before);
  }
  void receiver_timer() {
    receiver_timer_.reset();
    receiver_.handle_timeout(sim_.now());
    flush_receiver();
  }
  void progress_tick() {
    if (options_.progress) options_.progress(sim_.now().ns_since_epoch() / static_cast<double>(end_.ns_since_epoch()));
    if (sim_.now() + progress_step_ < end_) sim_.schedule_in(progress_step_, timers_, 2);
  }

 private:
  static constexpr std::size_t kSendChunk = 64 * 1024;

  // The send buffer ([transport] snd_buf_kb) bounds the runtime's unacknowledged bytes (runtime.md §11.1); the
  // generator seed follows the scenario seed, so RANDOM in a program is reproducible and varies with --seed.
  static runtime::RuntimeConfig make_runtime_config(const Scenario& s) {
    runtime::RuntimeConfig c;
    c.snd_buf_bytes = s.transport.snd_buf_kb * 1024;
    c.runtime_seed = s.seed;
    return c;
  }

  static TransportConfig make_config(const Scenario& s) {
    TransportConfig c;
    c.cc = s.transport.cc;
    c.mss = s.transport.mss;
    c.rcv_buf_bytes = s.transport.rcv_buf_kb * 1024;
    return c;
  }

  void after_sender_input(std::int64_t acked_before) {
    update_throttled();
    flush_sender();
    if (sender_.data_acked(kConn) > acked_before)
      for (auto& w : workloads_) w->on_writable(sim_, *this);
  }

  // THROTTLED in the simulator (runtime.md §15.1): the sending link holds more than max(2 datagrams, 1 ms of its
  // rate). Re-evaluated on every sender input and transmission.
  void update_throttled() {
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      const Link& l = paths_[i]->forward;
      const double ms_bytes = static_cast<double>(l.config().rate.bps()) / 8.0 / 1000.0;
      const double limit = std::max(2.0 * static_cast<double>(tx_buffer_.size()), ms_bytes);
      const bool t = static_cast<double>(l.queued_bytes().count()) > limit;
      if (t != throttled_[i]) {
        throttled_[i] = t;
        sender_.set_throttled(kConn, subflow_ids_[i], t, sim_.now());
      }
    }
  }

  std::vector<std::byte> take_buffer() {
    if (pool_.empty()) return {};
    std::vector<std::byte> v = std::move(pool_.back());
    pool_.pop_back();
    return v;
  }
  // A delivered packet's buffer is reused for a later datagram, so the steady state allocates no payloads.
  void recycle(Packet& p) {
    if (pool_.size() < 4096) pool_.push_back(std::move(p.payload));
  }

  struct Armed {
    EventId id;
    Instant at;
  };
  // Drains an endpoint's output onto its paths' links (forward for the sender, reverse for the receiver) and
  // re-arms its timer.
  template <class Endpoint>
  void flush(Endpoint& endpoint, Link Path::*direction, std::optional<Armed>& timer, std::uint64_t tag) {
    while (auto t = endpoint.poll_transmit(sim_.now(), tx_buffer_)) {
      Packet p;
      p.path = t->interface;
      p.size = Bytes(t->size + config_.network_overhead);
      p.payload = take_buffer();
      p.payload.assign(tx_buffer_.begin(), tx_buffer_.begin() + static_cast<std::ptrdiff_t>(t->size));
      ((*paths_[t->interface]).*direction).receive(sim_, std::move(p));
    }
    rearm(timer, endpoint.next_timeout(), tag);
  }
  void flush_sender() { flush(sender_, &Path::forward, sender_timer_, 0); }
  void flush_receiver() { flush(receiver_, &Path::reverse, receiver_timer_, 1); }
  void rearm(std::optional<Armed>& armed, std::optional<Instant> want, std::uint64_t tag) {
    if (armed && want && armed->at == *want) return;
    if (armed) sim_.cancel(armed->id);
    armed.reset();
    if (want) {
      const Instant at = std::max(*want, sim_.now());
      armed = Armed{sim_.schedule_at(at, timers_, tag), at};
    }
  }

  Scenario scenario_;
  SessionOptions options_;
  TransportConfig config_;
  Simulator sim_;
  Sender sender_;
  runtime::Runtime runtime_;
  Receiver receiver_;
  ReceiverHost receiver_host_;
  SenderHost sender_host_;
  Timers timers_;
  std::vector<std::unique_ptr<MahimahiTrace>> traces_;
  std::vector<std::unique_ptr<Path>> paths_;
  std::vector<runtime::SubflowId> subflow_ids_;
  std::vector<bool> throttled_;
  std::vector<std::unique_ptr<WorkloadRunner>> workloads_;
  std::vector<std::byte> tx_buffer_;
  std::vector<std::byte> pattern_;
  std::vector<std::vector<std::byte>> pool_;
  std::optional<Armed> sender_timer_, receiver_timer_;
  std::uint64_t stream_offset_ = 0;
  std::uint64_t delivered_checked_ = 0;
  bool in_order_ = true;
  Instant end_;
  Duration progress_step_;
  std::string scheduler_label_;
};

void ReceiverHost::receive(Simulator&, Packet packet) { s_.receiver_input(packet); }
void SenderHost::receive(Simulator&, Packet packet) { s_.sender_input(packet); }
void Timers::on_event(Simulator&, std::uint64_t tag) {
  if (tag == 0) s_.sender_timer();
  else if (tag == 1) s_.receiver_timer();
  else s_.progress_tick();
}

bool SessionImpl::build(std::string& error) {
  // Scheduler.
  runtime_.set_log([](std::string_view) {});
  if (options_.trace) runtime_.set_trace(options_.trace, options_.trace_level);
  runtime_.set_profiling(options_.profile);
  std::string name = options_.scheduler_name.empty() ? std::string(runtime::kBuiltinMinRttName) : options_.scheduler_name;
  if (!options_.scheduler_source.empty()) {
    runtime::LoadResult r = options_.scheduler_so.empty()
                                ? runtime_.load_scheduler(name, options_.scheduler_source)
                                : runtime_.load_scheduler_so(name, options_.scheduler_so);
    if (r.status != runtime::Status::Ok) {
      error = "scheduler '" + name + "' does not load";
      if (!r.diagnostics.empty())
        error += ":\n" + lang::format_diagnostics_text(r.diagnostics, name, options_.scheduler_source);
      return false;
    }
    name = r.name;
  }
  if (runtime_.set_default_scheduler(name) != runtime::Status::Ok) {
    error = "unknown scheduler '" + name + "'";
    return false;
  }
  scheduler_label_ = name;

  runtime::EngineChoice engine;
  if (!runtime::parse_engine(options_.engine, engine)) {
    error = "engine '" + options_.engine + "' is not available (available: " + runtime::available_engine_names() + ")";
    return false;
  }
  runtime_.set_default_engine(options_.engine);
  if (engine != runtime::EngineChoice::Auto && engine != runtime::EngineChoice::Interp) {
    // Build the engine now, so that a program it cannot run is an error rather than a silent interpreter run.
    const runtime::ProgramPtr program = runtime_.registry().find(name);
    if (program) {
      (void)program->executable(engine);
      const std::string why = program->engine_error(engine);
      if (!why.empty()) {
        error = "engine " + options_.engine + " cannot run scheduler '" + name + "': " + why;
        return false;
      }
    }
  }

  // Paths.
  for (std::size_t i = 0; i < scenario_.paths.size(); ++i) {
    const PathSpec& ps = scenario_.paths[i];
    LinkConfig fwd = ps.forward.to_config(), rev = ps.reverse.to_config();
    for (auto [spec, cfg] : {std::pair{&ps.forward, &fwd}, std::pair{&ps.reverse, &rev}}) {
      if (spec->trace.empty()) continue;
      auto t = std::make_unique<MahimahiTrace>();
      const std::filesystem::path file = std::filesystem::path(options_.scenario_dir) / spec->trace;
      if (!MahimahiTrace::load(file.string(), *t, error)) return false;
      cfg->trace = t.get();
      traces_.push_back(std::move(t));
    }
    paths_.push_back(std::make_unique<Path>(ps.name, scenario_.seed, fwd, rev, receiver_host_, sender_host_));
    std::vector<LinkChange> changes;
    for (const PathChange& c : ps.changes) changes.push_back(c.to_link_change());
    paths_.back()->schedule(sim_, changes);
  }

  // Connection and subflows (all JOINed at time 0).
  sender_.open(kConn, kToken, sim_.now());
  for (std::size_t i = 0; i < scenario_.paths.size(); ++i) {
    subflow_ids_.push_back(sender_.add_subflow(kConn, static_cast<std::uint32_t>(i), scenario_.paths[i].backup,
                                               sim_.now()));
    throttled_.push_back(false);
  }
  for (std::size_t k = 0; k < scenario_.scheduler.registers.size(); ++k)
    runtime_.set_register(kConn, static_cast<int>(k + 1), scenario_.scheduler.registers[k]);

  for (std::size_t i = 0; i < scenario_.workloads.size(); ++i)
    workloads_.push_back(make_workload(scenario_.workloads[i], scenario_.seed, i));
  end_ = Instant::epoch() + Duration::nanos(std::llround(scenario_.duration_s * 1e9));
  progress_step_ = std::max(Duration::millis(1), (end_ - Instant::epoch()) / 100);
  return true;
}

std::uint64_t SessionImpl::send(std::uint64_t length, std::int64_t user, bool push) {
  sender_.set_time(sim_.now());
  std::uint64_t done = 0;
  // One runtime call per chunk keeps the pattern slice short; USER and PSH semantics are per call (§11.2), so the
  // chunks of one workload call share `user` and only the last carries `push`.
  while (done < length) {
    const std::uint64_t n = std::min<std::uint64_t>(length - done, kSendChunk);
    const std::size_t phase = static_cast<std::size_t>((stream_offset_) % kPatternPeriod);
    const bool last = done + n == length;
    runtime::SendResult r = runtime_.send(kConn, std::span<const std::byte>(pattern_.data() + phase, n),
                                          runtime::SendOptions{user, push && last});
    stream_offset_ += r.accepted;
    done += r.accepted;
    if (r.accepted < n) break;
  }
  flush_sender();
  return done;
}

void SessionImpl::run() {
  for (auto& w : workloads_) w->start(sim_, *this);
  flush_sender();
  if (options_.progress) sim_.schedule_in(progress_step_, timers_, 2);
  // Run in slices so that a finished workload set ends the run early.
  const Duration slice = Duration::millis(100);
  while (sim_.now() < end_) {
    sim_.run_until(std::min(end_, sim_.now() + slice));
    // Finished: every workload is done and the sender has seen the last data acknowledgement.
    const bool all_done =
        !workloads_.empty() &&
        std::all_of(workloads_.begin(), workloads_.end(), [](const auto& w) { return w->finished(); }) &&
        sender_.data_acked(kConn) == static_cast<std::int64_t>(stream_offset_);
    if (all_done) break;
  }
  if (options_.progress) options_.progress(1.0);
}

json SessionImpl::result() const {
  json out;
  out["scenario"] = scenario_.name;
  out["seed"] = scenario_.seed;
  out["scheduler"] = scheduler_label_;
  std::uint64_t app = 0;
  for (const auto& w : workloads_) app += w->app_bytes();
  const double duration = sim_.now().ns_since_epoch() / 1e9;
  const std::uint64_t delivered = receiver_.delivered();
  out["app_bytes"] = app;
  out["delivered_bytes"] = delivered;
  out["in_order"] = in_order_ && delivered <= stream_offset_;
  out["data_acked_bytes"] = sender_.data_acked(kConn);
  out["duration_s"] = duration;
  out["goodput_mbit"] = duration > 0 ? static_cast<double>(delivered) * 8 / duration / 1e6 : 0.0;
  std::uint64_t wire_payload = 0;
  for (runtime::SubflowId id : subflow_ids_)
    if (const auto* c = sender_.subflow_counters(kConn, id)) wire_payload += c->bytes_sent;
  // Payload bytes on the wire per application byte delivered (= app_bytes once a transfer has finished; for an
  // unfinished bulk transfer the send buffer's unsent bytes would otherwise count as saved).
  out["overhead"] = delivered > 0 ? static_cast<double>(wire_payload) / static_cast<double>(delivered) : 0.0;
  json paths = json::array();
  json series = json::object();
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const auto* c = sender_.subflow_counters(kConn, subflow_ids_[i]);
    json p;
    p["name"] = paths_[i]->name;
    p["bytes_sent"] = c ? c->bytes_sent : 0;
    p["share"] = wire_payload > 0 && c ? static_cast<double>(c->bytes_sent) / static_cast<double>(wire_payload) : 0.0;
    p["retransmitted_bytes"] = c ? c->retransmitted_bytes : 0;
    p["rtt_ms_avg"] = c && c->rtt_samples > 0 ? c->rtt_sum_ms / static_cast<double>(c->rtt_samples) : 0.0;
    p["loss_rate"] = c && c->segments_sent > 0
                         ? static_cast<double>(c->segments_lost) / static_cast<double>(c->segments_sent)
                         : 0.0;
    p["timeouts"] = c ? c->timeouts : 0;
    p["failures"] = c ? c->failures : 0;
    const LinkCounters& lc = paths_[i]->forward.counters();
    p["dropped_queue"] = lc.dropped_queue;
    p["dropped_loss"] = lc.dropped_loss + lc.dropped_down;
    paths.push_back(p);
    series[paths_[i]->name] = paths_[i]->forward.delivered_mbit_series();
  }
  out["paths"] = paths;
  json workloads = json::array();
  for (const auto& w : workloads_) {
    json j;
    w->report(j, sim_.now());
    workloads.push_back(j);
  }
  out["workloads"] = workloads;
  out["timeseries"] = json{{"interval_ms", 100}, {"paths", series}};
  out["events"] = sim_.events_processed();
  return out;
}

std::vector<runtime::ProgramProfile> SessionImpl::profiles() const {
  if (!options_.profile) return {};
  std::vector<runtime::ProgramProfile> out = runtime_.profiles();
  // The scheduler of the scenario first, even when it never ran; the rest (a fallback) in registry order.
  auto own = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.name == scheduler_label_; });
  if (own != out.end()) {
    std::rotate(out.begin(), own, own + 1);
  } else {
    runtime::ProgramProfile p;
    if (runtime_.profile(scheduler_label_, std::nullopt, p) == runtime::Status::Ok) out.insert(out.begin(), p);
  }
  return out;
}

}  // namespace

std::unique_ptr<Session> Session::create(const Scenario& scenario, const SessionOptions& options,
                                         std::string& error) {
  auto s = std::make_unique<SessionImpl>(scenario, options);
  if (!s->build(error)) return nullptr;
  return s;
}

}  // namespace progmp::sim
