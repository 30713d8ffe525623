// The per-connection scheduler instance (runtime.md §3): program, registers, generator, subflow records, the
// SEQ-ordered packet table and the queues Q, QU, RQ, statistics, and the round algorithm (§6) with settling and
// applying (§7.5). Used by Runtime for live connections and by the playground for a connection built from a view,
// so both run the same code.
//
// Call protocol: event members (send, on_*) record changes and raise triggers; run_round() runs one round and
// clears the triggers. Nothing here runs a round by itself.
//
// SENT_ON slots: each subflow record gets a free bit 0..63 of PacketMeta::sent_on when it is created. The bit is
// cleared in the packets a failure or removal reports, and on removal in every packet, after which the slot is
// free for a later subflow. So at most 64 subflows may exist (created and not removed) at a time; more are refused
// with TooManySubflows.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "recycling_allocator.hpp"
#include "json_writer.hpp"
#include "packet_queue.hpp"
#include "payload_buffer.hpp"
#include "progmp/runtime/estimator.hpp"
#include "progmp/runtime/program.hpp"
#include "progmp/runtime/round.hpp"
#include "progmp/runtime/runtime.hpp"
#include "progmp/runtime/snapshot.hpp"
#include "progmp/runtime/stats.hpp"
#include "shared.hpp"

namespace progmp::runtime {

// A packet of the table. `meta` comes first so that the PacketMeta pointers engines put into the effect log can
// be converted back to the record (standard layout, pointer-interconvertible); `epoch`/`flags` are the settling
// scratch of the current execution.
struct PacketRecord {
  PacketMeta meta;
  std::uint64_t epoch = 0;
  std::uint16_t flags = 0;
};
static_assert(std::is_standard_layout_v<PacketRecord>);

// The packet table: ascending SEQ, stable addresses (push_back / pop_front only), no allocation at a steady size.
using PacketTable = std::deque<PacketRecord, RecyclingAllocator<PacketRecord>>;

inline PacketRecord& record_of(const PacketMeta* m) {
  // The records live in a non-const deque; engines only see them as const.
  return *reinterpret_cast<PacketRecord*>(const_cast<PacketMeta*>(m));
}

struct SubflowRecord {
  SubflowId id = 0;
  std::uint8_t slot = 0;
  bool available = false;
  std::int64_t user = 0;
  RateEstimator send_est;
  RateEstimator ack_est;
  std::size_t bytes_index = 0;  // entry in Connection::bytes_by_subflow_
};

struct RoundOptions {
  std::uint64_t max_executions = 0;   // 0: no limit beyond the round's own rules (the playground sets N)
  RoundObserver* observer = nullptr;
};

class Connection {
 public:
  Connection(RuntimeShared& shared, ConnId id, std::uint64_t conn_index, ProgramPtr program);

  ConnId id() const { return id_; }
  std::uint64_t conn_index() const { return conn_index_; }
  const ProgramPtr& program() const { return program_; }
  bool fallback_active() const { return fallback_active_; }
  bool pending() const { return triggers_ != 0; }
  void raise(Trigger t) { triggers_ = static_cast<std::uint16_t>(triggers_ | static_cast<std::uint16_t>(t)); }

  // ---- application side ----
  // Switches program (§11.1): registers kept, every USER := 0, exhaustions := 0, fallback off; raises scheduler_set.
  void set_program(ProgramPtr program);
  void set_engine(EngineChoice e) {
    engine_ = e;
    exe_program_ = nullptr;
  }
  EngineChoice engine() const { return engine_; }
  // The executable that runs `prog` under this connection's engine choice; resolved once per program and choice.
  const Executable& executable_for(const CompiledProgram& prog) {
    if (exe_program_ != &prog) {
      exe_ = &prog.executable(engine_);
      exe_program_ = &prog;
    }
    return *exe_;
  }
  std::int64_t reg(int k) const { return registers_[static_cast<std::size_t>(k - 1)]; }
  void set_reg(int k, std::int64_t v) {
    registers_[static_cast<std::size_t>(k - 1)] = v;
    raise(Trigger::RegisterSet);
  }
  SendResult send(const std::byte* data, std::size_t len, SendOptions opt);  // data null: zeros
  Status end_of_flow();
  std::size_t read_payload(std::int64_t seq, std::span<std::byte> out) const;

  // ---- transport events (§8) ----
  void on_data_ack(std::int64_t acked_upto);
  Status on_subflow_ack(SubflowId sf, std::uint64_t bytes, bool changed);
  void on_reinject(std::span<const std::int64_t> seqs);
  Status on_subflow_created(SubflowId sf);
  Status on_subflow_up(SubflowId sf);
  Status on_subflow_failed(SubflowId sf, std::span<const std::int64_t> affected);
  Status on_subflow_removed(SubflowId sf, std::span<const std::int64_t> affected);
  void on_timer() {
    timer_armed_ = false;
    raise(Trigger::IdleTick);
  }
  bool knows_subflow(SubflowId sf) const { return find_subflow(sf) != nullptr; }

  // ---- the round (§6) ----
  RoundSummary run_round(const RoundOptions& opt);

  // Ends the connection: a pending print_suppressed record, the idle timer cancelled; releases the program.
  void close();

  // ---- inspection ----
  void snapshot(ConnectionSnapshot& out) const;
  void stats(ConnectionStats& out) const;

  // ---- construction from a playground view (§14.3); used before the first round only ----
  void set_registers(const std::array<std::int64_t, 6>& r) { registers_ = r; }
  void set_rng(std::uint64_t x) { rng_ = x; }
  std::uint64_t rng() const { return rng_; }
  const std::array<std::int64_t, 6>& registers() const { return registers_; }
  // Adds a packet with the given metadata and membership (flags in `meta`), in any SEQ order.
  void insert_packet(const PacketMeta& meta);
  SubflowRecord* find_subflow(SubflowId sf);
  const SubflowRecord* find_subflow(SubflowId sf) const;
  const std::vector<SubflowRecord>& subflows() const { return subflows_; }
  const PacketTable& packets() const { return packets_; }
  std::span<const PacketMeta* const> queue(QueueId q) const;
  std::int64_t now_us() const { return now_us_; }
  // The unacknowledged packet starting at `seq`, or nullptr (binary search over the SEQ-ordered table).
  const PacketRecord* packet_at(std::int64_t seq) const;

 private:
  struct ExecOutcome {
    bool aborted = false;
    std::uint64_t steps = 0;
    RoundEnd abort_cause = RoundEnd::StepLimit;
    Progress progress = Progress::None;
  };

  ExecOutcome execute(const CompiledProgram& prog, std::uint32_t index, std::uint64_t allowance,
                      bool round_budget_bound, Stats& d, RoundObserver* observer, bool record);
  void build_subflow_view();
  void write_prints(const CompiledProgram& prog, Stats& d, bool record);
  // Settles pops and drops, then applies the actions (§7.5). Returns the progress classification (packet or state
  // by SET_USER; register changes are judged by the caller).
  Progress settle_and_apply(Stats& d, bool record);
  void exhausted(RoundEnd cause, Stats& d);
  void after_round(bool packet_progress);
  void emit_diag(const char* severity, const char* code, std::string_view message,
                 std::string_view k1 = {}, std::int64_t v1 = 0, std::string_view k2 = {}, std::int64_t v2 = 0,
                 std::string_view str_key = {}, std::string_view str_val = {});
  void write_print_suppressed();
  // Starts a trace record in the workspace line: {"t_us":…,"kind":…,"conn":…,"sched":"name@version" (open).
  JsonWriter begin_record(const char* kind);
  void write_exec_record(const ExecutionReport& rep);
  const std::string& label() const { return running_ ? running_->label : program_->label; }
  bool trace_on(int level) const { return shared_.trace.sink != nullptr && shared_.trace.level >= level; }
  PacketRecord* find_packet(std::int64_t seq);
  void lose_subflow(SubflowRecord& rec, std::span<const std::int64_t> affected);
  void reserve_queues();

  RuntimeShared& shared_;
  ConnId id_;
  std::uint64_t conn_index_;
  ProgramPtr program_;
  EngineChoice engine_;
  const CompiledProgram* exe_program_ = nullptr;  // executable_for cache
  const Executable* exe_ = nullptr;
  bool fallback_active_ = false;
  std::uint32_t exhaustions_ = 0;
  std::array<std::int64_t, 6> registers_{};
  std::uint64_t rng_ = 0;
  std::uint16_t triggers_ = 0;

  PacketTable packets_;
  PacketQueue q_, qu_, rq_;
  PayloadBuffer payload_;
  std::int64_t payload_seq_ = 0;      // SEQ of the first buffered payload byte
  std::int64_t next_seq_ = 0;
  std::int64_t acked_ = 0;
  bool end_of_flow_ = false;
  std::uint64_t epoch_ = 0;           // settling epoch (PacketRecord::epoch)

  std::vector<SubflowRecord> subflows_;  // created and not removed, ascending ID
  std::uint64_t slots_used_ = 0;         // SENT_ON bits in use
  SubflowId last_subflow_id_ = 0;
  std::vector<std::pair<SubflowId, std::uint64_t>> bytes_by_subflow_;

  // Round state.
  std::int64_t now_us_ = 0;
  std::int64_t window_end_ = kUnlimitedWindow;
  std::int64_t mss_ = 1400;
  const CompiledProgram* running_ = nullptr;  // program of the current round (for record labels)
  bool timer_armed_ = false;

  // Once-per-connection flags and stall tracking (§9, §12.3).
  bool r0001_ = false;
  bool r0002_ = false;
  std::optional<std::int64_t> stall_since_us_;
  bool stall_warned_ = false;

  // PRINT rate limit (§12.2), in micro-lines.
  std::int64_t print_tokens_ = 0;
  std::optional<std::int64_t> print_refill_us_;
  std::uint64_t prints_pending_suppressed_ = 0;

  ConnectionStats stats_;
};

}  // namespace progmp::runtime
