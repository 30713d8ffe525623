// The whole scheduling path, as the ProgMP paper measured it: packets sent by the application, scheduled in rounds
// by the runtime, transmitted, acknowledged at subflow and data level, on the in-memory model transport. The same
// minimum-RTT logic runs once as a ProgMP program on the interpreter and once as hand-written C++ plugged into the
// same engine ABI, so the ratio shows what interpretation costs per scheduled packet in context; the program also
// runs on the JIT and eBPF engines when this build has them.
//
//   runtime_bench [google benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "progmp/bench/decision.hpp"
#include "progmp/runtime/builtin.hpp"
#include "progmp/runtime/model_transport.hpp"
#include "progmp/runtime/program.hpp"
#include "progmp/runtime/runtime.hpp"

namespace {

using namespace progmp;
using namespace progmp::runtime;

// builtin_minrtt's logic as an engine: what a perfect compiler would produce.
class NativeMinRtt final : public Executable {
 public:
  std::string_view engine_name() const override { return "native"; }
  void prepare(const SchedulerView&, ExecScratch&) const override {}
  ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const override {
    bench::native_scheduler("minrtt")(view, state, log);
    return ExecResult{EndCause::End, 1, 0};
  }
};

constexpr std::string_view kNativeSource = "// native minrtt";

CompiledCode compile(std::string_view source) {
  if (source != kNativeSource) return compile_for_interpreter(source);
  CompiledCode c;
  c.ok = true;
  c.interp = std::make_shared<NativeMinRtt>();
  return c;
}

// Sends `burst` packets per iteration over `subflows` subflows, transmits and acknowledges them all.
void scheduling_path(benchmark::State& state, std::string engine, int subflows) {
  ModelTransport model;
  Runtime rt(model, RuntimeConfig{}, compile);
  model.attach(rt);
  rt.set_log([](std::string_view) {});
  if (engine == "native") {
    rt.load_scheduler("native_minrtt", kNativeSource);
    rt.set_default_scheduler("native_minrtt");
  } else if (rt.set_default_engine(engine) != Status::Ok) {
    state.SkipWithError("engine not available");
    return;
  }
  const ConnId c = 1;
  model.open(c);
  std::vector<SubflowId> ids;
  for (int i = 0; i < subflows; ++i) {
    SubflowValues v;
    v.srtt_us = 10000 + 5000 * i;
    v.cwnd = 10;
    ids.push_back(model.add_subflow(c, v));
  }
  const int burst = 7 * subflows;  // fits into the windows: every packet is scheduled in the same round
  const std::int64_t mss = 1400;
  std::int64_t sent = 0, now = 0;
  std::uint64_t packets = 0;
  for (auto _ : state) {
    now += 1000;
    model.set_now(c, now);
    rt.send(c, static_cast<std::size_t>(burst * mss));
    sent += burst * mss;
    for (SubflowId id : ids) {
      model.transmit(c, id);
      const std::size_t n = model.subflow(c, id).in_flight.size();
      if (n) model.ack_subflow(c, id, n);
    }
    model.ack_data(c, sent);
    packets += static_cast<std::uint64_t>(burst);
  }
  ConnectionSnapshot s;
  rt.snapshot(c, s);
  if (!s.packets.empty()) state.SkipWithError("packets left unacknowledged: the benchmark is not steady");
  state.counters["ns_per_packet"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns_per_packet;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      auto it = r.counters.find("ns_per_packet");
      if (r.run_type == Run::RT_Iteration && it != r.counters.end()) ns_per_packet[r.benchmark_name()] = it->second * 1e9;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int kSubflows[] = {1, 2, 4, 8};
  std::vector<std::string> engines = {"native", "interp"};
  for (const char* e : {"jit", "ebpf"}) {
    EngineChoice choice;
    if (parse_engine(e, choice)) engines.push_back(e);
  }
  for (int n : kSubflows)
    for (const std::string& e : engines)
      benchmark::RegisterBenchmark(("minrtt_path/" + std::to_string(n) + "/" + e).c_str(), scheduling_path, e, n);
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nns per scheduled packet through the runtime (send, rounds, transmit, acks), one run; ratio to native:\n");
  std::printf("%9s", "subflows");
  for (const std::string& e : engines) std::printf(" %10s", e.c_str());
  for (std::size_t i = 1; i < engines.size(); ++i) std::printf(" %10s", (engines[i] + "/nat").c_str());
  std::printf("\n");
  for (int n : kSubflows) {
    std::vector<double> ns;
    for (const std::string& e : engines) {
      const auto it = reporter.ns_per_packet.find("minrtt_path/" + std::to_string(n) + "/" + e);
      ns.push_back(it == reporter.ns_per_packet.end() ? -1 : it->second);
    }
    std::printf("%9d", n);
    for (double v : ns) std::printf(" %10.1f", v);
    for (std::size_t i = 1; i < ns.size(); ++i) std::printf(" %9.2fx", ns[0] > 0 && ns[i] > 0 ? ns[i] / ns[0] : 0.0);
    std::printf("\n");
  }
  benchmark::Shutdown();
  return 0;
}
