// Workloads: bulk (sized and unlimited, send-buffer blocking), application signals, the factory and its reports.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

TEST(WorkloadBulk, SizedTransferResumesOnWritableAndCompletes) {
  // 100000-byte send buffer, 10 ms delivery delay, 200000 bytes from 1 s. At 1 s the buffer takes 65536 + 34464
  // bytes. At 1.010 s the first call (65536) is delivered: its space takes a 65536-byte call, and the remaining
  // 34464 bytes find no room. The second delivery (same instant) frees 34464: the last call, with push.
  // Everything is then delivered at 1.020 s: completion 20 ms, goodput 200000 · 8 / 0.020 s = 80 Mbit/s.
  Simulator sim;
  FakeNet net(sim, 100'000, Duration::millis(10));
  auto w = make_workload(BulkWorkload{200'000, 1.0, {}}, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  const std::vector<std::string> want = {
      "1000.000 send 0+65536/65536 u0",      "1000.000 send 65536+34464/65536 u0",
      "1010.000 send 100000+65536/65536 u0", "1010.000 send 165536+0/34464 u0 push",
      "1010.000 send 165536+34464/34464 u0 push"};
  EXPECT_EQ(net.log, want);
  EXPECT_TRUE(w->finished());
  EXPECT_EQ(w->app_bytes(), 200'000u);
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["type"], "bulk");
  EXPECT_EQ(r["bytes"], 200'000);
  EXPECT_EQ(r["delivered_bytes"], 200'000);
  EXPECT_DOUBLE_EQ(r["completion_ms"].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(r["goodput_mbit"].get<double>(), 80.0);
}

TEST(WorkloadBulk, UnlimitedKeepsTheBufferFull) {
  // 50000-byte buffer, 10 ms delay: 50000 bytes at 0 and again at every delivery (10, 20, ..., 100 ms): 11 calls
  // by 100 ms, 10 of them delivered. Never finished, never a push.
  Simulator sim;
  FakeNet net(sim, 50'000, Duration::millis(10));
  auto w = make_workload(BulkWorkload{}, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until(at_ms(100));
  std::uint64_t accepted = 0;
  for (const auto& c : net.calls) {
    accepted += c.accepted;
    EXPECT_FALSE(c.push);
  }
  EXPECT_EQ(accepted, 550'000u);
  EXPECT_EQ(w->app_bytes(), 550'000u);
  EXPECT_FALSE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["delivered_bytes"], 500'000);
  EXPECT_TRUE(r["completion_ms"].is_null());
  EXPECT_DOUBLE_EQ(r["goodput_mbit"].get<double>(), 40.0);  // 500000 · 8 bits / 0.1 s
}

TEST(WorkloadBulk, SharedStreamCountsOnlyOwnBytes) {
  // Two bulk transfers share a 60000-byte buffer (10 ms delay). At 0, A (100000 B) takes 60000; B (50000 B) gets
  // nothing. At 10 ms A writes its last 40000 and B 20000 (stream 100000..120000). At 20 ms A is complete and B
  // writes its last 30000, delivered at 30 ms.
  Simulator sim;
  FakeNet net(sim, 60'000, Duration::millis(10));
  auto a = make_workload(BulkWorkload{100'000, 0, {}}, 1, 0);
  auto b = make_workload(BulkWorkload{50'000, 0, {}}, 1, 1);
  net.add(*a);
  net.add(*b);
  net.start();
  sim.run_until(at_ms(20));
  EXPECT_EQ(report(*a, sim.now())["delivered_bytes"], 100'000);
  EXPECT_EQ(report(*b, sim.now())["delivered_bytes"], 20'000);
  EXPECT_TRUE(a->finished());
  EXPECT_FALSE(b->finished());
  sim.run_until_idle();
  EXPECT_EQ(report(*a, sim.now())["completion_ms"], 20.0);
  EXPECT_EQ(report(*b, sim.now())["completion_ms"], 30.0);
  EXPECT_EQ(report(*b, sim.now())["delivered_bytes"], 50'000);
  EXPECT_EQ(a->app_bytes() + b->app_bytes(), net.stream_offset());
}

TEST(WorkloadSignals, RegistersAreSetAtTheirTimesBeforeSameTimeActions) {
  BulkWorkload b{1000, 0, {}};
  b.signals = {{0, 2, 5}, {0.5, 4, 7}, {1.5, 6, -2}};
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(1));
  auto w = make_workload(b, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  const std::vector<std::string> want = {"0.000 R2=5", "0.000 send 0+1000/1000 u0 push", "500.000 R4=7",
                                         "1500.000 R6=-2"};
  EXPECT_EQ(net.log, want);
}

TEST(WorkloadSignals, EveryKindFiresItsSignals) {
  const std::vector<RegisterSignal> s = {{0.25, 3, 42}};
  FlowsWorkload f;
  f.sizes = {100};
  f.signals = s;
  CbrWorkload c;
  c.phases = {{1, 1}};
  c.signals = s;
  MessagesWorkload m;
  m.signals = s;
  Http2Workload h;
  h.start_s = 1;
  h.signals = s;
  BulkWorkload b;
  b.signals = s;
  for (const Workload& spec : std::vector<Workload>{b, f, c, m, h}) {
    Simulator sim;
    FakeNet net(sim, 1'000'000, Duration::millis(1));
    auto w = make_workload(spec, 1, 0);
    net.add(*w);
    net.start();
    sim.run_until(at_ms(500));
    ASSERT_FALSE(net.registers.empty());
    bool found = false;
    for (const auto& r : net.registers) found |= r.t_ns == 250'000'000 && r.k == 3 && r.value == 42;
    EXPECT_TRUE(found) << spec.index();
  }
}

TEST(WorkloadFactory, ReportsBeforeAnythingHappened) {
  Simulator sim;
  FlowsWorkload f;
  f.sizes = {10, 20};
  f.count = 3;
  CbrWorkload c;
  c.phases = {{0, 1}};
  struct Case {
    Workload spec;
    const char* type;
  };
  const std::vector<Case> cases = {{BulkWorkload{}, "bulk"},
                                   {f, "flows"},
                                   {c, "cbr"},
                                   {MessagesWorkload{}, "messages"},
                                   {Http2Workload{}, "http2"}};
  for (const Case& k : cases) {
    auto w = make_workload(k.spec, 1, 0);
    const json r = report(*w, Instant::epoch());
    EXPECT_EQ(r["type"], k.type);
    EXPECT_EQ(w->app_bytes(), 0u);
    EXPECT_FALSE(w->finished()) << k.type;
  }
  const json fl = report(*make_workload(f, 1, 0), Instant::epoch());
  EXPECT_EQ(fl["flows"], json::parse(R"([{"size":10,"fct_ms":null},{"size":20,"fct_ms":null},)"
                                     R"({"size":10,"fct_ms":null}])"));
  EXPECT_EQ(fl["completed"], 0);
  EXPECT_TRUE(fl["fct_ms_mean"].is_null());
  EXPECT_TRUE(fl["fct_ms_p50"].is_null());
  EXPECT_TRUE(fl["fct_ms_p95"].is_null());
  const json cb = report(*make_workload(c, 1, 0), Instant::epoch());
  EXPECT_TRUE(cb["latency_ms"].is_null());
  EXPECT_EQ(cb["blocks_sent"], 0);
  EXPECT_EQ(cb["rate_mbyte_s"], 0.0);
  const json h2 = report(*make_workload(Http2Workload{}, 1, 0), Instant::epoch());
  EXPECT_TRUE(h2["dependency_ms"].is_null());
  EXPECT_TRUE(h2["initial_view_ms"].is_null());
  EXPECT_TRUE(h2["page_load_ms"].is_null());
}

}  // namespace
}  // namespace progmp::sim
