// Workloads: messages (count, size, tag and timing of the writes; latency from the due time, also when the send
// buffer makes a message wait).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "progmp/sim/workload.hpp"
#include "sim/workload_fake.hpp"

namespace progmp::sim {
namespace {

using json = nlohmann::json;
using testing::FakeNet;

json report(const WorkloadRunner& w, Instant end) {
  json j;
  w.report(j, end);
  return j;
}

TEST(WorkloadMessages, WritesCountMessagesOfSizeEveryInterval) {
  MessagesWorkload m{5, 300, 20, 4, 0.1, {}, {}};
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(3));
  auto w = make_workload(m, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  const std::vector<std::string> want = {"100.000 send 0+300/300 u4 push", "120.000 send 300+300/300 u4 push",
                                         "140.000 send 600+300/300 u4 push", "160.000 send 900+300/300 u4 push",
                                         "180.000 send 1200+300/300 u4 push"};
  EXPECT_EQ(net.log, want);
  EXPECT_TRUE(w->finished());
  EXPECT_EQ(w->app_bytes(), 1500u);
  EXPECT_EQ(sim.now().ns_since_epoch(), 183'000'000);
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["type"], "messages");
  EXPECT_EQ(r["messages_sent"], 5);
  EXPECT_EQ(r["messages_delivered"], 5);
  EXPECT_EQ(r["latency_ms"], json::parse(R"({"p50":3.0,"p90":3.0,"p95":3.0,"p99":3.0,"mean":3.0,"max":3.0})"));
  EXPECT_DOUBLE_EQ(r["rate_mbyte_s"].get<double>(), 1500 / 0.083 / 1e6);  // from the first write (100 ms) on
}

TEST(WorkloadMessages, ZeroIntervalWritesAllAtStart) {
  MessagesWorkload m{3, 10, 0, 0, 2, {}, {}};
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(1));
  auto w = make_workload(m, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  ASSERT_EQ(net.calls.size(), 3u);
  for (const auto& c : net.calls) EXPECT_EQ(c.t_ns, 2'000'000'000);
  EXPECT_TRUE(w->finished());
}

TEST(WorkloadMessages, LatencyIncludesWaitingForTheSendBuffer) {
  // Buffer of one 300-byte message, 10 ms delay, messages due at 0, 1, 2 ms. Message 0: sent 0, delivered 10.
  // Message 1 waits until 10, delivered 20 (latency 19). Message 2 waits until 20, delivered 30 (latency 28).
  MessagesWorkload m{3, 300, 1, 0, 0, {}, {}};
  Simulator sim;
  FakeNet net(sim, 300, Duration::millis(10));
  auto w = make_workload(m, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  std::vector<std::int64_t> accepted_at;
  for (const auto& c : net.calls)
    if (c.accepted > 0) accepted_at.push_back(c.t_ns);
  EXPECT_EQ(accepted_at, (std::vector<std::int64_t>{0, 10'000'000, 20'000'000}));
  const json r = report(*w, sim.now());
  EXPECT_EQ(r["latency_ms"], json::parse(R"({"p50":19.0,"p90":28.0,"p95":28.0,"p99":28.0,"mean":19.0,"max":28.0})"));
}

}  // namespace
}  // namespace progmp::sim

namespace progmp::sim {
namespace {

using json = nlohmann::json;
using testing::FakeNet;

TEST(WorkloadMessagesDeadline, UserIsTheAbsoluteDeadlineAndMissesAreCounted) {
  Scenario sc;
  std::string error;
  ASSERT_TRUE(parse_scenario("name = \"d\"\nduration_s = 1\n[[path]]\nname = \"a\"\n[[workload]]\ntype = \"messages\"\ncount = 3\n"
                             "size = 100\ninterval_ms = 100\nstart_s = 1\ndeadline_ms = 40\n",
                             "d.toml", sc, error))
      << error;
  const auto& m = std::get<MessagesWorkload>(sc.workloads[0]);
  ASSERT_TRUE(m.deadline_ms);
  EXPECT_EQ(*m.deadline_ms, 40);
  EXPECT_FALSE(parse_scenario("name = \"d\"\nduration_s = 1\n[[path]]\nname = \"a\"\n[[workload]]\ntype = \"messages\"\n"
                              "deadline_ms = 0\n",
                              "d.toml", sc, error));
  EXPECT_NE(error.find("deadline_ms"), std::string::npos) << error;

  // Due at 100, 120, 140 ms with a 40 ms deadline: USER 140, 160, 180; a 50 ms delivery misses every deadline.
  MessagesWorkload d{3, 300, 20, 0, 0.1, 40, {}};
  Simulator sim;
  FakeNet net(sim, 1'000'000, Duration::millis(50));
  auto w = make_workload(d, 1, 0);
  net.add(*w);
  net.start();
  sim.run_until_idle();
  const std::vector<std::string> want = {"100.000 send 0+300/300 u140 push", "120.000 send 300+300/300 u160 push",
                                         "140.000 send 600+300/300 u180 push"};
  EXPECT_EQ(net.log, want);
  json j;
  w->report(j, sim.now());
  EXPECT_EQ(j["deadline_missed"], 3);
}

}  // namespace
}  // namespace progmp::sim
