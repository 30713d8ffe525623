// The Sender's inputs (datagrams, timers) and output (poll_transmit).
#include <algorithm>
#include <array>

#include "progmp/transport/cc/registry.hpp"
#include "progmp/transport/sender.hpp"
#include "progmp/transport/wire.hpp"
#include "sender_state.hpp"

namespace progmp::transport {

namespace {

using State = Sender::Subflow::State;

struct Coupling {
  std::array<cc::SubflowWindow, 64> windows;
  std::size_t count = 0;
  std::size_t self = 0;
  cc::CoupledView view() const { return {std::span<const cc::SubflowWindow>(windows.data(), count), self}; }
};

// Coupled congestion control (LIA, OLIA) sees every established subflow of the connection.
void couple(const Sender::Conn& c, const Sender::Subflow& self, Coupling& k) {
  k.count = 0;
  for (const auto& s : c.subflows) {
    if (!s->available() && s.get() != &self) continue;
    if (k.count == k.windows.size()) break;
    if (s.get() == &self) k.self = k.count;
    k.windows[k.count++] = s->cc->coupling(s->rtt.srtt());
  }
}

// The data-level retransmission timeout: twice the slowest subflow's RTO, so subflow recovery acts first.
Duration data_rto(const Sender::Conn& c, const TransportConfig& cfg) {
  Duration d = cfg.min_rto;
  for (const auto& s : c.subflows)
    if (s->available()) d = std::max(d, s->rtt.rto());
  return d * 2;
}

void smooth(std::optional<std::int64_t>& v, std::int64_t sample) {
  // Gain 1/8 (runtime.md §15.1).
  v = v ? *v + (sample - *v) / 8 : sample;
}

}  // namespace

bool Sender::handle_datagram(Instant now, std::uint32_t interface, std::span<const std::byte> bytes) {
  now_ = now;
  ++counters_.datagrams_in;
  const wire::Decoded d = wire::decode(bytes);
  Conn* c = d ? find(static_cast<runtime::ConnId>(d.datagram().header.connection)) : nullptr;
  Subflow* s = nullptr;
  if (c)
    for (auto& x : c->subflows)
      if (x->path == d.datagram().header.path && x->state != State::Removed) s = x.get();
  if (!s || s->interface != interface) {
    ++counters_.datagrams_rejected;
    return false;
  }
  std::optional<Instant> peer_time;
  std::optional<wire::Ack> ack;  // a copy: the range's frame storage is reused as it advances
  std::optional<bool> peer_backup;
  bool reset = false;
  for (const wire::Frame& f : d.datagram().frames) {
    if (const auto* t = std::get_if<wire::Timestamp>(&f)) peer_time = t->sent;
    else if (const auto* a = std::get_if<wire::Ack>(&f)) ack = *a;
    else if (const auto* b = std::get_if<wire::Backup>(&f)) peer_backup = b->backup;
    else if (std::holds_alternative<wire::Reset>(f)) reset = true;
  }
  if (reset) {
    rt_->on_abort(c->id);
    return true;
  }
  if (ack && !process_ack(*c, *s, *ack, peer_time, now)) {
    ++counters_.datagrams_rejected;
    return false;
  }
  if (peer_backup && *peer_backup != s->backup) {
    s->backup = *peer_backup;
    rt_->on_backup_changed(c->id, s->id);
  }
  rt_->poll(c->id);
  return true;
}

bool Sender::process_ack(Conn& c, Subflow& s, const wire::Ack& ack, std::optional<Instant> peer_time, Instant now) {
  const std::int64_t data_ack = static_cast<std::int64_t>(ack.data_ack);
  const std::int64_t win_end = static_cast<std::int64_t>(ack.window_end);
  if (data_ack > c.pushed_end) return false;  // acknowledges data never sent

  // Establishment (first answer to a JOIN, or to a probe of a failed subflow).
  if (s.state == State::Joining || s.state == State::Failed) {
    if (ack.cumulative != s.board.snd_nxt()) return false;
    const bool recovered = s.state == State::Failed;
    if (recovered) {
      s.cc = cc::make_controller(config_.cc, Bytes(config_.mss));
      if (!s.cc) s.cc = cc::make_controller(cc::kDefaultController, Bytes(config_.mss));
      s.rtt = RttEstimator(config_.initial_rto, config_.min_rto, config_.max_rto);
    }
    s.rtt.sample(now - s.join_sent_at);
    ++s.counters.rtt_samples;
    s.counters.rtt_sum_ms += static_cast<double>((now - s.join_sent_at).ns()) / 1e6;
    s.state = State::Established;
    s.join_due.reset();
    s.consecutive_rtos = 0;
    s.lossy = false;
    s.delivered_time = now;
    rt_->on_subflow_up(c.id, s.id);
  }

  // One-way delays (runtime.md §15.1): in = our receive time − peer send time; out = peer receive time − our send
  // time, the peer receive time being its send time minus how long it held the ACK.
  if (peer_time) {
    smooth(s.delay_in_us, (now - *peer_time).ns() / 1000);
    if (ack.timestamp_echo > Instant::epoch())
      smooth(s.delay_out_us,
             (*peer_time - Duration::micros(ack.ack_delay_us) - ack.timestamp_echo).ns() / 1000);
  }

  const std::int64_t cwnd_before = s.cwnd_segments(config_.mss);
  const std::uint64_t pipe_before = s.board.pipe();
  const std::uint64_t lost_before = s.board.lost();
  const bool lossy_before = s.lossy;
  const std::uint64_t una_before = s.board.snd_una();

  Coupling k;
  couple(c, s, k);
  std::uint64_t newly_acked = 0;
  std::optional<Instant> rtt_from;  // newest never-retransmitted segment acknowledged now (Karn)
  std::optional<Segment> rate_seg;  // newest segment acknowledged now (delivery-rate sample)
  acked_scratch_.clear();
  const bool ok = s.board.on_ack(
      ack.cumulative, ack.sack_blocks(),
      [&](std::uint64_t, Segment& seg) {
        if (seg.fin) c.fin_acked = true;
        newly_acked += seg.length;
        acked_scratch_.push_back(Acked{seg.sent_at, seg.length});
        if (!seg.ever_retransmitted && (!rtt_from || seg.sent_at > *rtt_from)) rtt_from = seg.sent_at;
        if (!rate_seg || seg.sent_at > rate_seg->sent_at) rate_seg = seg;
      },
      [&](std::uint64_t, Segment& seg) {
        ++s.counters.segments_lost;
        s.loss_window.lost(seg.loss_index);
        s.cc->on_congestion_event(now, seg.sent_at, false, k.view());
      });
  if (!ok) return false;

  if (rtt_from) {
    s.rtt.sample(now - *rtt_from);
    ++s.counters.rtt_samples;
    s.counters.rtt_sum_ms += static_cast<double>((now - *rtt_from).ns()) / 1e6;
  }
  if (newly_acked > 0) {
    // Controller protocol: one on_ack per packet, after the RTT sample (cc/controller.hpp). A subflow that does
    // not use its window (application- or scheduler-limited) does not grow it: otherwise CWND climbs without
    // bound while the scheduler keeps the subflow below it, and CWND/RTT stops meaning capacity.
    if (s.cwnd_limited(config_.mss)) {
      for (const Acked& a : acked_scratch_) {
        couple(c, s, k);
        s.cc->on_ack(now, a.sent_at, Bytes(a.length), s.rtt.srtt(), k.view());
      }
    }
    s.delivered += newly_acked;
    // Delivery rate: bytes delivered since the newest acknowledged segment was sent, over that interval.
    if (rate_seg && now > rate_seg->delivered_time_at_send) {
      const std::uint64_t bytes = s.delivered - rate_seg->delivered_at_send;
      s.delivery_rate = static_cast<std::int64_t>(
          static_cast<double>(bytes) * 1e9 / static_cast<double>((now - rate_seg->delivered_time_at_send).ns()));
    }
    s.delivered_time = now;
  }
  if (s.board.snd_una() >= s.window_mark && s.board.snd_una() > una_before) {
    s.max_pipe_prev = s.max_pipe_now;
    s.max_pipe_now = s.board.pipe();
    s.window_mark = s.board.snd_nxt();
  }
  if (s.board.snd_una() > una_before) {
    s.consecutive_rtos = 0;
    s.rto_deadline = s.board.empty() ? std::nullopt : std::optional<Instant>(now + s.rtt.rto());
    if (s.lossy && s.board.snd_una() >= s.lossy_until) s.lossy = false;
  }

  const bool changed = cwnd_before != s.cwnd_segments(config_.mss) || pipe_before != s.board.pipe() ||
                       lost_before != s.board.lost() || lossy_before != s.lossy;
  if (newly_acked > 0 || changed) rt_->on_subflow_ack(c.id, s.id, newly_acked, changed);

  // Data level.
  if (data_ack > c.data_una) {
    c.data_una = data_ack;
    for (auto& x : c.subflows)
      std::erase_if(x->queue, [&](const QueuedCopy& q) { return q.seq + q.length <= data_ack; });
    c.data_backoff = Duration::zero();
    c.data_timer = c.pushed_end > c.data_una ? std::optional<Instant>(now + data_rto(c, config_)) : std::nullopt;
    rt_->on_data_ack(c.id, data_ack);
  }
  if (win_end > c.peer_window_end) {
    c.peer_window_end = win_end;
    rt_->on_send_space(c.id, 0);
  }
  return true;
}

void Sender::on_rto(Conn& c, Subflow& s, Instant now) {
  ++s.counters.timeouts;
  ++s.consecutive_rtos;
  if (s.consecutive_rtos >= config_.max_consecutive_rtos) {
    fail(c, s, now);
    return;
  }
  Coupling k;
  couple(c, s, k);
  seq_scratch_.clear();
  s.board.mark_all_lost([&](std::uint64_t, Segment& seg) {
    ++s.counters.segments_lost;
    s.loss_window.lost(seg.loss_index);
    if (seg.data_seq >= c.data_una) seq_scratch_.push_back(seg.data_seq);
  });
  s.cc->on_congestion_event(now, now, true, k.view());
  s.rtt.back_off();
  s.lossy = true;
  s.lossy_until = s.board.snd_nxt();
  s.rto_deadline = now + s.rtt.rto();
  rt_->on_subflow_ack(c.id, s.id, 0, true);
  if (!seq_scratch_.empty()) {
    std::sort(seq_scratch_.begin(), seq_scratch_.end());
    seq_scratch_.erase(std::unique(seq_scratch_.begin(), seq_scratch_.end()), seq_scratch_.end());
    rt_->on_reinject(c.id, seq_scratch_, runtime::ReinjectCause::SubflowTimeout);
  }
}

void Sender::take_affected(Conn& c, Subflow& s) {
  seq_scratch_.clear();
  for (const auto& q : s.queue) seq_scratch_.push_back(q.seq);
  for (std::uint64_t q = s.board.snd_una(); q < s.board.snd_nxt(); ++q) {
    const Segment& seg = s.board.at(q);
    if (seg.fin) c.fin_in_flight = false;  // another subflow sends the FIN again
    else if (!seg.sacked) seq_scratch_.push_back(seg.data_seq);
  }
  std::sort(seq_scratch_.begin(), seq_scratch_.end());
  seq_scratch_.erase(std::unique(seq_scratch_.begin(), seq_scratch_.end()), seq_scratch_.end());
  std::erase_if(seq_scratch_, [&](std::int64_t q) { return q < c.data_una; });
  s.queue.clear();
  s.board.abandon();
}

void Sender::fail(Conn& c, Subflow& s, Instant now) {
  ++s.counters.failures;
  take_affected(c, s);
  // The path's old subflow sequence space is abandoned: probes and the recovered subflow use a fresh path ID, which
  // the receiver treats as a new subflow (fresh cumulative ACK).
  s.board = Scoreboard();
  s.path = PathId{c.next_path++};
  s.state = State::Failed;
  s.rto_deadline.reset();
  s.lossy = false;
  s.join_due = now;
  rt_->on_subflow_failed(c.id, s.id, seq_scratch_);
}

void Sender::handle_timeout(Instant now) {
  now_ = now;
  for (auto& cp : conns_) {
    Conn& c = *cp;
    bool input = false;
    for (auto& sp : c.subflows) {
      Subflow& s = *sp;
      if (s.rto_deadline && *s.rto_deadline <= now) {
        s.rto_deadline.reset();
        on_rto(c, s, now);
        input = true;
      }
    }
    if (c.data_timer && *c.data_timer <= now) {
      c.data_timer.reset();
      if (c.pushed_end > c.data_una) {
        if (rt_->is_pushed(c.id, c.data_una)) {
          const std::int64_t seq = c.data_una;
          ++counters_.data_rto_reinjections;
          rt_->on_reinject(c.id, std::span<const std::int64_t>(&seq, 1),
                           runtime::ReinjectCause::DataRetransmitTimer);
          input = true;
        }
        c.data_backoff = c.data_backoff == Duration::zero() ? data_rto(c, config_)
                                                            : std::min(c.data_backoff * 2, config_.max_rto);
        c.data_timer = now + c.data_backoff;
      }
    }
    if (c.idle_timer && *c.idle_timer <= now) {
      c.idle_timer.reset();
      rt_->on_timer(c.id);
      input = true;
    }
    if (input) rt_->poll(c.id);
  }
}

std::optional<Instant> Sender::next_timeout() const {
  std::optional<Instant> t;
  auto take = [&](const std::optional<Instant>& x) {
    if (x && (!t || *x < *t)) t = x;
  };
  for (const auto& c : conns_) {
    take(c->idle_timer);
    take(c->data_timer);
    for (const auto& s : c->subflows) {
      take(s->rto_deadline);
      take(s->join_due);
    }
  }
  return t;
}

std::optional<Transmit> Sender::poll_transmit(Instant now, std::span<std::byte> buffer) {
  now_ = now;
  for (std::size_t ci = 0; ci < conns_.size(); ++ci) {
    Conn& c = *conns_[(next_conn_ + ci) % conns_.size()];
    const std::size_t n = c.subflows.size();
    for (std::size_t si = 0; si < n; ++si) {
      const std::size_t index = (c.next_subflow + si) % n;
      Subflow& s = *c.subflows[index];
      if (s.state == State::Removed) continue;
      auto w = wire::Writer::begin(buffer, wire::Header{ConnectionId{c.id}, s.path});
      if (!w) return std::nullopt;
      const auto finish = [&]() -> std::optional<Transmit> {
        c.next_subflow = (index + 1) % n;
        next_conn_ = (next_conn_ + ci + 1) % conns_.size();
        ++counters_.datagrams_out;
        counters_.wire_bytes_out += w->size();
        return Transmit{s.interface, w->size()};
      };

      // JOIN: the first one, or a probe of a failed path.
      if (s.join_due && *s.join_due <= now && s.state != State::Established) {
        w->append(wire::Timestamp{now});
        w->append(wire::Join{c.token, s.backup});
        s.join_sent_at = now;
        s.join_due = now + (s.state == State::Failed ? config_.probe_interval : config_.initial_rto);
        return finish();
      }
      if (!s.available()) continue;
      if (s.backup_frame_pending) {
        s.backup_frame_pending = false;
        w->append(wire::Timestamp{now});
        w->append(wire::Backup{s.backup});
        return finish();
      }
      if (static_cast<std::int64_t>(s.board.pipe()) >= s.cwnd_segments(config_.mss)) continue;

      // A retransmission first (same subflow seq and mapping), then the next queued copy.
      std::uint64_t seq = s.board.next_retransmission();
      Segment seg;
      bool retransmission = seq < s.board.snd_nxt();
      if (retransmission) {
        seg = s.board.at(seq);
      } else if (s.queue.empty() && c.fin_offset && !c.fin_in_flight && !c.fin_acked &&
                 c.data_una >= *c.fin_offset) {
        // Everything is acknowledged: the FIN goes on this subflow, retransmitted like data until acknowledged.
        seg.data_seq = *c.fin_offset;
        seg.length = 0;
        seg.fin = true;
        c.fin_in_flight = true;
      } else {
        if (s.queue.empty()) continue;
        // RFC 5681 §4.1 (and Linux's slow_start_after_idle): after more than an RTO without sending, restart
        // from at most the initial window.
        if (s.board.empty() && s.last_send && now - *s.last_send > s.rtt.rto()) {
          s.cc->on_idle_restart();
          s.last_send.reset();
          if (static_cast<std::int64_t>(s.board.pipe()) >= s.cwnd_segments(config_.mss)) continue;
        }
        const QueuedCopy q = s.queue.front();
        if (q.seq + q.length > c.peer_window_end) continue;  // flow control (runtime.md §15.4.1)
        s.queue.pop_front();
        seg.data_seq = q.seq;
        seg.length = q.length;
        seg.psh = q.psh;
      }
      // The payload; a packet acknowledged at the data level meanwhile is resent with zeros (only the subflow's
      // sequence space needs it; the receiver discards the data as a duplicate).
      std::span<std::byte> payload(payload_scratch_.data(), seg.length);
      const std::size_t got = seg.length > 0 ? rt_->read_payload(c.id, seg.data_seq, payload) : 0;
      if (got < seg.length) std::fill(payload.begin() + static_cast<std::ptrdiff_t>(got), payload.end(), std::byte{0});
      w->append(wire::Timestamp{now});
      const std::uint64_t loss_index = s.loss_window.sent(now);
      if (retransmission) {
        s.board.mark_retransmitted(seq, now);
        s.board.at(seq).loss_index = loss_index;
        s.counters.retransmitted_bytes += seg.length;
      } else {
        seg.sent_at = now;
        seg.delivered_time_at_send = s.delivered_time;
        seg.delivered_at_send = s.delivered;
        seg.loss_index = loss_index;
        seq = s.board.push(seg);
      }
      w->append(wire::Data{seq, static_cast<std::uint64_t>(seg.data_seq), payload, seg.fin, seg.psh});
      s.cc->on_sent(now, Bytes(seg.length));
      s.counters.bytes_sent += seg.length;
      ++s.counters.segments_sent;
      if (!s.rto_deadline) s.rto_deadline = now + s.rtt.rto();
      s.max_pipe_now = std::max(s.max_pipe_now, s.board.pipe());
      s.last_send = now;
      return finish();
    }
  }
  return std::nullopt;
}

}  // namespace progmp::transport
