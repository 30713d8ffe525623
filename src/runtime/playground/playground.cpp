// One playground round (runtime.md §14.3): the view becomes a Connection over a PlaygroundTransport, and the round
// runs with the same code as live connections; afterwards the connection is read back into a view.
#include <algorithm>
#include <memory>
#include <set>

#include "../connection.hpp"
#include "../shared.hpp"
#include "playground_transport.hpp"
#include "progmp/runtime/playground.hpp"

namespace progmp::runtime {
namespace {

struct Collector final : RoundObserver {
  void on_execution(const ExecutionReport& r) override {
    PlaygroundExecution e;
    e.index = r.index;
    e.end = r.end;
    e.aborted = r.aborted;
    e.steps = r.steps;
    e.actions.assign(r.actions.begin(), r.actions.end());
    e.pops.assign(r.pops.begin(), r.pops.end());
    e.registers = r.registers;
    e.prints.assign(r.prints.begin(), r.prints.end());
    e.progress = r.progress;
    e.discarded = r.discarded;
    e.discarded_prints.assign(r.discarded_prints.begin(), r.discarded_prints.end());
    executions.push_back(std::move(e));
  }
  std::vector<PlaygroundExecution> executions;
};


}  // namespace

PlaygroundResult run_playground(const CompiledCode& code, std::string_view name, const PlaygroundView& view,
                                const PlaygroundOptions& options) {
  PlaygroundResult result;
  result.scheduler = std::string(name);
  PlaygroundTransport transport(view);
  RuntimeShared shared;
  shared.transport = &transport;
  shared.config.print_rate_limit = false;
  shared.trace.log = [&](std::string_view line) { result.runtime_diagnostics.emplace_back(line); };
  const ProgramPtr program = make_program(std::string(name), 1, code, std::make_shared<ProgramUsage>());
  if (options.engine != EngineChoice::Auto && options.engine != EngineChoice::Interp) {
    (void)program->executable(options.engine);  // built now: an engine that cannot run the program is an error
    result.engine_error = program->engine_error(options.engine);
    if (!result.engine_error.empty()) return result;
  }
  Connection conn(shared, 1, 1, program);
  conn.set_engine(options.engine);
  const std::int64_t now = view.time_ms * 1000;

  // Every subflow ID the view mentions gets a record (and so a SENT_ON slot); listed ones are available.
  std::set<std::int64_t> ids;
  for (const ViewSubflow& s : view.subflows) ids.insert(s.id);
  for (const ViewPacket& p : view.packets) ids.insert(p.sent_on.begin(), p.sent_on.end());
  for (std::int64_t id : ids) conn.on_subflow_created(static_cast<SubflowId>(id));
  for (const ViewSubflow& s : view.subflows) {
    conn.on_subflow_up(static_cast<SubflowId>(s.id));
    SubflowRecord* rec = conn.find_subflow(static_cast<SubflowId>(s.id));
    rec->user = s.user;
    // An estimator seeded with its value at the view's time reads that value now and adds pushes to it (§14.3).
    rec->send_est.seed(static_cast<std::uint64_t>(s.bw_out_send), now);
    rec->ack_est.seed(static_cast<std::uint64_t>(s.bw_out_ack), now);
  }
  for (const ViewPacket& p : view.packets) {
    PacketMeta m;
    m.seq = p.seq;
    m.length = p.length;
    m.user = p.user;
    m.t_app_us = now - p.age_ms * 1000;
    m.psh = p.psh;
    m.in_q = p.in_q;
    m.pushed = p.in_qu;
    m.in_rq = p.in_rq;
    for (std::int64_t id : p.sent_on) m.sent_on |= std::uint64_t{1} << conn.find_subflow(static_cast<SubflowId>(id))->slot;
    conn.insert_packet(m);
  }
  conn.set_registers(view.registers);
  conn.set_rng(view.random_seed);

  Collector collector;
  RoundOptions opt;
  opt.max_executions = std::max<std::uint64_t>(1, options.executions);
  opt.observer = &collector;
  const RoundSummary sum = conn.run_round(opt);
  result.executions = std::move(collector.executions);
  result.round_end = sum.end;

  // Read the connection back into a view.
  PlaygroundView& after = result.view_after;
  after.version = 1;
  after.time_ms = view.time_ms;
  after.registers = conn.registers();
  after.random_seed = conn.rng();
  after.window_end = view.window_end;
  after.mss = view.mss;
  for (const ViewSubflow& in : view.subflows) {
    ViewSubflow s = transport.subflow(static_cast<SubflowId>(in.id));
    const SubflowRecord* rec = conn.find_subflow(static_cast<SubflowId>(in.id));
    s.user = rec->user;
    s.bw_out_send = rec->send_est.value(now);
    s.bw_out_ack = rec->ack_est.value(now);
    after.subflows.push_back(s);
  }
  for (const PacketRecord& r : conn.packets()) {
    ViewPacket p;
    p.seq = r.meta.seq;
    p.length = r.meta.length;
    p.user = r.meta.user;
    p.psh = r.meta.psh;
    p.age_ms = (now - r.meta.t_app_us) / 1000;
    for (const SubflowRecord& s : conn.subflows()) {
      if ((r.meta.sent_on >> s.slot) & 1u) p.sent_on.push_back(s.id);
    }
    for (SubflowId id : transport.queued_on(p.seq)) p.queued_on.push_back(id);
    p.in_q = r.meta.in_q;
    p.in_qu = r.meta.pushed;
    p.in_rq = r.meta.in_rq;
    after.packets.push_back(std::move(p));
  }
  conn.close();
  return result;
}

}  // namespace progmp::runtime
