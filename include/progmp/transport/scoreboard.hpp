// The sender's record of one subflow's transmitted segments: what is outstanding, SACKed, lost and retransmitted,
// and the RFC 6675 "pipe" derived from it. Subflow sequence numbers count segments (one DATA frame each), so the
// scoreboard is a ring indexed by seq − snd_una.
//
// Loss detection is RFC 6675's IsLost() with DupThresh = 3 counted in segments: a segment is lost once three
// segments above it have been SACKed. After a retransmission timeout every outstanding, un-SACKed segment is lost
// (RFC 6675 §5.1). pipe = outstanding − SACKed − lost + lost segments whose retransmission is in flight.
// Allocation: the ring doubles when full and never shrinks, so the steady state allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "progmp/transport/units.hpp"
#include "progmp/transport/wire.hpp"

namespace progmp::transport {

struct Segment {
  std::int64_t data_seq = 0;  // stream offset of the payload (the packet's SEQ)
  std::uint32_t length = 0;
  bool psh = false;
  bool fin = false;  // the end of the stream (length 0)
  bool sacked = false;
  bool lost = false;
  bool retransmitted = false;       // a retransmission of this segment is in flight
  bool ever_retransmitted = false;  // Karn: no RTT sample from it
  Instant sent_at;                  // latest transmission
  // Delivery-rate sampling (the subflow's delivered count and its time when this segment was sent).
  std::uint64_t delivered_at_send = 0;
  Instant delivered_time_at_send;
  std::uint64_t loss_index = 0;  // the sender's LOSS_RATE window entry of the latest transmission
};

class Scoreboard {
 public:
  static constexpr std::uint32_t kDupThresh = 3;  // RFC 6675 §2

  Scoreboard() { ring_.resize(64); }

  std::uint64_t snd_una() const { return una_; }
  std::uint64_t snd_nxt() const { return nxt_; }
  std::uint64_t outstanding() const { return nxt_ - una_; }
  std::uint64_t pipe() const { return outstanding() - sacked_ - lost_ + rexmit_in_flight_; }
  std::uint64_t lost() const { return lost_; }
  bool empty() const { return una_ == nxt_; }

  // Records a new transmission; returns its subflow seq.
  std::uint64_t push(const Segment& s);
  Segment& at(std::uint64_t seq) { return ring_[seq & (ring_.size() - 1)]; }
  const Segment& at(std::uint64_t seq) const { return ring_[seq & (ring_.size() - 1)]; }
  bool contains(std::uint64_t seq) const { return seq >= una_ && seq < nxt_; }

  // The lowest lost segment whose retransmission is not in flight, or snd_nxt() if none.
  std::uint64_t next_retransmission() const;
  void mark_retransmitted(std::uint64_t seq, Instant now);

  // Applies an acknowledgement. For every segment newly acknowledged (cumulatively or by SACK) calls
  // acked(seq, segment) before forgetting it; for every segment newly declared lost calls lost(seq, segment).
  // Returns false (and changes nothing) if the ACK acknowledges segments never sent.
  template <class OnAcked, class OnLost>
  bool on_ack(std::uint64_t cumulative, std::span<const wire::SackBlock> sacks, OnAcked&& acked, OnLost&& lost);

  // RFC 6675 §5.1 on a retransmission timeout: every outstanding segment not SACKed is lost and will be resent.
  template <class OnLost>
  void mark_all_lost(OnLost&& lost);

  // Forgets everything outstanding (subflow failure); snd_una := snd_nxt.
  void abandon();

 private:
  void grow();
  void clear_flags(Segment& s);

  std::vector<Segment> ring_;  // power-of-two size
  std::uint64_t una_ = 0, nxt_ = 0;
  std::uint64_t sacked_ = 0, lost_ = 0, rexmit_in_flight_ = 0;
  std::uint64_t retransmit_hint_ = 0;  // no lost, un-retransmitted segment below this
};

// ---- template members ----

template <class OnAcked, class OnLost>
bool Scoreboard::on_ack(std::uint64_t cumulative, std::span<const wire::SackBlock> sacks, OnAcked&& acked,
                        OnLost&& on_lost) {
  if (cumulative > nxt_) return false;
  for (const auto& b : sacks)
    if (b.end > nxt_) return false;
  // Cumulative part.
  while (una_ < cumulative) {
    Segment& s = at(una_);
    if (!s.sacked) acked(una_, s);
    clear_flags(s);
    ++una_;
  }
  if (retransmit_hint_ < una_) retransmit_hint_ = una_;
  // SACK part.
  bool new_sack = false;
  for (const auto& b : sacks) {
    for (std::uint64_t q = std::max(b.start, una_); q < b.end; ++q) {
      Segment& s = at(q);
      if (s.sacked) continue;
      acked(q, s);
      if (s.lost) {
        --lost_;
        if (s.retransmitted) --rexmit_in_flight_;
        s.lost = s.retransmitted = false;
      }
      s.sacked = true;
      ++sacked_;
      new_sack = true;
    }
  }
  if (!new_sack || sacked_ < kDupThresh) return true;
  // IsLost: walk down from the top counting SACKed segments.
  std::uint32_t above = 0;
  for (std::uint64_t q = nxt_; q-- > una_;) {
    Segment& s = at(q);
    if (s.sacked) {
      ++above;
      continue;
    }
    if (above < kDupThresh) continue;
    if (s.lost) {
      // Everything further down was examined by an earlier ACK with at least as many SACKed segments above it.
      if (!s.retransmitted) break;
      continue;
    }
    s.lost = true;
    ++lost_;
    if (q < retransmit_hint_) retransmit_hint_ = q;
    on_lost(q, s);
  }
  return true;
}

template <class OnLost>
void Scoreboard::mark_all_lost(OnLost&& on_lost) {
  for (std::uint64_t q = una_; q < nxt_; ++q) {
    Segment& s = at(q);
    if (s.sacked) continue;
    if (s.lost) {
      if (s.retransmitted) {
        s.retransmitted = false;
        --rexmit_in_flight_;
      }
      continue;
    }
    s.lost = true;
    ++lost_;
    on_lost(q, s);
  }
  retransmit_hint_ = una_;
}

}  // namespace progmp::transport
