// Vocabulary of rounds and executions (runtime.md §5, §6, §7.5, §14.4): triggers, how a round ended, what each
// action and pop of an execution came to, and the per-execution report that the exec trace record and the
// playground print.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "progmp/exec/effect_log.hpp"
#include "progmp/runtime/transport.hpp"

namespace progmp::runtime {

// Reasons for a round (§5), as bits; the trace lists them in this order.
enum class Trigger : std::uint16_t {
  AppData = 1u << 0,
  DataAck = 1u << 1,
  SubflowAck = 1u << 2,
  SendSpace = 1u << 3,
  Reinject = 1u << 4,
  SubflowUp = 1u << 5,
  SubflowDown = 1u << 6,
  BackupChanged = 1u << 7,
  RegisterSet = 1u << 8,
  SchedulerSet = 1u << 9,
  IdleTick = 1u << 10,
};
inline constexpr int kTriggerCount = 11;
const char* trigger_name(Trigger t);  // "app_data", "data_ack", ...

enum class RoundEnd : std::uint8_t {
  NoProgress, StateOnlyLimit, Idle, ExecCap, StepLimit, RoundSteps, ActionLimit,
  ExecutionsLimit,  // playground only: --executions stopped a round that would have continued
};
const char* round_end_name(RoundEnd e);  // "no_progress", "state_only_limit", ...
bool is_exhaustion(RoundEnd e);           // exec_cap, step_limit, round_steps, action_limit

// How one execution ended, as reported: StepLimit of the engine becomes RoundSteps when the round budget (not the
// execution's own limit) was the allowance (§7.2).
enum class ExecEnd : std::uint8_t { End, Return, StepLimit, RoundSteps, ActionLimit };
inline constexpr int kExecEndCount = 5;
const char* exec_end_name(ExecEnd e);  // "end", "return", "step_limit", "round_steps", "action_limit"

enum class ActionResult : std::uint8_t { Queued, Deduplicated, Removed, Refused, NoEffect, Changed, Unchanged };
const char* action_result_name(ActionResult r);  // "queued", "deduplicated", "removed", "refused", "no_effect", ...

enum class PopOutcome : std::uint8_t { KeptOut, Returned, DropRefused };
const char* pop_outcome_name(PopOutcome o);  // "kept_out", "returned", "drop_refused"

enum class Progress : std::uint8_t { None, State, Packet };
const char* progress_name(Progress p);  // "none", "state", "packet"

// One PUSH, DROP or SET_USER of an execution with its result (§7.5).
struct ActionReport {
  EffectKind op = EffectKind::Push;  // Push, Drop or SetUser
  SubflowId subflow = 0;             // Push, SetUser
  std::int64_t seq = 0;              // Push, Drop
  QueueId origin = QueueId::Q;       // Push, Drop
  std::int64_t value = 0;            // SetUser
  ActionResult result = ActionResult::NoEffect;
};

struct PopReport {
  QueueId queue = QueueId::Q;
  std::int64_t seq = 0;
  PopOutcome outcome = PopOutcome::Returned;
};

// Everything observable about one execution. Spans point into runtime buffers valid only during the callback.
struct ExecutionReport {
  std::uint32_t index = 0;  // 1-based within the round
  ExecEnd end = ExecEnd::End;
  bool aborted = false;
  std::uint64_t steps = 0;
  std::span<const ActionReport> actions;  // empty when aborted
  std::span<const PopReport> pops;        // empty when aborted
  std::array<std::int64_t, 6> registers{};  // after the execution (before it, when aborted)
  std::span<const std::string> prints;      // texts logged by the execution (none when aborted)
  Progress progress = Progress::None;
  std::uint32_t discarded = 0;                       // aborted: PUSH/DROP/SET_USER actions thrown away
  std::span<const std::string> discarded_prints;     // aborted: PRINT texts thrown away
};

// Receives every execution of a round as it happens (the playground; tests).
class RoundObserver {
 public:
  virtual ~RoundObserver() = default;
  virtual void on_execution(const ExecutionReport& report) = 0;
};

struct RoundSummary {
  RoundEnd end = RoundEnd::NoProgress;
  std::uint16_t reasons = 0;      // Trigger bits that caused the round
  std::uint64_t executions = 0;
  std::uint64_t steps = 0;
  std::uint64_t pushes = 0;       // queued PUSHes
  bool fallback = false;          // the round ran builtin_minrtt as the fallback (§6.4)
  bool packet_progress = false;   // some execution of the round made packet progress
};

}  // namespace progmp::runtime
