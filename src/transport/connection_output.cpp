// A connection's output: the next datagram. Handshake datagrams go out as they are; every other datagram is one
// protected packet on one path: TIMESTAMP, then whatever that path owes (path control, PING, BACKUP, PATH_CLOSE of
// another subflow), an ACK of the peer's data on this path, and at most one DATA frame (one runtime packet), sealed
// in place. Paths take turns, one datagram each, so no path starves another.
#include <algorithm>
#include <cstring>

#include "connection.hpp"

namespace progmp::transport {

namespace {

using State = Subflow::State;

constexpr std::size_t kAmplificationFactor = 3;  // RFC 9000 §8.1

std::size_t ack_size(const Subflow& s) {
  return 38 + 16 * std::min<std::size_t>(s.rx_sacked.size(), wire::kMaxSackBlocks);
}

bool ack_pending(const Subflow& s) { return s.ack_now || s.rx_unacked > 0 || s.ack_deadline.has_value(); }

}  // namespace

void Connection::write_ack(Subflow& s, wire::FrameWriter& w, Instant now) {
  wire::Ack ack;
  ack.cumulative = s.rx_cumulative;
  ack.data_ack = rx.received();
  ack.window_end = rx.window_end();
  ack.timestamp_echo = s.echo;
  const std::int64_t held = (now - s.echo_arrival).ns() / 1000;
  ack.ack_delay_us = static_cast<std::uint32_t>(std::clamp<std::int64_t>(held, 0, UINT32_MAX));
  for (const SeqRange& r : s.rx_sacked)
    if (!ack.add_sack(r.start, r.end)) break;  // the lowest holes first; later ACKs report the rest
  if (w.append(ack)) return;
  advertised_window_end = std::max(advertised_window_end, rx.window_end());
  s.ack_now = false;
  s.rx_unacked = 0;
  s.ack_deadline.reset();
}

// Pacing: a token bucket per subflow, filled at pacing_gain × CWND / SRTT and holding at most pacing_burst
// datagrams. Without an RTT sample there is no rate to pace at.
bool Connection::may_send(Subflow& s, std::size_t bytes, Instant now) {
  if (!cfg().pacing || s.rtt.srtt() <= Duration::zero()) return true;
  const double rate = cfg().pacing_gain * static_cast<double>(s.cc->window().count()) /
                      s.rtt.srtt().as_seconds();  // bytes per second
  const double cap = static_cast<double>(cfg().pacing_burst) * static_cast<double>(cfg().mss + 64);
  s.pacing_tokens = std::min(cap, s.pacing_tokens + rate * (now - s.pacing_refilled).as_seconds());
  s.pacing_refilled = now;
  if (s.pacing_tokens >= static_cast<double>(bytes)) {
    s.pacing_tokens -= static_cast<double>(bytes);
    s.pacing_due.reset();
    return true;
  }
  const double wait_s = (static_cast<double>(bytes) - s.pacing_tokens) / rate;
  s.pacing_due = now + Duration::nanos(static_cast<std::int64_t>(wait_s * 1e9) + 1);
  return false;
}

std::optional<Transmit> Connection::poll_transmit(Instant now, std::span<std::byte> buffer) {
  EndpointCounters& k = ep_.counters_;
  // ---- handshake datagrams ----
  if (role == Role::Client && phase == Phase::Handshaking) {
    if (!initiation_due || *initiation_due > now || initiation.size() > buffer.size()) return std::nullopt;
    // The first round goes on the first path only (as MPTCP's first subflow); if it goes unanswered, every later
    // round goes on every path, so that one dead path cannot keep the connection from starting.
    const bool every_path = initiations_sent > 0;
    while (initiation_cursor < subflows.size() &&
           (subflows[initiation_cursor]->state == State::Removed || (!every_path && initiation_cursor > 0)))
      ++initiation_cursor;
    if (initiation_cursor >= subflows.size()) initiation_cursor = 0;  // (the first path was removed)
    const Route route = subflows[initiation_cursor]->route;
    if (initiation_cursor == 0) initiation_sent_at = now;
    ++initiation_cursor;
    bool round_done = !every_path;
    if (every_path) {
      round_done = true;
      for (std::size_t i = initiation_cursor; i < subflows.size(); ++i)
        if (subflows[i]->state != State::Removed) round_done = false;
    }
    if (round_done) {
      initiation_cursor = 0;
      ++initiations_sent;
      // Exponential back-off from the initial RTO (RFC 6298 §5.5), as a lost SYN.
      Duration wait = cfg().initial_rto;
      for (int i = 1; i < initiations_sent && wait < cfg().max_rto; ++i) wait = wait * 2;
      initiation_due = now + wait;
    }
    std::memcpy(buffer.data(), initiation.data(), initiation.size());
    return Transmit{route, initiation.size()};
  }
  if (role == Role::Server && response_pending) {
    response_pending = false;
    Subflow& s = *subflows.front();
    if (s.bytes_out + response.size() > kAmplificationFactor * s.bytes_in) {
      ++k.amplification_limited;
      return std::nullopt;
    }
    std::memcpy(buffer.data(), response.data(), response.size());
    s.bytes_out += response.size();
    response_sent_at = now;
    ++responses_sent;
    return Transmit{s.route, response.size()};
  }
  if (phase == Phase::Handshaking || !tx_key) return std::nullopt;

  const std::size_t n = subflows.size();
  for (std::size_t si = 0; si < n; ++si) {
    const std::size_t index = (next_subflow + si) % n;
    if (!subflows[index]) continue;
    Subflow& s = *subflows[index];
    if (s.state == State::Removed || s.path == PathId{0}) continue;

    // The plaintext area: after the header, leaving room for the tag; on an unvalidated path only what the
    // anti-amplification budget allows.
    std::size_t area = std::min<std::size_t>(buffer.size(), cfg().max_udp_payload + 512) - kPacketOverhead;
    if (!s.validated) {
      const std::uint64_t budget = kAmplificationFactor * s.bytes_in;
      const std::uint64_t left = budget > s.bytes_out ? budget - s.bytes_out : 0;
      if (left <= kPacketOverhead + wire::kTimestampFrameSize) {
        if (s.response_owed || s.challenge_due || ack_pending(s)) ++k.amplification_limited;
        continue;
      }
      area = std::min<std::size_t>(area, left - kPacketOverhead);
    }
    wire::FrameWriter w(buffer.subspan(packet::kProtectedHeaderSize, area));
    w.append(wire::Timestamp{now});
    const std::size_t empty_size = w.size();

    if (phase == Phase::Closed) {
      if (s.close_pending && !w.append(wire::ConnectionClose{close_code})) s.close_pending = false;
      else if (close_reason == CloseReason::Finished && drain_until && s.ack_now) write_ack(s, w, now);
    } else {
      // Client: JOIN (first, or a probe of a failed path) with a fresh challenge.
      if (role == Role::Client && s.state != State::Established && s.join_due && *s.join_due <= now) {
        const std::uint64_t data = ep_.random_.next_u64();
        if (!w.append(wire::Join{s.wire_id, s.backup}) && !w.append(wire::PathChallenge{data})) {
          s.previous_challenge = s.challenge;
          s.previous_challenge_sent_at = s.challenge_sent_at;
          s.challenge = data;
          s.challenge_sent_at = now;
          s.join_due = now + (s.state == State::Failed ? cfg().probe_interval : cfg().initial_rto);
        }
      }
      // Server: validate the client's address on a joined path.
      if (role == Role::Server && s.challenge_due && *s.challenge_due <= now) {
        const std::uint64_t data = ep_.random_.next_u64();
        if (!w.append(wire::PathChallenge{data})) {
          s.previous_challenge = s.challenge;
          s.previous_challenge_sent_at = s.challenge_sent_at;
          s.challenge = data;
          s.challenge_sent_at = now;
          s.challenge_due = now + cfg().initial_rto;
        }
      }
      if (s.response_owed && !w.append(wire::PathResponse{*s.response_owed})) s.response_owed.reset();
      if (s.available() && s.join_announcements_left > 0 && !w.append(wire::Join{s.wire_id, s.backup}))
        --s.join_announcements_left;
      if (s.ping_pending && !w.append(wire::Ping{})) s.ping_pending = false;
      if (s.available() && s.backup_frames_left > 0 && !w.append(wire::Backup{s.backup})) --s.backup_frames_left;
      if (s.available()) {
        for (auto& other : subflows)
          if (other && other->path_close_frames_left > 0 && other->wire_id != 0 &&
              !w.append(wire::PathClose{other->wire_id, wire::CloseCode::NoError}))
            --other->path_close_frames_left;
      }

      // DATA: a retransmission first (same subflow seq and mapping), then the FIN or the next queued copy.
      bool data = false;
      Segment seg;
      std::uint64_t seq = 0;
      bool retransmission = false;
      if (s.available() && static_cast<std::int64_t>(s.board.pipe()) < s.cwnd_segments(cfg().mss)) {
        seq = s.board.next_retransmission();
        retransmission = seq < s.board.snd_nxt();
        if (retransmission) {
          seg = s.board.at(seq);
          data = true;
        } else if (s.queue.empty() && fin_offset && !fin_in_flight && !fin_acked && data_una >= *fin_offset) {
          // Everything is acknowledged: the FIN goes on this subflow, retransmitted like data until acknowledged.
          seg.data_seq = *fin_offset;
          seg.length = 0;
          seg.fin = true;
          data = true;
        } else if (!s.queue.empty()) {
          const QueuedCopy& q = s.queue.front();
          if (q.seq + q.length > peer_window_end) {  // flow control (runtime.md §15.4.1)
            if (s.board.empty() && !window_probe_due) window_probe_due = now + data_rto();
          } else {
            // RFC 5681 §4.1 (and Linux's slow_start_after_idle): after more than an RTO without sending, restart
            // from at most the initial window.
            bool open = true;
            if (s.board.empty() && s.last_send && now - *s.last_send > s.rtt.rto()) {
              s.cc->on_idle_restart();
              s.last_send.reset();
              open = static_cast<std::int64_t>(s.board.pipe()) < s.cwnd_segments(cfg().mss);
            }
            if (open) {
              seg.data_seq = q.seq;
              seg.length = q.length;
              seg.psh = q.psh;
              data = true;
            }
          }
        }
      }
      const std::size_t data_bytes = data ? wire::kDataFrameOverhead + seg.length : 0;
      // The ACK: owed now, or piggybacked on the DATA when one is pending and both fit in a datagram.
      const std::size_t limit = cfg().max_udp_payload - kPacketOverhead;
      if (s.ack_now) {
        if (data && w.size() + ack_size(s) + data_bytes > limit) data = false;  // the ACK goes alone first
        write_ack(s, w, now);
      } else if (data && ack_pending(s) && w.size() + ack_size(s) + data_bytes <= limit) {
        write_ack(s, w, now);
      }
      if (data && data_bytes > w.remaining()) data = false;
      if (data && !may_send(s, packet::kProtectedHeaderSize + w.size() + data_bytes + crypto::kTagBytes, now))
        data = false;
      if (data) {
        if (seg.fin) {
          fin_in_flight = true;
        } else if (!retransmission) {
          s.queue.pop_front();
        }
        const std::span<std::byte> payload =
            w.append_data(retransmission ? seq : s.board.snd_nxt(), static_cast<std::uint64_t>(seg.data_seq),
                          seg.length, seg.fin, seg.psh);
        // The payload; a packet acknowledged at the data level meanwhile is resent with zeros (only the subflow's
        // sequence space needs it; the receiver discards the data as a duplicate).
        const std::size_t got = seg.length > 0 ? rt().read_payload(handle, seg.data_seq, payload) : 0;
        if (got < seg.length) std::fill(payload.begin() + static_cast<std::ptrdiff_t>(got), payload.end(), std::byte{0});
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
          s.board.push(seg);
        }
        s.cc->on_sent(now, Bytes(seg.length));
        s.counters.bytes_sent += seg.length;
        ++s.counters.segments_sent;
        if (!s.rto_deadline) s.rto_deadline = now + s.rtt.rto();
        s.max_pipe_now = std::max(s.max_pipe_now, s.board.pipe());
        s.last_send = now;
      }
    }
    if (w.size() == empty_size) continue;  // nothing for this path

    const std::size_t header = packet::write_protected_header(
        buffer, packet::ProtectedHeader{remote_cid, s.path, s.next_packet_number});
    const std::size_t size = tx_key->seal(static_cast<std::uint32_t>(s.path), s.next_packet_number, buffer, header,
                                          w.size());
    ++s.next_packet_number;
    s.bytes_out += size;
    next_subflow = (index + 1) % n;
    return Transmit{s.route, size};
  }
  return std::nullopt;
}

}  // namespace progmp::transport
