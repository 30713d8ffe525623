// A connection's life cycle: handshake completion, subflows (join, validation, failure, removal), closing, timers.
#include "connection.hpp"

#include <algorithm>

#include "progmp/transport/cc/registry.hpp"

namespace progmp::transport {

namespace {

using State = Subflow::State;

constexpr std::size_t kMaxAvailable = 32;  // runtime.md §3.2 MAX_SUBFLOWS
constexpr std::uint32_t kMaxSubflowIds = 256;  // IDs are never reused; a connection may create this many

std::int64_t us(Duration d) { return d.ns() / 1000; }

}  // namespace

// ---- Subflow and LossWindow ----

std::uint64_t LossWindow::sent(Instant t) {
  if (head_ - tail_ == ring_.size()) {  // full: the oldest slides out early
    if (ring_[tail_ % ring_.size()].lost) --lost_in_window_;
    ++tail_;
  }
  ring_[head_ % ring_.size()] = Entry{t, false};
  return head_++;
}

void LossWindow::lost(std::uint64_t index) {
  if (index < tail_ || index >= head_) return;  // already outside the window
  Entry& e = ring_[index % ring_.size()];
  if (!e.lost) {
    e.lost = true;
    ++lost_in_window_;
  }
}

std::int64_t LossWindow::permille(Instant now, Duration w) {
  while (tail_ < head_ && ring_[tail_ % ring_.size()].at < now - w) {
    if (ring_[tail_ % ring_.size()].lost) --lost_in_window_;
    ++tail_;
  }
  const std::uint64_t sent = head_ - tail_;
  return std::min<std::int64_t>(1000,
                                static_cast<std::int64_t>(1000 * lost_in_window_ / std::max<std::uint64_t>(1, sent)));
}

std::int64_t Subflow::cwnd_segments(std::uint32_t mss) const {
  return static_cast<std::int64_t>(cc->window().count() / mss);
}

bool Subflow::cwnd_limited(std::uint32_t mss) const {
  // Stricter than Linux in slow start (which grows while half the window is used): in the simulator THROTTLED
  // keeps schedulers from overfilling the bottleneck, so a subflow may never see a loss, never leave slow start,
  // and Linux's rule would let CWND settle at twice the pipe.
  const auto used = static_cast<std::int64_t>(std::max(max_pipe_now, max_pipe_prev));
  return used >= cwnd_segments(mss);
}

void Subflow::reset_path(PathId new_path) {
  path = new_path;
  next_packet_number = 0;
  replay = crypto::ReplayWindow();
  bytes_in = bytes_out = 0;
  challenge.reset();
  previous_challenge.reset();
  challenge_due.reset();
  response_owed.reset();
  pacing_due.reset();
  rx_cumulative = 0;
  rx_sacked.clear();
  rx_unacked = 0;
  ack_now = false;
  ack_deadline.reset();
  ping_pending = false;
}

// ---- Connection ----

Connection::Connection(Endpoint& endpoint, ConnHandle h, Role r, ConnectionId cid)
    : handle(h),
      role(r),
      local_cid(cid),
      rx(endpoint.config().transport.rcv_buf_bytes),
      idle_timeout(endpoint.config().idle_timeout),
      ep_(endpoint) {
  peer_window_end = static_cast<std::int64_t>(cfg().rcv_buf_bytes);
  advertised_window_end = rx.window_end();
  seq_scratch_.reserve(1024);
  acked_scratch_.reserve(1024);
}

Connection::~Connection() = default;

runtime::Runtime& Connection::rt() { return ep_.runtime(); }
const TransportConfig& Connection::cfg() const { return ep_.config().transport; }

void Connection::emit(EventKind kind, runtime::SubflowId subflow) {
  Event e;
  e.kind = kind;
  e.conn = handle;
  e.subflow = subflow;
  if (close_reason) e.reason = *close_reason;
  e.code = close_code;
  ep_.push_event(e);
}

Subflow* Connection::find_subflow(runtime::SubflowId id) const {
  if (id == 0 || id > subflows.size() || !subflows[id - 1]) return nullptr;
  Subflow* s = subflows[id - 1].get();
  return s->state == State::Removed ? nullptr : s;
}

Subflow* Connection::find_by_wire_id(std::uint32_t wire_id) const {
  if (wire_id == 0) return nullptr;
  for (const auto& s : subflows)
    if (s && s->wire_id == wire_id && s->state != State::Removed) return s.get();
  return nullptr;
}

Subflow* Connection::find_path(PathId path) const {
  for (const auto& s : subflows)
    if (s && s->path == path && s->state != State::Removed) return s.get();
  return nullptr;
}

Subflow& Connection::new_subflow(Instant now, const Route& route, bool backup) {
  auto s = std::make_unique<Subflow>(cfg().initial_rto, cfg().min_rto, cfg().max_rto);
  s->id = static_cast<runtime::SubflowId>(subflows.size() + 1);
  if (role == Role::Client) s->wire_id = s->id;
  s->route = route;
  s->backup = backup;
  s->cc = cc::make_controller(cfg().cc, Bytes(cfg().mss));
  if (!s->cc) s->cc = cc::make_controller(cc::kDefaultController, Bytes(cfg().mss));
  s->last_rx = now;
  s->validated = role == Role::Client;  // the client chose the address; the server validates the client's
  s->pacing_refilled = now;
  subflows.push_back(std::move(s));
  Subflow& ref = *subflows.back();
  rt().on_subflow_created(handle, ref.id);
  return ref;
}

void Connection::on_handshake_complete(Instant now, ConnectionId server_cid, const Route& route) {
  phase = Phase::Established;
  remote_cid = server_cid;
  initiation_due.reset();
  initiation.clear();
  initiation.shrink_to_fit();
  last_rx_any = now;
  emit(EventKind::Connected);
  // The handshake path is the subflow whose route the RESPONSE came back on (after a retransmission the INITIATION
  // went out on every path); it takes path ID 1, every other subflow joins.
  Subflow* first = subflows.front().get();
  for (auto& s : subflows)
    if (s->state == State::Joining && s->route == route) {
      first = s.get();
      break;
    }
  std::uint32_t next = 2;
  for (auto& s : subflows) {
    if (s.get() == first || s->state != State::Joining) continue;
    s->reset_path(PathId{next++});
    s->join_due = now;
  }
  next_path_id = next;
  first->reset_path(PathId{1});
  // Karn: the handshake round trip is a sample only if the INITIATION went out once.
  establish(*first, now,
            initiations_sent == 1 ? std::optional<Duration>(now - initiation_sent_at) : std::nullopt);
  first->ping_pending = true;             // confirms the handshake to the server even without data
  first->join_announcements_left = 3;     // and tells it our name for this subflow
}

void Connection::start_server(Instant now, const Route& route, std::size_t initiation_bytes) {
  Subflow& s = new_subflow(now, route, false);
  s.reset_path(PathId{1});
  s.bytes_in = initiation_bytes;
  highest_path = 1;
  response_pending = true;
  handshake_started = now;
  last_rx_any = now;
}

runtime::SubflowId Connection::add_path(Instant now, const PathSpec& path) {
  if (phase == Phase::Closed) return 0;
  std::size_t usable = 0;
  for (const auto& s : subflows) usable += s && s->state != State::Removed;
  if (usable >= kMaxAvailable || subflows.size() >= kMaxSubflowIds) return 0;
  Subflow& s = new_subflow(now, path.route, path.backup);
  if (phase == Phase::Established) {
    s.reset_path(PathId{next_path_id++});
    s.join_due = now;
  }
  return s.id;
}

bool Connection::remove_path(Instant now, runtime::SubflowId id) {
  Subflow* s = find_subflow(id);
  if (!s) return false;
  const bool was_available = s->available();
  take_affected(*s);
  s->rto_deadline.reset();
  s->join_due.reset();
  s->challenge_due.reset();
  s->keepalive_due.reset();
  s->state = State::Removed;
  s->path_close_frames_left = phase == Phase::Established ? 3 : 0;
  rt().on_subflow_removed(handle, id, seq_scratch_);
  if (was_available) emit(EventKind::PathDown, id);
  (void)now;
  rt().poll(handle);
  return true;
}

bool Connection::set_backup(Instant, runtime::SubflowId id, bool backup) {
  Subflow* s = find_subflow(id);
  if (!s) return false;
  if (s->backup != backup) {
    s->backup = backup;
    s->backup_frames_left = 3;
    rt().on_backup_changed(handle, id);
    rt().poll(handle);
  }
  return true;
}

void Connection::set_throttled(Instant, runtime::SubflowId id, bool throttled) {
  Subflow* s = find_subflow(id);
  if (!s || s->throttled == throttled) return;
  s->throttled = throttled;
  if (!throttled && s->available()) {
    rt().on_send_space(handle, id);
    rt().poll(handle);
  }
}

void Connection::establish(Subflow& s, Instant now, std::optional<Duration> rtt_sample) {
  const bool recovered = s.counters.failures > 0;
  if (recovered) {
    s.cc = cc::make_controller(cfg().cc, Bytes(cfg().mss));
    if (!s.cc) s.cc = cc::make_controller(cc::kDefaultController, Bytes(cfg().mss));
    s.rtt = RttEstimator(cfg().initial_rto, cfg().min_rto, cfg().max_rto);
  }
  if (rtt_sample) {
    s.rtt.sample(*rtt_sample);
    ++s.counters.rtt_samples;
    s.counters.rtt_sum_ms += static_cast<double>(rtt_sample->ns()) / 1e6;
  }
  s.state = State::Established;
  s.join_due.reset();
  s.consecutive_rtos = 0;
  s.lossy = false;
  s.delivered_time = now;
  s.last_rx = now;
  if (cfg().path_timeout > Duration::zero()) s.keepalive_due = now + cfg().path_timeout / 3;
  rt().on_subflow_up(handle, s.id);
  emit(EventKind::PathUp, s.id);
}

void Connection::take_affected(Subflow& s) {
  seq_scratch_.clear();
  for (std::size_t i = 0; i < s.queue.size(); ++i) seq_scratch_.push_back(s.queue[i].seq);
  for (std::uint64_t q = s.board.snd_una(); q < s.board.snd_nxt(); ++q) {
    const Segment& seg = s.board.at(q);
    if (seg.fin) fin_in_flight = false;  // another subflow sends the FIN again
    else if (!seg.sacked) seq_scratch_.push_back(seg.data_seq);
  }
  std::sort(seq_scratch_.begin(), seq_scratch_.end());
  seq_scratch_.erase(std::unique(seq_scratch_.begin(), seq_scratch_.end()), seq_scratch_.end());
  std::erase_if(seq_scratch_, [&](std::int64_t q) { return q < data_una; });
  s.queue.clear();
  s.board.abandon();
}

void Connection::fail(Subflow& s, Instant now) {
  const bool was_available = s.available();
  ++s.counters.failures;
  take_affected(s);
  s.board = Scoreboard();
  s.state = State::Failed;
  s.rto_deadline.reset();
  s.keepalive_due.reset();
  s.lossy = false;
  if (role == Role::Client) {
    // The path's old sequence spaces are abandoned: probes and the recovered subflow use a fresh path ID, which the
    // server treats as a new path of the same subflow (fresh sequence numbers in both directions).
    s.reset_path(PathId{next_path_id++});
    s.join_due = now;
  }
  rt().on_subflow_failed(handle, s.id, seq_scratch_);
  if (was_available) emit(EventKind::PathDown, s.id);
}

Duration Connection::silence_bound(const Subflow& s) const {
  return std::max(cfg().path_timeout, s.rtt.srtt() + s.rtt.rttvar() * 4 + cfg().ack_delay);
}

Duration Connection::data_rto() const {
  // Twice the slowest subflow's RTO, so subflow recovery acts first.
  Duration d = cfg().min_rto;
  for (const auto& s : subflows)
    if (s && s->available()) d = std::max(d, s->rtt.rto());
  return d * 2;
}

bool Connection::close(Instant) {
  if (fin_offset || phase == Phase::Closed) return false;
  fin_offset = stream_end;
  rt().end_of_flow(handle);
  return true;
}

void Connection::abort(Instant now, wire::CloseCode code) {
  if (phase == Phase::Closed) return;
  enter_closed(now, CloseReason::LocalAbort, code);
  if (phase_before_close_ == Phase::Established)
    for (const auto& s : subflows)
      if (s && s->state != State::Removed && s->validated) s->close_pending = true;
}

void Connection::enter_closed(Instant now, CloseReason reason, wire::CloseCode code) {
  if (phase == Phase::Closed) return;
  phase_before_close_ = phase;
  phase = Phase::Closed;
  close_reason = reason;
  close_code = code;
  idle_timer.reset();
  data_timer.reset();
  window_probe_due.reset();
  initiation_due.reset();
  response_pending = false;
  for (auto& s : subflows) {
    if (!s) continue;
    s->rto_deadline.reset();
    s->join_due.reset();
    s->challenge_due.reset();
    s->keepalive_due.reset();
    s->queue.clear();
    s->ping_pending = false;
  }
  if (reason == CloseReason::Finished) {
    // Keep acknowledging the peer's retransmitted FIN for a while (its ACK of ours may be lost).
    Duration d = cfg().min_rto;
    for (const auto& s : subflows)
      if (s) d = std::max(d, s->rtt.rto());
    drain_until = now + d * 3;
  }
  // The runtime side stays until the connection is forgotten, so its statistics remain readable after the end.
  // Connections the application never saw (a server's unconfirmed handshake) go away silently and at once.
  const Duration linger = std::max(ep_.config().idle_timeout, Duration::seconds(10));
  release_at = announced ? now + linger : now;
  if (announced) emit(EventKind::Closed);
}

void Connection::check_finished(Instant now) {
  if (phase != Phase::Established) return;
  if (rx.finished() && !peer_finished_signalled) {
    peer_finished_signalled = true;
    emit(EventKind::PeerFinished);
  }
  if (fin_acked && rx.finished()) enter_closed(now, CloseReason::Finished, wire::CloseCode::NoError);
}

void Connection::handle_timeout(Instant now) {
  if (phase == Phase::Closed) {
    if (drain_until && *drain_until <= now) drain_until.reset();
    for (auto& s : subflows)
      if (s && s->ack_deadline && *s->ack_deadline <= now) {
        s->ack_deadline.reset();
        s->ack_now = true;
      }
    return;
  }
  if (phase == Phase::Handshaking) {
    if (now - handshake_started >= ep_.config().handshake_timeout) {
      enter_closed(now, CloseReason::HandshakeTimeout, wire::CloseCode::NoError);
      return;
    }
  } else if (idle_timeout > Duration::zero() && now - last_rx_any >= idle_timeout) {
    enter_closed(now, CloseReason::IdleTimeout, wire::CloseCode::IdleTimeout);
    return;
  }
  bool input = false;
  const Duration path_timeout = cfg().path_timeout;
  for (auto& sp : subflows) {
    if (!sp) continue;
    Subflow& s = *sp;
    if (s.ack_deadline && *s.ack_deadline <= now) {
      s.ack_deadline.reset();
      s.ack_now = true;
    }
    if (s.rto_deadline && *s.rto_deadline <= now) {
      s.rto_deadline.reset();
      on_rto(s, now);
      input = true;
    }
    if (s.available() && path_timeout > Duration::zero()) {
      // Silence: nothing received for the bound, which is never below the time a live path needs to answer
      // (RFC 9002's probe timeout: SRTT + 4 RTTVAR + the peer's ACK delay), so a long path is not failed for its
      // delay.
      if (now - s.last_rx >= silence_bound(s)) {
        fail(s, now);
        input = true;
        continue;
      }
      if (s.keepalive_due && *s.keepalive_due <= now) {
        s.ping_pending = true;
        s.keepalive_due = now + path_timeout / 3;
      }
    }
  }
  if (window_probe_due && *window_probe_due <= now) {
    window_probe_due = now + data_rto();
    for (auto& s : subflows)
      if (s && s->available()) {
        s->ping_pending = true;
        break;
      }
  }
  if (data_timer && *data_timer <= now) {
    data_timer.reset();
    if (pushed_end > data_una) {
      if (rt().is_pushed(handle, data_una)) {
        const std::int64_t seq = data_una;
        ++ep_.counters_.data_rto_reinjections;
        rt().on_reinject(handle, std::span<const std::int64_t>(&seq, 1), runtime::ReinjectCause::DataRetransmitTimer);
        input = true;
      }
      data_backoff = data_backoff == Duration::zero() ? data_rto() : std::min(data_backoff * 2, cfg().max_rto);
      data_timer = now + data_backoff;
    }
  }
  if (idle_timer && *idle_timer <= now) {
    idle_timer.reset();
    rt().on_timer(handle);
    input = true;
  }
  if (input) rt().poll(handle);
}

std::optional<Instant> Connection::next_timeout() const {
  std::optional<Instant> t;
  auto take = [&](const std::optional<Instant>& x) {
    if (x && (!t || *x < *t)) t = x;
  };
  if (phase == Phase::Closed) {
    for (const auto& s : subflows)
      if (s) take(s->ack_deadline);
    return t;
  }
  if (phase == Phase::Handshaking) {
    take(handshake_started + ep_.config().handshake_timeout);
    take(initiation_due);
  } else if (idle_timeout > Duration::zero()) {
    take(last_rx_any + idle_timeout);
  }
  take(idle_timer);
  take(data_timer);
  take(window_probe_due);
  const Duration path_timeout = cfg().path_timeout;
  for (const auto& sp : subflows) {
    if (!sp) continue;
    const Subflow& s = *sp;
    take(s.rto_deadline);
    take(s.join_due);
    // A challenge held back by the anti-amplification limit waits for the peer's next datagram, not for a timer.
    if (s.validated || 3 * s.bytes_in > s.bytes_out + kPacketOverhead + wire::kTimestampFrameSize + 9)
      take(s.challenge_due);
    take(s.ack_deadline);
    take(s.pacing_due);
    if (s.available() && path_timeout > Duration::zero()) {
      take(s.keepalive_due);
      take(s.last_rx + silence_bound(s));
    }
  }
  return t;
}

// ---- application ----

runtime::SendResult Connection::send(Instant, std::span<const std::byte> data, runtime::SendOptions options) {
  if (phase == Phase::Closed || fin_offset) return runtime::SendResult{runtime::Status::Closed, 0};
  runtime::SendResult r = rt().send(handle, data, options);
  stream_end += static_cast<std::int64_t>(r.accepted);
  if (r.accepted < data.size()) want_writable = true;
  return r;
}

RecvResult Connection::recv(Instant now, std::span<std::byte> out) {
  RecvResult r;
  r.bytes = rx.read(out);
  if (rx.readable() == 0) readable_signalled = false;
  r.fin = rx.drained();
  if (r.bytes > 0) after_read(now);
  return r;
}

// ---- runtime::Transport ----

runtime::EnqueueResult Connection::enqueue(runtime::SubflowId id, const PacketMeta& packet) {
  Subflow* s = find_subflow(id);
  if (!s) return runtime::EnqueueResult::Deduplicated;  // the runtime only pushes to available subflows
  if (s->queue.empty()) s->queue_max_seq = -1;
  if (packet.seq <= s->queue_max_seq)
    for (std::size_t i = 0; i < s->queue.size(); ++i)
      if (s->queue[i].seq == packet.seq) return runtime::EnqueueResult::Deduplicated;
  s->queue.push_back(QueuedCopy{packet.seq, static_cast<std::uint32_t>(packet.length), packet.psh});
  s->queue_max_seq = std::max(s->queue_max_seq, packet.seq);
  pushed_end = std::max(pushed_end, packet.seq + packet.length);
  if (!data_timer) data_timer = ep_.now_ + std::max(cfg().min_rto, s->rtt.rto()) * 2;
  return runtime::EnqueueResult::Queued;
}

void Connection::subflow_values(runtime::SubflowId id, runtime::SubflowValues& out) {
  out = {};
  Subflow* s = find_subflow(id);
  if (!s) return;
  out.srtt_us = us(s->rtt.srtt());
  out.rttvar_us = us(s->rtt.rttvar());
  out.cwnd = s->cwnd_segments(cfg().mss);
  const Bytes ssthresh = s->cc->ssthresh();
  out.ssthresh = ssthresh == Bytes::max() ? 2147483647
                                          : std::min<std::int64_t>(2147483647, ssthresh.count() / cfg().mss);
  out.in_flight = static_cast<std::int64_t>(s->board.pipe());
  out.queued = static_cast<std::int64_t>(s->queue.size());
  out.lost = static_cast<std::int64_t>(s->board.lost());
  out.backup = s->backup;
  out.throttled = s->throttled;
  out.in_rto_recovery = s->lossy;
  out.delay_in_us = s->delay_in_us;
  out.delay_out_us = s->delay_out_us;
  out.delivery_rate = s->delivery_rate;
  const Duration w = std::max(s->rtt.srtt() * 8, Duration::millis(100));
  out.loss_rate_permille = s->loss_window.permille(ep_.now_, w);
}

}  // namespace progmp::transport
