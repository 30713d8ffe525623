// One subflow of a connection as the endpoint keeps it (private to src/transport): the current path it runs on,
// that path's protection state (packet numbers, replay window, anti-amplification), the sending side (congestion
// control, loss recovery, the send queue the scheduler fills) and the receiving side (acknowledging the peer's DATA
// on this path). A subflow keeps its runtime ID for life; after a failure it continues on a fresh path ID, which
// gives both directions fresh sequence spaces.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "progmp/runtime/transport.hpp"
#include "progmp/transport/address.hpp"
#include "progmp/transport/cc/controller.hpp"
#include "progmp/transport/crypto/replay_window.hpp"
#include "progmp/transport/endpoint.hpp"
#include "progmp/transport/ring.hpp"
#include "progmp/transport/ids.hpp"
#include "progmp/transport/rtt_estimator.hpp"
#include "progmp/transport/scoreboard.hpp"

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

// Ranges of sequence numbers or stream offsets, ascending, disjoint, not adjacent.
struct SeqRange {
  std::uint64_t start, end;
};

struct Subflow {
  enum class State : std::uint8_t {
    Joining,      // client: JOIN sent, waiting for the server's PATH_RESPONSE; server: waiting for the client's
    Established,  // a member of SUBFLOWS
    Failed,       // client: probing with JOINs on fresh path IDs; server: waiting for the client's next JOIN
    Removed,
  };

  runtime::SubflowId id = 0;
  // The subflow's name on the wire (JOIN, PATH_CLOSE): the client's ID for it. The client names subflows; a
  // server numbers its own in the order they appear and learns the client's name from the JOIN (0 = not yet).
  std::uint32_t wire_id = 0;
  int join_announcements_left = 0;  // client: JOINs to attach on the handshake path (names it to the server)
  Route route;
  PathId path{};
  State state = State::Joining;
  bool backup = false;
  bool throttled = false;
  int backup_frames_left = 0;        // BACKUP frames still to attach (sent with the next few datagrams)
  int path_close_frames_left = 0;    // PATH_CLOSE frames still to send for this (removed) subflow

  // ---- protection of the current path ----
  std::uint64_t next_packet_number = 0;
  crypto::ReplayWindow replay;
  // Anti-amplification (RFC 9000 §8): until the peer's address is validated the server sends at most 3× what it
  // received on this path.
  bool validated = false;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  // Our PATH_CHALLENGE data awaiting its response. Each (re)transmission carries fresh data and the previous value
  // stays valid, so a late response still gives an exact RTT sample.
  std::optional<std::uint64_t> challenge, previous_challenge;
  Instant challenge_sent_at, previous_challenge_sent_at;
  std::optional<Instant> challenge_due;        // (re)send the challenge then
  std::optional<std::uint64_t> response_owed;  // the peer's challenge, to echo
  std::optional<Instant> join_due;             // client: when the next JOIN (first or probe) goes out
  Instant join_sent_at;
  bool close_pending = false;                  // CONNECTION_CLOSE to send on this path

  // ---- liveness ----
  Instant last_rx;                        // last authenticated datagram on this path
  std::optional<Instant> keepalive_due;   // send a PING then (path_timeout / 3 after the last receipt)
  bool ping_pending = false;

  // ---- sending side ----
  std::unique_ptr<cc::Controller> cc;
  RttEstimator rtt;
  Scoreboard board;
  Ring<QueuedCopy> queue;  // FIFO; a Ring stops allocating at its peak size
  // No queued copy has a SEQ above this (it may be stale-high after removals): pushes arrive mostly in SEQ order, so
  // enqueue() finds "not queued yet" without scanning the queue.
  std::int64_t queue_max_seq = -1;
  std::optional<Instant> rto_deadline;
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
  std::uint64_t window_mark = 0;     // snd_nxt when the current window began
  std::optional<Instant> last_send;  // RFC 5681 §4.1 idle detection
  // Pacing (token bucket): bytes that may leave now; refilled at pacing_gain × CWND / SRTT.
  double pacing_tokens = 0;
  Instant pacing_refilled;
  std::optional<Instant> pacing_due;  // DATA waits for tokens until then

  // ---- receiving side (the peer's DATA on this path) ----
  std::uint64_t rx_cumulative = 0;   // next subflow seq expected
  std::vector<SeqRange> rx_sacked;   // received above rx_cumulative
  std::uint32_t rx_unacked = 0;      // in-order segments not yet acknowledged
  bool ack_now = false;
  std::optional<Instant> ack_deadline;
  Instant echo;                      // TIMESTAMP of the datagram that triggers the next ACK
  Instant echo_arrival;

  Subflow(Duration initial_rto, Duration min_rto, Duration max_rto) : rtt(initial_rto, min_rto, max_rto) {
    rx_sacked.reserve(32);
  }
  bool available() const { return state == State::Established; }
  std::int64_t cwnd_segments(std::uint32_t mss) const;
  // True if the subflow used its window recently: pipe reached CWND in this or the previous window of data.
  bool cwnd_limited(std::uint32_t mss) const;
  // Starts a fresh path: new path ID, fresh sequence spaces in both directions, protection and validation state.
  void reset_path(PathId new_path);
  bool wants_ack() const { return ack_now; }
};

}  // namespace progmp::transport
