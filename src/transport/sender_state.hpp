// The Sender's per-connection and per-subflow state (private to src/transport).
#pragma once

#include <deque>
#include <memory>
#include <optional>

#include "progmp/transport/cc/controller.hpp"
#include "progmp/transport/ids.hpp"
#include "progmp/transport/rtt_estimator.hpp"
#include "progmp/transport/scoreboard.hpp"
#include "progmp/transport/sender.hpp"

namespace progmp::transport {

// A copy the runtime pushed and the subflow has not transmitted yet.
struct QueuedCopy {
  std::int64_t seq = 0;
  std::uint32_t length = 0;
  bool psh = false;
};

// LOSS_RATE's sliding window (runtime.md §15.1): segments sent and declared lost within the last W, kept as a ring
// of recent transmissions so the window can slide in O(1) amortised time without allocating.
class LossWindow {
 public:
  LossWindow() : ring_(kCapacity) {}
  // Returns the index to pass to lost() later.
  std::uint64_t sent(Instant t);
  void lost(std::uint64_t index);
  // Per mille over the last `w` (older entries slide out).
  std::int64_t permille(Instant now, Duration w);

 private:
  static constexpr std::size_t kCapacity = 4096;  // more transmissions within W are counted over the newest 4096
  struct Entry {
    Instant at;
    bool lost = false;
  };
  std::vector<Entry> ring_;
  std::uint64_t head_ = 0, tail_ = 0;  // [tail, head) are in the window
  std::uint64_t lost_in_window_ = 0;
};

struct Sender::Subflow {
  enum class State : std::uint8_t { Joining, Established, Failed, Removed };

  runtime::SubflowId id = 0;
  std::uint32_t interface = 0;
  PathId path{};
  State state = State::Joining;
  bool backup = false;
  bool throttled = false;
  bool backup_frame_pending = false;
  std::unique_ptr<cc::Controller> cc;
  RttEstimator rtt;
  Scoreboard board;
  std::deque<QueuedCopy> queue;
  std::optional<Instant> rto_deadline;
  Instant join_sent_at;
  std::optional<Instant> join_due;  // when the next JOIN (first or probe) goes out
  int consecutive_rtos = 0;
  bool lossy = false;
  std::uint64_t lossy_until = 0;  // LOSSY ends when snd_una reaches this
  std::optional<std::int64_t> delay_in_us, delay_out_us;
  std::uint64_t delivered = 0;  // bytes acknowledged on this subflow (delivery-rate sampling)
  Instant delivered_time;
  std::int64_t delivery_rate = 0;
  LossWindow loss_window;
  SubflowCounters counters;
  // Congestion-window validation (RFC 7661's idea, as Linux's tcp_is_cwnd_limited): the window grows only while
  // the subflow actually uses it. Largest pipe seen in the current and the previous window of data.
  std::uint64_t max_pipe_now = 0, max_pipe_prev = 0;
  std::uint64_t window_mark = 0;  // snd_nxt when the current window began
  std::optional<Instant> last_send;  // RFC 5681 §4.1 idle detection

  Subflow(Duration initial_rto, Duration min_rto, Duration max_rto) : rtt(initial_rto, min_rto, max_rto) {}
  bool available() const { return state == State::Established; }
  std::int64_t cwnd_segments(std::uint32_t mss) const;
  // True if the subflow used its window recently: pipe reached CWND in this or the previous window of data.
  bool cwnd_limited(std::uint32_t mss) const;
};

struct Sender::Conn {
  runtime::ConnId id = 0;
  std::uint64_t token = 0;
  std::vector<std::unique_ptr<Subflow>> subflows;  // index = runtime ID − 1
  std::uint32_t next_path = 1;
  std::int64_t data_una = 0;          // data-level cumulative ACK
  std::int64_t peer_window_end = 0;   // until the first ACK: rcv_buf_bytes (the peer's configured window)
  std::int64_t pushed_end = 0;        // highest SEQ + LENGTH ever enqueued
  std::optional<Instant> idle_timer;  // the runtime's (arm_timer)
  std::optional<Instant> data_timer;  // data-level retransmission timer
  Duration data_backoff = Duration::zero();
  std::size_t next_subflow = 0;       // round-robin start for poll_transmit
  std::optional<std::int64_t> fin_offset;  // set by close()
  bool fin_in_flight = false;         // a subflow holds the FIN segment
  bool fin_acked = false;
};

}  // namespace progmp::transport
