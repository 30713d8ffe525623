// Spellings of the runtime's enumerations, as used by the API, the trace and `progmp run` (runtime.md §6.3,
// §7.5, §11.1, §14.4).
#include "progmp/runtime/program.hpp"
#include "progmp/runtime/round.hpp"
#include "progmp/runtime/status.hpp"

namespace progmp::runtime {

const char* status_name(Status s) {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::NoName: return "no_name";
    case Status::ReservedName: return "reserved_name";
    case Status::BadName: return "bad_name";
    case Status::CompileError: return "compile_error";
    case Status::BadAbi: return "bad_abi";
    case Status::UnknownScheduler: return "unknown_scheduler";
    case Status::Builtin: return "builtin";
    case Status::IsDefault: return "is_default";
    case Status::UnknownConnection: return "unknown_connection";
    case Status::DuplicateConnection: return "duplicate_connection";
    case Status::BadRegister: return "bad_register";
    case Status::Closed: return "closed";
    case Status::BadEngine: return "bad_engine";
    case Status::UnknownSubflow: return "unknown_subflow";
    case Status::BadSubflow: return "bad_subflow";
    case Status::TooManySubflows: return "too_many_subflows";
  }
  return "?";
}

const char* trigger_name(Trigger t) {
  switch (t) {
    case Trigger::AppData: return "app_data";
    case Trigger::DataAck: return "data_ack";
    case Trigger::SubflowAck: return "subflow_ack";
    case Trigger::SendSpace: return "send_space";
    case Trigger::Reinject: return "reinject";
    case Trigger::SubflowUp: return "subflow_up";
    case Trigger::SubflowDown: return "subflow_down";
    case Trigger::BackupChanged: return "backup_changed";
    case Trigger::RegisterSet: return "register_set";
    case Trigger::SchedulerSet: return "scheduler_set";
    case Trigger::IdleTick: return "idle_tick";
  }
  return "?";
}

const char* round_end_name(RoundEnd e) {
  switch (e) {
    case RoundEnd::NoProgress: return "no_progress";
    case RoundEnd::StateOnlyLimit: return "state_only_limit";
    case RoundEnd::Idle: return "idle";
    case RoundEnd::ExecCap: return "exec_cap";
    case RoundEnd::StepLimit: return "step_limit";
    case RoundEnd::RoundSteps: return "round_steps";
    case RoundEnd::ActionLimit: return "action_limit";
    case RoundEnd::ExecutionsLimit: return "executions_limit";
  }
  return "?";
}

bool is_exhaustion(RoundEnd e) {
  return e == RoundEnd::ExecCap || e == RoundEnd::StepLimit || e == RoundEnd::RoundSteps ||
         e == RoundEnd::ActionLimit;
}

const char* exec_end_name(ExecEnd e) {
  switch (e) {
    case ExecEnd::End: return "end";
    case ExecEnd::Return: return "return";
    case ExecEnd::StepLimit: return "step_limit";
    case ExecEnd::RoundSteps: return "round_steps";
    case ExecEnd::ActionLimit: return "action_limit";
  }
  return "?";
}

const char* action_result_name(ActionResult r) {
  switch (r) {
    case ActionResult::Queued: return "queued";
    case ActionResult::Deduplicated: return "deduplicated";
    case ActionResult::Removed: return "removed";
    case ActionResult::Refused: return "refused";
    case ActionResult::NoEffect: return "no_effect";
    case ActionResult::Changed: return "changed";
    case ActionResult::Unchanged: return "unchanged";
  }
  return "?";
}

const char* pop_outcome_name(PopOutcome o) {
  switch (o) {
    case PopOutcome::KeptOut: return "kept_out";
    case PopOutcome::Returned: return "returned";
    case PopOutcome::DropRefused: return "drop_refused";
  }
  return "?";
}

const char* progress_name(Progress p) {
  switch (p) {
    case Progress::None: return "none";
    case Progress::State: return "state";
    case Progress::Packet: return "packet";
  }
  return "?";
}

bool parse_engine(std::string_view name, EngineChoice& out) {
  for (EngineChoice e : {EngineChoice::Interp, EngineChoice::Aot, EngineChoice::Jit, EngineChoice::Ebpf,
                         EngineChoice::Auto}) {
    if (name != engine_choice_name(e)) continue;
#ifndef PROGMP_HAVE_JIT
    if (e == EngineChoice::Jit) return false;
#endif
#ifndef PROGMP_HAVE_EBPF
    if (e == EngineChoice::Ebpf) return false;
#endif
    out = e;
    return true;
  }
  return false;
}

const char* engine_choice_name(EngineChoice e) {
  switch (e) {
    case EngineChoice::Interp: return "interp";
    case EngineChoice::Aot: return "aot";
    case EngineChoice::Jit: return "jit";
    case EngineChoice::Ebpf: return "ebpf";
    case EngineChoice::Auto: return "auto";
  }
  return "?";
}

std::string available_engine_names() {
  std::string out = "interp, aot";
#ifdef PROGMP_HAVE_JIT
  out += ", jit";
#endif
#ifdef PROGMP_HAVE_EBPF
  out += ", ebpf";
#endif
  return out + ", auto";
}

}  // namespace progmp::runtime
