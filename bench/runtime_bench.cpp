// The whole scheduling path, as the ProgMP paper measured it: packets sent by the application, scheduled in rounds
// by the runtime, transmitted, acknowledged at subflow and data level, on the in-memory model transport. The same
// minimum-RTT logic runs once as a ProgMP program on the interpreter and once as hand-written C++ plugged into the
// same engine ABI, so the ratio shows what interpretation costs per scheduled packet in context.
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
void scheduling_path(benchmark::State& state, bool native, int subflows) {
  ModelTransport model;
  Runtime rt(model, RuntimeConfig{}, compile);
  model.attach(rt);
  rt.set_log([](std::string_view) {});
  if (native) {
    rt.load_scheduler("native_minrtt", kNativeSource);
    rt.set_default_scheduler("native_minrtt");
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
  for (int n : kSubflows) {
    benchmark::RegisterBenchmark(("minrtt_path/" + std::to_string(n) + "/native").c_str(), scheduling_path, true, n);
    benchmark::RegisterBenchmark(("minrtt_path/" + std::to_string(n) + "/interp").c_str(), scheduling_path, false, n);
  }
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nns per scheduled packet through the runtime (send, rounds, transmit, acks), one run:\n");
  std::printf("%9s %10s %10s %7s\n", "subflows", "native", "interp", "ratio");
  for (int n : kSubflows) {
    const auto a = reporter.ns_per_packet.find("minrtt_path/" + std::to_string(n) + "/native");
    const auto b = reporter.ns_per_packet.find("minrtt_path/" + std::to_string(n) + "/interp");
    if (a == reporter.ns_per_packet.end() || b == reporter.ns_per_packet.end()) continue;
    std::printf("%9d %10.1f %10.1f %6.2fx\n", n, a->second, b->second, b->second / a->second);
  }
  benchmark::Shutdown();
  return 0;
}
