// Workloads: cbr (phase rates in bytes per second, blocks, carried remainders, target register, latency with a
// full send buffer) and the nearest-rank latency summary on known inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include <nlohmann/json.hpp>

#include "progmp/sim/latency_summary.hpp"
#include "progmp/sim/workload.hpp"
#include "sim/workload_fake.hpp"

namespace progmp::sim {
namespace {

using json = nlohmann::json;
using testing::at_ms;
using testing::FakeNet;

json report(const WorkloadRunner& w, Instant end) {
  json j;
  w.report(j, end);
  return j;
}

TEST(WorkloadCbr, WritesEachPhaseRateInBlocksAndSetsTheTarget) {
  // 1 MB/s from 0, 2 MB/s from 1 s; 10 slices/s of 100 resp. 200 blocks of 1000 bytes. Large buffer, 5 ms delay:
  // every block's latency is 5 ms. The slice due at 1 s already runs at the new rate.
  CbrWorkload c;
  c.phases = {{0, 1.0}, {1.0, 2.0}};
  c.block_bytes = 1000;
  c.slices_per_s = 10;
  c.user = 7;
  c.target_register = 2;
  Simulator sim;
  FakeNet net(sim, 100'000'000, Duration::millis(5));
  auto w = make_workload(c, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until(at_ms(1999));
  EXPECT_EQ(net.accepted_between(0, 1), 1'000'000u);
  EXPECT_EQ(net.accepted_between(1, 2), 2'000'000u);
  EXPECT_EQ(net.accepted_between(1, 1.001), 200'000u);
  EXPECT_EQ(net.calls.size(), 3000u);
  for (const auto& call : net.calls) {
    EXPECT_EQ(call.asked, 1000u);
    EXPECT_EQ(call.accepted, 1000u);
    EXPECT_EQ(call.user, 7);
    EXPECT_TRUE(call.push);
    EXPECT_EQ(call.t_ns % 100'000'000, 0);  // on a slice boundary
  }
  ASSERT_EQ(net.registers.size(), 2u);
  EXPECT_EQ(net.registers[0].t_ns, 0);
  EXPECT_EQ(net.registers[0].k, 2);
  EXPECT_EQ(net.registers[0].value, 1'000'000);
  EXPECT_EQ(net.registers[1].t_ns, 1'000'000'000);
  EXPECT_EQ(net.registers[1].value, 2'000'000);
  EXPECT_FALSE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["type"], "cbr");
  EXPECT_EQ(r["blocks_sent"], 3000);
  EXPECT_EQ(r["blocks_delivered"], 3000);
  EXPECT_EQ(r["latency_ms"], json::parse(R"({"p50":5.0,"p90":5.0,"p95":5.0,"p99":5.0,"mean":5.0,"max":5.0})"));
  EXPECT_DOUBLE_EQ(r["rate_mbyte_s"].get<double>(), 3.0 / 1.999);  // 3·10^6 bytes from 0 to 1.999 s
}

TEST(WorkloadCbr, CarriesFractionalBytesAndSplitsSlicesIntoBlocks) {
  {
    // 1050 bytes/s in 100 slices: 10.5 bytes per slice → 10, 11, 10, 11, ...; exactly 1050 bytes in one second.
    CbrWorkload c;
    c.phases = {{0, 0.00105}};
    c.slices_per_s = 100;
    Simulator sim;
    FakeNet net(sim, 1'000'000, Duration::millis(1));
    auto w = make_workload(c, 1, 0);
    net.add(*w);
    net.start();
    sim.run_until(at_ms(999));
    ASSERT_EQ(net.calls.size(), 100u);
    for (std::size_t i = 0; i < net.calls.size(); ++i) {
      EXPECT_EQ(net.calls[i].accepted, i % 2 == 0 ? 10u : 11u) << i;
      EXPECT_EQ(net.calls[i].t_ns, static_cast<std::int64_t>(i) * 10'000'000) << i;
    }
    EXPECT_EQ(net.accepted_between(0, 1), 1050u);
  }
  {
    // 12500 bytes/s in 10 slices of 1250 bytes, blocks of 1000: 1000 + 250 per slice, from 2 s.
    CbrWorkload c;
    c.phases = {{2, 0.0125}};
    c.block_bytes = 1000;
    Simulator sim;
    FakeNet net(sim, 1'000'000, Duration::millis(1));
    auto w = make_workload(c, 1, 0);
    net.add(*w);
    net.start();
    sim.run_until(at_ms(2150));
    ASSERT_EQ(net.calls.size(), 4u);
    EXPECT_EQ(net.calls[0].t_ns, 2'000'000'000);
    EXPECT_EQ(net.calls[0].accepted, 1000u);
    EXPECT_EQ(net.calls[1].accepted, 250u);
    EXPECT_EQ(net.calls[2].t_ns, 2'100'000'000);
    EXPECT_EQ(net.calls[3].accepted, 250u);
  }
}

TEST(WorkloadCbr, LatencyCountsWaitingForTheSendBuffer) {
  // Two 1000-byte blocks per slice (0.02 MB/s, 10 slices/s), a buffer of one block, 10 ms delay. The first block
  // of a slice is delivered after 10 ms; the second waits for that delivery, is sent at +10 ms and delivered at
  // +20 ms after its due time. One second: 10 latencies of 10 ms and 10 of 20 ms.
  CbrWorkload c;
  c.phases = {{0, 0.02}};
  c.block_bytes = 1000;
  Simulator sim;
  FakeNet net(sim, 1000, Duration::millis(10));
  auto w = make_workload(c, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until(at_ms(999));
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["blocks_sent"], 20);
  EXPECT_EQ(r["blocks_delivered"], 20);
  // Nearest rank over [10 ×10, 20 ×10]: p50 = 10th value, p90 = 18th, p95 = 19th, p99 = 20th.
  EXPECT_EQ(r["latency_ms"], json::parse(R"({"p50":10.0,"p90":20.0,"p95":20.0,"p99":20.0,"mean":15.0,"max":20.0})"));
  std::uint64_t accepted = 0;
  for (const auto& call : net.calls) accepted += call.accepted;
  EXPECT_EQ(accepted, 20'000u);
}

TEST(LatencySummary, NearestRankOnKnownInputs) {
  std::vector<double> v(100);
  std::iota(v.begin(), v.end(), 1.0);  // 1 .. 100
  std::reverse(v.begin(), v.end());    // order must not matter
  LatencySummary s = summarize(v);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.p50, 50.0);
  EXPECT_EQ(s.p90, 90.0);
  EXPECT_EQ(s.p95, 95.0);
  EXPECT_EQ(s.p99, 99.0);
  EXPECT_EQ(s.mean, 50.5);
  EXPECT_EQ(s.max, 100.0);

  s = summarize({3, 1, 2});  // ranks ceil(0.5·3) = 2, ceil(0.9·3) = 3
  EXPECT_EQ(s.p50, 2.0);
  EXPECT_EQ(s.p90, 3.0);
  EXPECT_EQ(s.mean, 2.0);

  s = summarize({7});
  EXPECT_EQ(s.p50, 7.0);
  EXPECT_EQ(s.p99, 7.0);

  json j;
  to_json(j, summarize({}));
  EXPECT_TRUE(j.is_null());
  to_json(j, summarize({4, 2}));
  EXPECT_EQ(j, json::parse(R"({"p50":2.0,"p90":4.0,"p95":4.0,"p99":4.0,"mean":3.0,"max":4.0})"));
}

}  // namespace
}  // namespace progmp::sim
