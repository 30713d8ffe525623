// Simulator throughput: a packet source keeps a 50 Mbit/s link saturated (queue never empty) for a span of virtual
// time; reports simulated events per wall-clock second. Each packet costs three events (source tick, tx-done,
// delivery), so this measures the event queue plus the link's per-packet work.
#include <benchmark/benchmark.h>

#include "progmp/sim/link.hpp"

namespace {
using namespace progmp::literals;
using namespace progmp::sim;

struct Discard : PacketSink {
  std::uint64_t n = 0;
  void receive(Simulator&, Packet) override { ++n; }
};

// Emits one 1500-byte packet every `gap`, slightly faster than the link drains, so the queue stays full.
struct Source : EventHandler {
  Source(Link& l, Duration g) : link(&l), gap(g) {}
  Link* link;
  Duration gap;
  std::uint64_t id = 0;
  void on_event(Simulator& sim, std::uint64_t) override {
    link->receive(sim, Packet{0, 1500_B, id++, {}});
    sim.schedule_in(gap, *this);
  }
};

void BM_SaturatedLink(benchmark::State& state) {
  const Duration horizon = Duration::seconds(state.range(0));
  std::uint64_t events = 0;
  for (auto _ : state) {
    Simulator sim;
    Discard sink;
    Link link({.rate = 50_mbps, .delay = 20_ms, .queue_pkts = 100, .loss = LossModel::bernoulli(0.01)},
              Rng::stream(1, 1), sink);
    Source src(link, 230_us);  // 1500 B at 50 Mbit/s takes 240 us
    sim.schedule_in(0_ms, src);
    sim.run_until(Instant::epoch() + horizon);
    events += sim.events_processed();
    benchmark::DoNotOptimize(sink.n);
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SaturatedLink)->Arg(60)->Unit(benchmark::kMillisecond);

}  // namespace
BENCHMARK_MAIN();
