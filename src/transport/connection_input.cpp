// A connection's input: one authenticated packet's frames. ACKs drive loss recovery and congestion control of the
// sending side (RFC 6675 SACK recovery, RFC 6298 RTO, cc/), DATA frames the receiving side, and the control frames
// the paths (JOIN, PATH_CHALLENGE/RESPONSE, BACKUP, PATH_CLOSE) and the connection (CONNECTION_CLOSE).
#include <algorithm>
#include <array>

#include "connection.hpp"

namespace progmp::transport {

namespace {

using State = Subflow::State;
constexpr std::uint32_t kMaxSubflowIds = 256;

struct Coupling {
  std::array<cc::SubflowWindow, 64> windows;
  std::size_t count = 0;
  std::size_t self = 0;
  cc::CoupledView view() const { return {std::span<const cc::SubflowWindow>(windows.data(), count), self}; }
};

// Coupled congestion control (LIA, OLIA) sees every established subflow of the connection.
void couple(const std::vector<std::unique_ptr<Subflow>>& subflows, const Subflow& self, Coupling& k) {
  k.count = 0;
  for (const auto& s : subflows) {
    if (!s || (!s->available() && s.get() != &self)) continue;
    if (k.count == k.windows.size()) break;
    if (s.get() == &self) k.self = k.count;
    k.windows[k.count++] = s->cc->coupling(s->rtt.srtt());
  }
}

void smooth(std::optional<std::int64_t>& v, std::int64_t sample) {
  // Gain 1/8 (runtime.md §15.1).
  v = v ? *v + (sample - *v) / 8 : sample;
}

}  // namespace

bool Connection::handle_protected(Instant now, const Route& from, const packet::ProtectedHeader& h,
                                  std::span<const std::byte> datagram, std::span<std::byte> plain) {
  EndpointCounters& k = ep_.counters_;
  if (!rx_key) {  // a client still waiting for the RESPONSE: nothing protected can be read yet
    ++k.dropped_handshake;
    return false;
  }
  const auto path = static_cast<std::uint32_t>(h.path);
  Subflow* s = find_path(h.path);
  const bool new_path = s == nullptr;
  if (new_path) {
    // Only the client opens paths, each under a path ID above every earlier one (a replayed JOIN cannot revive one).
    if (role != Role::Server || phase == Phase::Closed || path <= highest_path) {
      ++k.dropped_unknown_path;
      return false;
    }
  } else {
    if (role == Role::Server && s->state == State::Failed) {  // retired: the client must join it anew
      ++k.dropped_unknown_path;
      return false;
    }
    if (!s->replay.fresh(h.packet_number)) {
      ++k.dropped_replay;
      return false;
    }
  }
  const std::optional<std::size_t> n = rx_key->open(path, h.packet_number, datagram, packet::kProtectedHeaderSize, plain);
  if (!n) {
    ++k.dropped_authentication;
    return false;
  }
  const wire::DecodedFrames decoded = wire::decode_frames(plain.first(*n));
  if (!decoded) {
    // The peer holds our keys, so this is its bug, not an attack: end the connection rather than guess.
    ++k.dropped_frames;
    if (phase != Phase::Closed) {
      abort(now, wire::CloseCode::ProtocolViolation);
      close_reason = CloseReason::ProtocolViolation;
    }
    return false;
  }
  const wire::FrameRange& frames = decoded.frames();

  if (role == Role::Server && phase == Phase::Handshaking) {
    // The client's first protected packet, on any path, proves it read our RESPONSE: the handshake is confirmed.
    // (Its handshake path's address is validated when a packet arrives on that path, below.)
    phase = Phase::Established;
    response.clear();
    response.shrink_to_fit();
    if (half_open) {
      half_open = false;
      --ep_.half_open_;
    }
    ++k.handshakes_completed;
    announced = true;
    emit(EventKind::Accepted);
  }

  if (new_path) {
    std::optional<wire::Join> join;  // a copy: the range's frame storage is reused as it advances
    for (const wire::Frame& f : frames)
      if (const auto* j = std::get_if<wire::Join>(&f)) join = *j;
    if (!join) {
      ++k.dropped_unknown_path;
      return false;
    }
    s = find_by_wire_id(join->subflow);
    if (!s) {  // a subflow the server has not seen yet
      std::size_t usable = 0;
      for (const auto& x : subflows) usable += x && x->state != State::Removed;
      if (usable >= 32 || subflows.size() >= kMaxSubflowIds) {
        ++k.dropped_unknown_path;
        return false;
      }
      s = &new_subflow(now, from, join->backup);
      s->wire_id = join->subflow;
    }
    if (s->state == State::Established) fail(*s, now);  // the client moved the subflow to a new path
    s->reset_path(h.path);
    s->route = from;
    s->state = State::Joining;
    s->validated = false;
    s->backup = join->backup;
    s->challenge_due = now;  // validate the client's address before it carries more than 3× what it sent
    highest_path = path;
  }

  s->replay.accept(h.packet_number);
  s->bytes_in += datagram.size();
  s->last_rx = now;
  last_rx_any = now;
  if (cfg().path_timeout > Duration::zero() && s->available()) s->keepalive_due = now + cfg().path_timeout / 3;

  if (role == Role::Server && s->path == PathId{1} && s->state == State::Joining && !s->validated) {
    // A protected packet on the handshake path: the client reads at the address our RESPONSE went to.
    s->validated = true;
    establish(*s, now, responses_sent == 1 ? std::optional<Duration>(now - response_sent_at) : std::nullopt);
  }

  if (phase == Phase::Closed) {
    // Draining after a graceful end: acknowledge what the peer still retransmits, act on nothing else.
    if (close_reason == CloseReason::Finished && drain_until) {
      for (const wire::Frame& f : frames)
        if (const auto* d = std::get_if<wire::Data>(&f)) on_data(*s, *d, now);
    }
    return true;
  }

  std::optional<Instant> peer_time;
  std::optional<wire::Ack> ack;  // a copy: the range's frame storage is reused as it advances
  const std::uint64_t received_before = rx.received();
  for (const wire::Frame& f : frames) {
    switch (wire::frame_type(f)) {
      case wire::FrameType::Timestamp:
        peer_time = std::get<wire::Timestamp>(f).sent;
        break;
      case wire::FrameType::Ack:
        ack = std::get<wire::Ack>(f);
        break;
      case wire::FrameType::Data:
        on_data(*s, std::get<wire::Data>(f), now);
        if (phase == Phase::Closed) return true;  // a protocol violation in the stream
        break;
      case wire::FrameType::Ping:
        s->ack_now = true;
        break;
      case wire::FrameType::PathChallenge:
        s->response_owed = std::get<wire::PathChallenge>(f).data;
        break;
      case wire::FrameType::PathResponse:
      {
        const std::uint64_t data = std::get<wire::PathResponse>(f).data;
        std::optional<Instant> sent;
        if (s->challenge && *s->challenge == data) sent = s->challenge_sent_at;
        else if (s->previous_challenge && *s->previous_challenge == data) sent = s->previous_challenge_sent_at;
        if (!sent) break;  // stale or forged-by-a-buggy-peer: ignore
        s->challenge.reset();
        s->previous_challenge.reset();
        s->challenge_due.reset();
        s->validated = true;
        if (s->state == State::Joining || s->state == State::Failed) establish(*s, now, now - *sent);
        break;
      }
      case wire::FrameType::Backup: {
        const bool b = std::get<wire::Backup>(f).backup;
        if (b != s->backup) {
          s->backup = b;
          rt().on_backup_changed(handle, s->id);
        }
        break;
      }
      case wire::FrameType::PathClose: {
        Subflow* t = find_by_wire_id(std::get<wire::PathClose>(f).subflow);
        if (t) {
          remove_path(now, t->id);
          t->path_close_frames_left = 0;  // the peer knows
        }
        break;
      }
      case wire::FrameType::ConnectionClose:
        enter_closed(now, CloseReason::PeerAbort, std::get<wire::ConnectionClose>(f).code);
        return true;
      case wire::FrameType::Join:
        // The client names the handshake path's subflow with a JOIN on path 1 (a server learns names from JOINs).
        if (role == Role::Server && s->wire_id == 0 && !find_by_wire_id(std::get<wire::Join>(f).subflow))
          s->wire_id = std::get<wire::Join>(f).subflow;
        break;
      case wire::FrameType::Padding:
        break;
    }
  }
  if (peer_time) {
    s->echo = *peer_time;
    s->echo_arrival = now;
  }
  if (ack && s->state != State::Removed && !process_ack(*s, *ack, peer_time, now)) ++k.dropped_frames;
  if (rx.received() > received_before || rx.finished()) {
    if (!readable_signalled && (rx.readable() > 0 || rx.finished())) {
      readable_signalled = true;
      emit(EventKind::Readable);
    }
  }
  check_finished(now);
  if (phase != Phase::Closed) rt().poll(handle);
  return true;
}

void Connection::on_stateless_reset(Instant now) { enter_closed(now, CloseReason::StatelessReset, wire::CloseCode::NoError); }

void Connection::on_data(Subflow& p, const wire::Data& d, Instant now) {
  // Subflow level: cumulative + SACK; anything but the next expected segment is acknowledged at once
  // (RFC 5681 §4.2: out-of-order and hole-filling segments).
  const std::uint64_t seq = d.subflow_seq;
  if (seq < p.rx_cumulative) {
    p.ack_now = true;  // duplicate
  } else if (seq == p.rx_cumulative) {
    ++p.rx_cumulative;
    if (!p.rx_sacked.empty() && p.rx_sacked.front().start == p.rx_cumulative) {
      p.rx_cumulative = p.rx_sacked.front().end;
      p.rx_sacked.erase(p.rx_sacked.begin());
      p.ack_now = true;
    } else if (!p.rx_sacked.empty()) {
      p.ack_now = true;
    }
    if (++p.rx_unacked >= cfg().ack_every) p.ack_now = true;
    if (!p.ack_now && !p.ack_deadline) p.ack_deadline = now + cfg().ack_delay;
  } else {
    if (p.rx_sacked.size() < 4096) insert_range(p.rx_sacked, seq, seq + 1);
    p.ack_now = true;
  }
  p.counters.bytes_received += d.payload.size();

  // Data level.
  if (d.fin) {
    p.ack_now = true;
    if (!rx.on_fin(d.data_offset + d.payload.size())) {
      ++ep_.counters_.dropped_frames;
      abort(now, wire::CloseCode::ProtocolViolation);
      close_reason = CloseReason::ProtocolViolation;
      return;
    }
  }
  if (!d.payload.empty()) rx.on_data(d.data_offset, d.payload);
}

void Connection::after_read(Instant) {
  // A reader that frees a quarter of the buffer (or reopens a window the peer saw nearly closed) announces the new
  // window at once instead of waiting for the next data; otherwise a sender stalled on a closed window would wait
  // for its probe.
  const std::uint64_t end = rx.window_end();
  if (end < advertised_window_end + rx.capacity() / 4) return;
  Subflow* best = nullptr;
  for (auto& s : subflows)
    if (s && s->available() && (!best || s->rtt.srtt() < best->rtt.srtt())) best = s.get();
  if (best) best->ack_now = true;
}

bool Connection::process_ack(Subflow& s, const wire::Ack& ack, std::optional<Instant> peer_time, Instant now) {
  const std::int64_t data_ack = static_cast<std::int64_t>(ack.data_ack);
  const std::int64_t win_end = static_cast<std::int64_t>(ack.window_end);
  if (data_ack > pushed_end) return false;  // acknowledges data never sent

  // One-way delays (runtime.md §15.1): in = our receive time − peer send time; out = peer receive time − our send
  // time, the peer receive time being its send time minus how long it held the ACK.
  if (peer_time) {
    smooth(s.delay_in_us, (now - *peer_time).ns() / 1000);
    if (ack.timestamp_echo > Instant::epoch())
      smooth(s.delay_out_us, (*peer_time - Duration::micros(ack.ack_delay_us) - ack.timestamp_echo).ns() / 1000);
  }

  const std::int64_t cwnd_before = s.cwnd_segments(cfg().mss);
  const std::uint64_t pipe_before = s.board.pipe();
  const std::uint64_t lost_before = s.board.lost();
  const bool lossy_before = s.lossy;
  const std::uint64_t una_before = s.board.snd_una();

  Coupling k;
  couple(subflows, s, k);
  std::uint64_t newly_acked = 0;
  std::optional<Instant> rtt_from;  // newest never-retransmitted segment acknowledged now (Karn)
  std::optional<Segment> rate_seg;  // newest segment acknowledged now (delivery-rate sample)
  acked_scratch_.clear();
  const bool ok = s.board.on_ack(
      ack.cumulative, ack.sack_blocks(),
      [&](std::uint64_t, Segment& seg) {
        if (seg.fin) fin_acked = true;
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
    if (s.cwnd_limited(cfg().mss)) {
      for (const Acked& a : acked_scratch_) {
        couple(subflows, s, k);
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

  const bool changed = cwnd_before != s.cwnd_segments(cfg().mss) || pipe_before != s.board.pipe() ||
                       lost_before != s.board.lost() || lossy_before != s.lossy;
  if (newly_acked > 0 || changed) rt().on_subflow_ack(handle, s.id, newly_acked, changed);

  // Data level.
  if (data_ack > data_una) {
    data_una = data_ack;
    for (auto& x : subflows)
      if (x) x->queue.erase_if([&](const QueuedCopy& q) { return q.seq + q.length <= data_ack; });
    data_backoff = Duration::zero();
    data_timer = pushed_end > data_una ? std::optional<Instant>(now + data_rto()) : std::nullopt;
    rt().on_data_ack(handle, data_una);
    if (want_writable) {
      want_writable = false;
      emit(EventKind::Writable);
    }
  }
  if (win_end > peer_window_end) {
    peer_window_end = win_end;
    window_probe_due.reset();
    rt().on_send_space(handle, 0);
  }
  return true;
}

void Connection::on_rto(Subflow& s, Instant now) {
  ++s.counters.timeouts;
  ++s.consecutive_rtos;
  if (s.consecutive_rtos >= cfg().max_consecutive_rtos) {
    fail(s, now);
    return;
  }
  Coupling k;
  couple(subflows, s, k);
  seq_scratch_.clear();
  s.board.mark_all_lost([&](std::uint64_t, Segment& seg) {
    ++s.counters.segments_lost;
    s.loss_window.lost(seg.loss_index);
    if (seg.data_seq >= data_una && !seg.fin) seq_scratch_.push_back(seg.data_seq);
  });
  s.cc->on_congestion_event(now, now, true, k.view());
  s.rtt.back_off();
  s.lossy = true;
  s.lossy_until = s.board.snd_nxt();
  s.rto_deadline = now + s.rtt.rto();
  rt().on_subflow_ack(handle, s.id, 0, true);
  if (!seq_scratch_.empty()) {
    std::sort(seq_scratch_.begin(), seq_scratch_.end());
    seq_scratch_.erase(std::unique(seq_scratch_.begin(), seq_scratch_.end()), seq_scratch_.end());
    rt().on_reinject(handle, seq_scratch_, runtime::ReinjectCause::SubflowTimeout);
  }
}

}  // namespace progmp::transport
