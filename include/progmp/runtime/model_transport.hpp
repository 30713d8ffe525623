// An in-memory model of a transport for tests and examples: per-subflow send queues of untransmitted copies and
// lists of in-flight copies, settable subflow values, and inputs that acknowledge, fail, remove, reinject or fire
// the idle timer. It is driven like a real transport: each input updates the model, makes the runtime callbacks
// (§15.3) and then calls Runtime::poll (unless auto_poll is off, for tests of trigger coalescing).
//
// Reported values: QUEUED = copies in the model's send queue + values.queued; SKBS_IN_FLIGHT = copies in flight +
// values.in_flight (the `values` counts stand for copies the model does not track, e.g. of a scenario's past).
// Nothing is transmitted unless the test calls transmit().
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "progmp/runtime/runtime.hpp"
#include "progmp/runtime/transport.hpp"

namespace progmp::runtime {

class ModelTransport final : public Transport {
 public:
  struct Copy {
    std::int64_t seq = 0;
    std::int64_t length = 0;
  };
  struct Subflow {
    SubflowId id = 0;
    SubflowValues values;       // everything except the tracked copies
    std::deque<Copy> queue;     // untransmitted copies, FIFO
    std::deque<Copy> in_flight; // transmitted, not yet acknowledged on the subflow
    bool up = false;
  };
  struct Conn {
    std::int64_t now_us = 0;
    std::int64_t window_end = kUnlimitedWindow;
    std::int64_t mss = 1400;
    std::optional<std::int64_t> timer_at;
    SubflowId next_id = 1;
    std::map<SubflowId, Subflow> subflows;
    std::vector<std::pair<SubflowId, std::int64_t>> enqueued;  // every queued copy, in order
    std::uint64_t deduplicated = 0;
  };

  // Must be called once before any input.
  void attach(Runtime& runtime) { rt_ = &runtime; }
  void set_auto_poll(bool on) { auto_poll_ = on; }

  // ---- inputs (each ends with poll when auto_poll is on) ----
  void open(ConnId c);                                  // model state + Runtime::open_connection
  SubflowId add_subflow(ConnId c, const SubflowValues& v, bool establish = true);
  void establish(ConnId c, SubflowId s);                // on_subflow_up
  // Transmits queued copies FIFO while the pipe is below CWND (and at most `max`); returns how many.
  std::size_t transmit(ConnId c, SubflowId s, std::size_t max = SIZE_MAX);
  // Acknowledges the oldest `n` in-flight copies on the subflow (on_subflow_ack with their bytes).
  void ack_subflow(ConnId c, SubflowId s, std::size_t n);
  void ack_data(ConnId c, std::int64_t acked_upto);     // discards copies of acknowledged packets; on_data_ack
  void fail(ConnId c, SubflowId s);                     // reports and discards queued and in-flight copies
  void recover(ConnId c, SubflowId s);                  // on_subflow_up of a failed subflow
  void remove(ConnId c, SubflowId s);
  void timeout(ConnId c, SubflowId s);                  // RTO: reinjection of the copies in flight on it
  void reinject(ConnId c, std::vector<std::int64_t> seqs);
  void fire_timer(ConnId c);                            // the idle timer expired
  void set_backup(ConnId c, SubflowId s, bool backup);
  void send_space(ConnId c, SubflowId s);
  void set_now(ConnId c, std::int64_t now_us) { conn(c).now_us = now_us; }
  void set_window_end(ConnId c, std::int64_t w) { conn(c).window_end = w; }
  void set_mss(ConnId c, std::int64_t mss) { conn(c).mss = mss; }

  // ---- observation and direct manipulation (no callbacks) ----
  Conn& conn(ConnId c) { return conns_.at(c); }
  Subflow& subflow(ConnId c, SubflowId s) { return conns_.at(c).subflows.at(s); }
  SubflowValues& values(ConnId c, SubflowId s) { return subflow(c, s).values; }

  // ---- Transport ----
  EnqueueResult enqueue(ConnId conn, SubflowId subflow, const PacketMeta& packet) override;
  void arm_timer(ConnId conn, std::int64_t at_us) override { conns_.at(conn).timer_at = at_us; }
  void cancel_timer(ConnId conn) override { conns_.at(conn).timer_at.reset(); }
  std::int64_t now_us(ConnId conn) override { return conns_.at(conn).now_us; }
  void subflow_values(ConnId conn, SubflowId subflow, SubflowValues& out) override;
  std::int64_t window_end(ConnId conn) override { return conns_.at(conn).window_end; }
  std::int64_t mss(ConnId conn) override { return conns_.at(conn).mss; }

 private:
  void poll(ConnId c) {
    if (auto_poll_) rt_->poll(c);
  }
  std::vector<std::int64_t> drop_copies(Subflow& s);

  Runtime* rt_ = nullptr;
  bool auto_poll_ = true;
  std::map<ConnId, Conn> conns_;
};

}  // namespace progmp::runtime
