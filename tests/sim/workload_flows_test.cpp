// Workloads: flows. Sequential arrivals start when the previous flow is delivered, Poisson arrivals follow the
// documented draws of the workload's random stream, overlapping flows are written whole in FIFO order, FCTs equal
// the fake network's delivery model, and the end-of-flow register follows the writes.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "progmp/sim/rng.hpp"
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

FlowsWorkload flows(std::vector<std::uint64_t> sizes, std::uint64_t count, const char* arrival = "sequential") {
  FlowsWorkload f;
  f.sizes = std::move(sizes);
  f.count = count;
  f.arrival = arrival;
  return f;
}

TEST(WorkloadFlows, SequentialFlowStartsWhenThePreviousIsDelivered) {
  // 10^6 bytes/s and 10 ms delay: a flow of n bytes takes n µs + 10 ms. Sizes cycle 1000, 5000, 1000:
  // flow 0 at 500 ms → done 511; flow 1 at 511 → 511 + 5 + 10 = 526; flow 2 at 526 → 537.
  FlowsWorkload f = flows({1000, 5000}, 3);
  f.start_s = 0.5;
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(10), 1e6);
  auto w = make_workload(f, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  const std::vector<std::string> want = {"500.000 send 0+1000/1000 u0 push", "511.000 send 1000+5000/5000 u0 push",
                                         "526.000 send 6000+1000/1000 u0 push"};
  EXPECT_EQ(net.log, want);
  EXPECT_TRUE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["type"], "flows");
  EXPECT_EQ(r["flows"], json::parse(R"([{"size":1000,"fct_ms":11.0},{"size":5000,"fct_ms":15.0},)"
                                    R"({"size":1000,"fct_ms":11.0}])"));
  EXPECT_EQ(r["completed"], 3);
  EXPECT_DOUBLE_EQ(r["fct_ms_mean"].get<double>(), 37.0 / 3);
  EXPECT_DOUBLE_EQ(r["fct_ms_p50"].get<double>(), 11.0);  // nearest rank: 2nd of [11, 11, 15]
  EXPECT_DOUBLE_EQ(r["fct_ms_p95"].get<double>(), 15.0);  // 3rd
}

TEST(WorkloadFlows, UnfinishedFlowHasNullFct) {
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(10));
  auto w = make_workload(flows({1000}, 2), 1, 0);
  net.add(*w);
  net.start();
  sim.run_until(at_ms(15));  // flow 0 done at 10 ms, flow 1 started at 10 ms, due at 20 ms
  EXPECT_FALSE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["flows"][0]["fct_ms"], 10.0);
  EXPECT_TRUE(r["flows"][1]["fct_ms"].is_null());
  EXPECT_EQ(r["completed"], 1);
  EXPECT_EQ(r["fct_ms_mean"], 10.0);
}

TEST(WorkloadFlows, BlockedFlowResumesAndEndOfFlowRegisterFollowsTheWrites) {
  // 3000-byte buffer, 10 ms delay, two flows of 5000 bytes, R1 = end-of-flow register. Flow 0: 3000 bytes at 0,
  // the other 2000 when the first call is delivered (10 ms): then R1 = 1; delivered at 20 ms (FCT 20 ms), when
  // flow 1 starts: R1 = 0 first. Same pattern 20 ms later.
  FlowsWorkload f = flows({5000}, 2);
  f.end_of_flow_register = 1;
  Simulator sim;
  FakeNet net(sim, 3000, Duration::millis(10));
  auto w = make_workload(f, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  const std::vector<std::string> want = {
      "0.000 R1=0",  "0.000 send 0+3000/5000 u0 push",  "10.000 send 3000+2000/2000 u0 push",  "10.000 R1=1",
      "20.000 R1=0", "20.000 send 5000+3000/5000 u0 push",
      "20.000 send 8000+0/2000 u0 push",  // the same delivery's on_writable: one more try, the buffer is full
      "30.000 send 8000+2000/2000 u0 push", "30.000 R1=1"};
  EXPECT_EQ(net.log, want);
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["flows"][0]["fct_ms"], 20.0);
  EXPECT_EQ(r["flows"][1]["fct_ms"], 20.0);
}

// The arrival times the docs promise: first flow at start_s, then gaps −ln(1 − u) / rate_per_s (u uniform from
// Rng::stream(seed, element_id("workload.<index>"))), each rounded to the nanosecond.
std::vector<std::int64_t> expected_arrivals(std::uint64_t seed, std::size_t index, double start_s, double rate,
                                            std::size_t count) {
  Rng rng = Rng::stream(seed, element_id(("workload." + std::to_string(index)).c_str()));
  std::vector<std::int64_t> t = {std::llround(start_s * 1e9)};
  while (t.size() < count) t.push_back(t.back() + std::llround(-std::log(1.0 - rng.uniform()) / rate * 1e9));
  return t;
}

std::vector<std::int64_t> poisson_send_times(std::uint64_t seed) {
  FlowsWorkload f = flows({1000}, 50, "poisson");
  f.rate_per_s = 10;
  f.start_s = 1;
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(1));
  auto w = make_workload(f, seed, 3);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  EXPECT_TRUE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["completed"], 50);
  EXPECT_EQ(r["fct_ms_p95"], 1.0);  // never blocked, never overlapping on the wire: each flow takes the delay
  std::vector<std::int64_t> t;
  for (const auto& c : net.calls) t.push_back(c.t_ns);
  return t;
}

TEST(WorkloadFlows, PoissonArrivalsFollowTheSeededStream) {
  const auto a = poisson_send_times(1);
  EXPECT_EQ(a, expected_arrivals(1, 3, 1.0, 10, 50));
  EXPECT_EQ(a, poisson_send_times(1));  // deterministic
  const auto b = poisson_send_times(2);
  EXPECT_EQ(b, expected_arrivals(2, 3, 1.0, 10, 50));
  EXPECT_NE(a, b);
  // Mean gap 100 ms; 49 gaps: the standard error is ~14 ms.
  const double mean_gap_s = static_cast<double>(a.back() - a.front()) / 49 / 1e9;
  EXPECT_GT(mean_gap_s, 0.05);
  EXPECT_LT(mean_gap_s, 0.2);
}

TEST(WorkloadFlows, OverlappingPoissonFlowsAreWrittenWholeInArrivalOrder) {
  // Arrivals ~1 ms apart, 20000-byte flows serialised at 10^6 bytes/s (20 ms each), 30000-byte buffer, 5 ms delay.
  // The wire never idles, so flow i's last byte is serialised at (i + 1) · 20 ms and delivered 5 ms later:
  // FCT_i = 20 (i + 1) + 5 ms − arrival_i.
  FlowsWorkload f = flows({20'000}, 10, "poisson");
  f.rate_per_s = 1000;
  Simulator sim;
  FakeNet net(sim, 30'000, Duration::millis(5), 1e6);
  auto w = make_workload(f, 7, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  ASSERT_TRUE(w->finished());
  // Contiguous stream; exactly the flows' last calls carry push and are fully accepted, at multiples of 20000.
  std::uint64_t offset = 0;
  std::vector<std::uint64_t> flow_ends;
  for (const auto& c : net.calls) {
    EXPECT_EQ(c.offset, offset);
    offset += c.accepted;
    if (c.push && c.accepted == c.asked) flow_ends.push_back(offset);
  }
  EXPECT_EQ(flow_ends, (std::vector<std::uint64_t>{20'000, 40'000, 60'000, 80'000, 100'000, 120'000, 140'000,
                                                   160'000, 180'000, 200'000}));
  const auto arrivals = expected_arrivals(7, 0, 0, 1000, 10);
  ASSERT_LT(arrivals.back(), 20'000'000);  // all arrive while flow 0 is on the wire: the premise above
  const json r = report(*w, sim.now());
  for (std::size_t i = 0; i < 10; ++i) {
    const double want = (20.0 * static_cast<double>(i + 1) + 5) - static_cast<double>(arrivals[i]) / 1e6;
    EXPECT_NEAR(r["flows"][i]["fct_ms"].get<double>(), want, 1e-9) << i;
  }
}

TEST(WorkloadFlows, EndOfFlowRegisterStaysZeroWhileFlowsWait) {
  // Three flows arriving ~1 ms apart behind a slow wire: no flow's last byte is accepted while a later flow waits,
  // except the last one, so R2 goes 0 once at the start and 1 once at the end.
  FlowsWorkload f = flows({20'000}, 3, "poisson");
  f.rate_per_s = 1000;
  f.end_of_flow_register = 2;
  Simulator sim;
  FakeNet net(sim, 10'000, Duration::millis(5), 1e6);
  auto w = make_workload(f, 7, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  ASSERT_EQ(net.registers.size(), 2u);
  EXPECT_EQ(net.registers[0].value, 0);
  EXPECT_EQ(net.registers[0].t_ns, 0);
  EXPECT_EQ(net.registers[1].value, 1);
  EXPECT_EQ(net.registers[1].t_ns, net.calls.back().t_ns);  // when the last byte was accepted
  EXPECT_EQ(net.calls.back().offset + net.calls.back().accepted, 60'000u);
}

}  // namespace
}  // namespace progmp::sim
