// State a runtime instance shares among its connections: the transport, the limits, the trace and log sinks and
// the execution workspace. Connections are processed one at a time, so one workspace serves them all (the
// "scratch arena shared by the connections of one worker", runtime.md §10.2).
#pragma once

#include <string>
#include <vector>

#include "progmp/exec/effect_log.hpp"
#include "progmp/exec/engine.hpp"
#include "progmp/runtime/config.hpp"
#include "progmp/runtime/print_format.hpp"
#include "progmp/runtime/program.hpp"
#include "progmp/runtime/round.hpp"
#include "progmp/runtime/trace.hpp"
#include "progmp/runtime/transport.hpp"

namespace progmp::runtime {

struct PacketRecord;

// Buffers of one execution. Everything here is reserved once and reused: executions, settling and applying do not
// allocate in steady state (grown between executions when the queues grow).
struct ExecWorkspace {
  ExecWorkspace() {
    subflows.reserve(kMaxSubflows);
    subflow_record.reserve(kMaxSubflows);
    prints.resize(kMaxPrintsPerExecution);
  }

  ExecScratch scratch;
  EffectLog log;
  std::vector<SubflowSnapshot> subflows;     // SUBFLOWS of the current execution
  std::vector<std::size_t> subflow_record;   // position in SUBFLOWS → index of the connection's subflow record
  std::vector<PacketRecord*> touched;        // packets popped, pushed or dropped by the execution
  std::vector<ActionReport> actions;         // filled only when the execution is being recorded
  std::vector<PopReport> pops;
  std::vector<std::string> prints;           // formatted PRINT texts of the execution (first n_prints)
  std::size_t n_prints = 0;
  PrintFormatter formatter;
  std::string line;                          // trace record being written
};

struct TraceOut {
  TraceSink* sink = nullptr;
  int level = 0;
  LogSink log;
};

struct RuntimeShared {
  Transport* transport = nullptr;
  RuntimeConfig config;
  ProgramPtr builtin;                         // the fallback program (§6.4)
  EngineChoice default_engine = EngineChoice::Auto;
  bool profiling = false;                     // Runtime::set_profiling: executions count on the interpreter
  TraceOut trace;
  ExecWorkspace ws;
};

}  // namespace progmp::runtime
