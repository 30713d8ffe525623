// The scheduler runtime (runtime.md): registry, per-connection scheduler instances, the calling model (rounds of
// executions), settling and applying actions, limits and fallback, statistics and trace.
//
// Call protocol (§15.3). The driver (transport glue, simulator, tests) owns a Transport and one Runtime:
//   1. open_connection(conn) once the transport has a connection; on_subflow_created/on_subflow_up as subflows
//      appear.
//   2. Transport events → the on_* callbacks. They only record state changes and raise triggers; none runs a round.
//   3. After completely processing one input (a datagram, a timer expiry), the driver calls poll(conn), which runs
//      exactly one round if a trigger is pending. During a round the runtime calls Transport::enqueue and the
//      queries only.
//   4. API calls (send, set_register, set_scheduler, end_of_flow) call poll themselves before returning.
//   5. close_connection(conn) or on_abort(conn) ends it.
// Time is never read here except to measure execution time: the connection clock is Transport::now_us.
//
// Threading: a Runtime is not thread-safe. Different connections may be processed in parallel only by separate
// Runtime instances. A RoundObserver must not call back into the runtime.
// Lifetimes: the transport, the trace sink and the log sink must outlive the runtime; closing a connection (also
// in the destructor) may write a final print_suppressed record and cancels its idle timer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/runtime/config.hpp"
#include "progmp/runtime/registry.hpp"
#include "progmp/runtime/round.hpp"
#include "progmp/runtime/snapshot.hpp"
#include "progmp/runtime/stats.hpp"
#include "progmp/runtime/status.hpp"
#include "progmp/runtime/trace.hpp"
#include "progmp/runtime/transport.hpp"

namespace progmp::runtime {

class Connection;
struct RuntimeShared;

struct SendOptions {
  std::int64_t user = 0;  // USER of every packet of the call
  bool push = true;       // PSH on the last packet if the whole call is accepted
};

struct SendResult {
  Status status = Status::Ok;   // Ok, UnknownConnection, Closed
  std::size_t accepted = 0;     // min(len, free space of the send buffer)
};

struct SchedulerRef {
  Status status = Status::Ok;   // Ok, UnknownConnection
  std::string name;
  std::uint32_t version = 0;
  bool fallback_active = false;
};

struct RegisterValue {
  Status status = Status::Ok;   // Ok, UnknownConnection, BadRegister
  std::int64_t value = 0;
};

enum class ReinjectCause : std::uint8_t { SubflowTimeout, SubflowFailed, DataRetransmitTimer };

class Runtime {
 public:
  // `transport` must outlive the runtime. `compiler` compiles every loaded source and builtin_minrtt.
  explicit Runtime(Transport& transport, RuntimeConfig config = {},
                   ProgramCompiler compiler = compile_for_interpreter);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // ---- scheduler registry (§2, §11.1) ----
  LoadResult load_scheduler(std::string_view name, std::string_view source);  // writes a `load` trace record
  // An AOT-compiled program (`progmp compile`, docs/engines.md): its embedded source is compiled for the
  // interpreter as by load_scheduler, and the library's code becomes the program's accelerated engine (used by
  // connections on EngineChoice::Auto). BadAbi, with the loader's message as the one diagnostic, for a library
  // that does not load, has another ABI version, fails its source hash check or holds more than one program.
  LoadResult load_scheduler_so(std::string_view name, const std::string& path);
  Status unload_scheduler(std::string_view name);
  Status set_default_scheduler(std::string_view name);
  std::vector<SchedulerInfo> list_schedulers() const;
  const Registry& registry() const;

  // ---- connections ----
  // Creates the runtime side of a transport connection, with the default scheduler. DuplicateConnection if open.
  Status open_connection(ConnId conn);
  // Ends a connection normally: writes a pending print_suppressed record, cancels the idle timer, forgets it.
  Status close_connection(ConnId conn);

  // ---- application API (§11.1); each calls poll(conn) before returning ----
  Status set_scheduler(ConnId conn, std::string_view name);
  SchedulerRef get_scheduler(ConnId conn) const;
  Status set_register(ConnId conn, int k, std::int64_t value);  // k in 1..6
  RegisterValue get_register(ConnId conn, int k) const;
  SendResult send(ConnId conn, std::span<const std::byte> data, SendOptions options = {});
  SendResult send(ConnId conn, std::size_t length, SendOptions options = {});  // zero-filled payload
  Status end_of_flow(ConnId conn);
  Status connection_stats(ConnId conn, ConnectionStats& out) const;
  Status scheduler_stats(std::string_view name, std::optional<std::uint32_t> version, SchedulerStats& out) const;
  Status set_engine(ConnId conn, std::string_view engine);   // Ok, UnknownConnection, BadEngine
  Status set_default_engine(std::string_view engine);        // Ok, BadEngine
  void set_trace(TraceSink* sink, int level);                // sink null: no trace; level clamped to 0..2
  void set_log(LogSink sink);                                // process log of runtime diagnostics
  void set_driver_time(std::int64_t t_us) { driver_time_us_ = t_us; }  // t_us of records without a connection

  // ---- transport callbacks (§8, §15.3): record and raise triggers only ----
  Status on_data_ack(ConnId conn, std::int64_t acked_upto);
  // `changed`: the acknowledgement changed CWND, SKBS_IN_FLIGHT, LOST_SKBS or LOSSY (raises subflow_ack).
  Status on_subflow_ack(ConnId conn, SubflowId subflow, std::uint64_t bytes, bool changed = true);
  Status on_send_space(ConnId conn, SubflowId subflow);  // subflow 0: the peer's data-level window grew
  Status on_reinject(ConnId conn, std::span<const std::int64_t> seqs, ReinjectCause cause);
  Status on_subflow_created(ConnId conn, SubflowId subflow);
  Status on_subflow_up(ConnId conn, SubflowId subflow);
  Status on_subflow_failed(ConnId conn, SubflowId subflow, std::span<const std::int64_t> affected_seqs);
  Status on_subflow_removed(ConnId conn, SubflowId subflow, std::span<const std::int64_t> affected_seqs);
  Status on_backup_changed(ConnId conn, SubflowId subflow);
  Status on_timer(ConnId conn);
  Status on_abort(ConnId conn);

  // Runs one round if a trigger is pending (§5); returns its summary, or nothing.
  std::optional<RoundSummary> poll(ConnId conn);
  // The same, with an observer that sees every execution of the round (tests, tools).
  std::optional<RoundSummary> poll(ConnId conn, RoundObserver& observer);

  // ---- payload and inspection ----
  // Copies up to out.size() payload bytes of the unacknowledged stream starting at `seq`; returns the count.
  std::size_t read_payload(ConnId conn, std::int64_t seq, std::span<std::byte> out) const;
  Status snapshot(ConnId conn, ConnectionSnapshot& out) const;
  bool has_connection(ConnId conn) const;
  // True if the packet starting at `seq` is unacknowledged and was pushed (a member of QU): the transport asks
  // before its data-level retransmission timer requests a reinjection (§15.4.3: never one of a packet never pushed).
  bool is_pushed(ConnId conn, std::int64_t seq) const;

 private:
  Connection* find(ConnId conn) const;
  void trace_load(const LoadResult& r);

  std::unique_ptr<RuntimeShared> shared_;
  std::unique_ptr<Registry> registry_;
  std::map<ConnId, std::unique_ptr<Connection>> conns_;
  std::uint64_t next_conn_index_ = 1;
  std::int64_t driver_time_us_ = 0;
};

}  // namespace progmp::runtime
