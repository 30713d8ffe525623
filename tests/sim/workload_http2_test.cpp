// Workloads: http2 (the dependency register holds the absolute stream offset where the HTML ends, per-object USER
// tags, the three page-load times).
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

TEST(WorkloadHttp2, RegisterIsTheHtmlEndOffsetAndObjectsAreTagged) {
  // A 5000-byte bulk transfer first, so the page starts at stream offset 5000 and the HTML ends at 6000. 10^6
  // bytes/s and 10 ms delay from 200 ms: HTML (1000 B) at 211 ms, critical (2000 B) at 213, images (3000 B) at 216.
  // A signal writing R1 at the same instant runs first; the workload's own value follows.
  Http2Workload h{1000, 2000, 3000, 0.2, 1, {{0.2, 1, 99}}};
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(10), 1e6);
  auto bulk = make_workload(BulkWorkload{5000, 0, {}}, 1, 0);
  auto w = make_workload(h, 1, 1);
  net.add(*bulk);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  const std::vector<std::string> want = {"0.000 send 0+5000/5000 u0 push",    "200.000 R1=99",
                                         "200.000 R1=6000",                   "200.000 send 5000+1000/1000 u1 push",
                                         "200.000 send 6000+2000/2000 u1 push", "200.000 send 8000+3000/3000 u2 push"};
  EXPECT_EQ(net.log, want);
  EXPECT_TRUE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_EQ(r, json::parse(R"({"type":"http2","dependency_ms":11.0,"initial_view_ms":13.0,"page_load_ms":16.0})"));
}

TEST(WorkloadHttp2, OtherRegisterAndUnreachedTimesAreNull) {
  Http2Workload h;
  h.html_bytes = 1000;
  h.dependency_register = 3;
  Simulator sim;
  FakeNet net(sim, 10'000'000, Duration::millis(10));
  auto w = make_workload(h, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until(at_ms(5));
  ASSERT_EQ(net.registers.size(), 1u);
  EXPECT_EQ(net.registers[0].k, 3);
  EXPECT_EQ(net.registers[0].value, 1000);
  EXPECT_FALSE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_TRUE(r["dependency_ms"].is_null());
  EXPECT_TRUE(r["initial_view_ms"].is_null());
  EXPECT_TRUE(r["page_load_ms"].is_null());
}

TEST(WorkloadHttp2, RegisterIsCorrectedWhenAnotherWorkloadWritesFirst) {
  // A 150000-byte bulk fills the 100000-byte buffer at 0 (65536 + 34464). At 5 ms the page announces 100000 + 1000,
  // but its HTML cannot be written. At 10 ms the first delivery frees 65536: the bulk (first in line) writes its
  // remaining 50000, the HTML lands at 150000..151000, so the register is corrected to 151000.
  Http2Workload h{1000, 0, 0, 0.005, 1, {}};
  Simulator sim;
  FakeNet net(sim, 100'000, Duration::millis(10));
  auto bulk = make_workload(BulkWorkload{150'000, 0, {}}, 1, 0);
  auto w = make_workload(h, 1, 1);
  net.add(*bulk);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  ASSERT_EQ(net.registers.size(), 2u);
  EXPECT_EQ(net.registers[0].t_ns, 5'000'000);
  EXPECT_EQ(net.registers[0].value, 101'000);
  EXPECT_EQ(net.registers[1].t_ns, 10'000'000);
  EXPECT_EQ(net.registers[1].value, 151'000);
  bool html = false;
  for (const auto& c : net.calls) html |= c.user == 1 && c.offset == 150'000 && c.accepted == 1000;
  EXPECT_TRUE(html);
  EXPECT_TRUE(w->finished());
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["dependency_ms"], 15.0);  // written at 10 ms, delivered at 20 ms, started at 5 ms
  EXPECT_EQ(r["page_load_ms"], 15.0);   // empty critical and image parts complete with the HTML
}

}  // namespace
}  // namespace progmp::sim
