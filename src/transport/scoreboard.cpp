#include "progmp/transport/scoreboard.hpp"

namespace progmp::transport {

void Scoreboard::grow() {
  std::vector<Segment> bigger(ring_.size() * 2);
  for (std::uint64_t q = una_; q < nxt_; ++q) bigger[q & (bigger.size() - 1)] = at(q);
  ring_.swap(bigger);
}

std::uint64_t Scoreboard::push(const Segment& s) {
  if (nxt_ - una_ == ring_.size()) grow();
  at(nxt_) = s;
  return nxt_++;
}

void Scoreboard::clear_flags(Segment& s) {
  if (s.sacked) --sacked_;
  if (s.lost) {
    --lost_;
    if (s.retransmitted) --rexmit_in_flight_;
  }
  s.sacked = s.lost = s.retransmitted = false;
}

std::uint64_t Scoreboard::next_retransmission() const {
  if (lost_ == rexmit_in_flight_) return nxt_;
  for (std::uint64_t q = std::max(retransmit_hint_, una_); q < nxt_; ++q) {
    const Segment& s = at(q);
    if (s.lost && !s.retransmitted) return q;
  }
  return nxt_;
}

void Scoreboard::mark_retransmitted(std::uint64_t seq, Instant now) {
  Segment& s = at(seq);
  s.retransmitted = true;
  s.ever_retransmitted = true;
  s.sent_at = now;
  ++rexmit_in_flight_;
  retransmit_hint_ = seq + 1;
}

void Scoreboard::abandon() {
  while (una_ < nxt_) clear_flags(at(una_++));
  retransmit_hint_ = una_;
}

}  // namespace progmp::transport
