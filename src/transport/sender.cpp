#include "progmp/transport/sender.hpp"

#include <algorithm>
#include <cstring>

#include "progmp/transport/cc/registry.hpp"
#include "progmp/transport/wire.hpp"
#include "sender_state.hpp"

namespace progmp::transport {

namespace {

using State = Sender::Subflow::State;

constexpr std::size_t kMaxAvailable = 32;  // runtime.md §3.2 MAX_SUBFLOWS

std::int64_t us(Duration d) { return d.ns() / 1000; }

}  // namespace

// ---- LossWindow ----

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
  return std::min<std::int64_t>(1000, static_cast<std::int64_t>(1000 * lost_in_window_ / std::max<std::uint64_t>(1, sent)));
}

std::int64_t Sender::Subflow::cwnd_segments(std::uint32_t mss) const {
  return static_cast<std::int64_t>(cc->window().count() / mss);
}

bool Sender::Subflow::cwnd_limited(std::uint32_t mss) const {
  // Stricter than Linux in slow start (which grows while half the window is used): in the simulator THROTTLED
  // keeps schedulers from overfilling the bottleneck, so a subflow may never see a loss, never leave slow start,
  // and Linux's rule would let CWND settle at twice the pipe.
  const auto used = static_cast<std::int64_t>(std::max(max_pipe_now, max_pipe_prev));
  return used >= cwnd_segments(mss);
}

// ---- construction and connection management ----

Sender::Sender(TransportConfig config) : config_(std::move(config)) {
  payload_scratch_.resize(config_.mss);
  seq_scratch_.reserve(1024);
  acked_scratch_.reserve(1024);
}

Sender::~Sender() = default;

Sender::Conn* Sender::find(runtime::ConnId conn) const {
  for (const auto& c : conns_)
    if (c->id == conn) return c.get();
  return nullptr;
}

Sender::Subflow* Sender::find_subflow(Conn& c, runtime::SubflowId id) const {
  if (id == 0 || id > c.subflows.size()) return nullptr;
  Subflow* s = c.subflows[id - 1].get();
  return s->state == State::Removed ? nullptr : s;
}

bool Sender::open(runtime::ConnId conn, std::uint64_t token, Instant now) {
  now_ = now;
  if (find(conn) || !rt_) return false;
  auto c = std::make_unique<Conn>();
  c->id = conn;
  c->token = token;
  c->peer_window_end = static_cast<std::int64_t>(config_.rcv_buf_bytes);
  conns_.push_back(std::move(c));
  rt_->open_connection(conn);
  return true;
}

runtime::SubflowId Sender::add_subflow(runtime::ConnId conn, std::uint32_t interface, bool backup, Instant now) {
  now_ = now;
  Conn* c = find(conn);
  if (!c) return 0;
  std::size_t usable = 0;
  for (const auto& s : c->subflows) usable += s->state != State::Removed;
  if (usable >= kMaxAvailable) return 0;
  auto s = std::make_unique<Subflow>(config_.initial_rto, config_.min_rto, config_.max_rto);
  s->id = static_cast<runtime::SubflowId>(c->subflows.size() + 1);
  s->interface = interface;
  s->path = PathId{c->next_path++};
  s->backup = backup;
  s->cc = cc::make_controller(config_.cc, Bytes(config_.mss));
  if (!s->cc) s->cc = cc::make_controller(cc::kDefaultController, Bytes(config_.mss));
  s->join_due = now;
  const runtime::SubflowId id = s->id;
  c->subflows.push_back(std::move(s));
  rt_->on_subflow_created(conn, id);
  return id;
}

bool Sender::remove_subflow(runtime::ConnId conn, runtime::SubflowId id, Instant now) {
  now_ = now;
  Conn* c = find(conn);
  Subflow* s = c ? find_subflow(*c, id) : nullptr;
  if (!s) return false;
  take_affected(*c, *s);
  s->rto_deadline.reset();
  s->join_due.reset();
  s->state = State::Removed;
  rt_->on_subflow_removed(conn, id, seq_scratch_);
  rt_->poll(conn);
  return true;
}

bool Sender::set_backup(runtime::ConnId conn, runtime::SubflowId id, bool backup, Instant now) {
  now_ = now;
  Conn* c = find(conn);
  Subflow* s = c ? find_subflow(*c, id) : nullptr;
  if (!s) return false;
  if (s->backup != backup) {
    s->backup = backup;
    s->backup_frame_pending = true;
    rt_->on_backup_changed(conn, id);
    rt_->poll(conn);
  }
  return true;
}

void Sender::set_throttled(runtime::ConnId conn, runtime::SubflowId id, bool throttled, Instant now) {
  now_ = now;
  Conn* c = find(conn);
  Subflow* s = c ? find_subflow(*c, id) : nullptr;
  if (!s || s->throttled == throttled) return;
  s->throttled = throttled;
  if (!throttled && s->available()) {
    rt_->on_send_space(conn, id);
    rt_->poll(conn);
  }
}

bool Sender::close(runtime::ConnId conn, std::int64_t stream_end, Instant now) {
  now_ = now;
  Conn* c = find(conn);
  if (!c || c->fin_offset) return false;
  c->fin_offset = stream_end;
  rt_->end_of_flow(conn);
  return true;
}

bool Sender::closed(runtime::ConnId conn) const {
  const Conn* c = find(conn);
  return c && c->fin_acked;
}

// ---- runtime::Transport ----

runtime::EnqueueResult Sender::enqueue(runtime::ConnId conn, runtime::SubflowId id, const PacketMeta& packet) {
  Conn* c = find(conn);
  Subflow* s = c ? find_subflow(*c, id) : nullptr;
  if (!s) return runtime::EnqueueResult::Deduplicated;  // the runtime only pushes to available subflows
  for (const auto& q : s->queue)
    if (q.seq == packet.seq) return runtime::EnqueueResult::Deduplicated;
  s->queue.push_back(QueuedCopy{packet.seq, static_cast<std::uint32_t>(packet.length), packet.psh});
  c->pushed_end = std::max(c->pushed_end, packet.seq + packet.length);
  if (!c->data_timer) c->data_timer = now_ + std::max(config_.min_rto, s->rtt.rto()) * 2;
  return runtime::EnqueueResult::Queued;
}

void Sender::arm_timer(runtime::ConnId conn, std::int64_t at_us) {
  if (Conn* c = find(conn)) c->idle_timer = Instant::from_nanos(at_us * 1000);
}

void Sender::cancel_timer(runtime::ConnId conn) {
  if (Conn* c = find(conn)) c->idle_timer.reset();
}

void Sender::subflow_values(runtime::ConnId conn, runtime::SubflowId id, runtime::SubflowValues& out) {
  out = {};
  Conn* c = find(conn);
  Subflow* s = c ? find_subflow(*c, id) : nullptr;
  if (!s) return;
  out.srtt_us = us(s->rtt.srtt());
  out.rttvar_us = us(s->rtt.rttvar());
  out.cwnd = s->cwnd_segments(config_.mss);
  const Bytes ssthresh = s->cc->ssthresh();
  out.ssthresh = ssthresh == Bytes::max() ? 2147483647
                                          : std::min<std::int64_t>(2147483647, ssthresh.count() / config_.mss);
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
  out.loss_rate_permille = s->loss_window.permille(now_, w);
}

std::int64_t Sender::window_end(runtime::ConnId conn) {
  Conn* c = find(conn);
  return c ? c->peer_window_end : 0;
}

// ---- inspection ----

const SubflowCounters* Sender::subflow_counters(runtime::ConnId conn, runtime::SubflowId id) const {
  Conn* c = find(conn);
  if (!c || id == 0 || id > c->subflows.size()) return nullptr;
  return &c->subflows[id - 1]->counters;
}

std::int64_t Sender::data_acked(runtime::ConnId conn) const {
  Conn* c = find(conn);
  return c ? c->data_una : 0;
}

bool Sender::subflow_available(runtime::ConnId conn, runtime::SubflowId id) const {
  Conn* c = find(conn);
  Subflow* s = c ? find_subflow(*c, id) : nullptr;
  return s && s->available();
}

}  // namespace progmp::transport
