// The JSON-lines trace (runtime.md §12): exact record formats, levels, the PRINT rate limit with its
// print_suppressed records, and the statistics' JSON form (§13).
#include <gtest/gtest.h>

#include <numeric>

#include "harness.hpp"

namespace progmp::runtime {
namespace {

using namespace progmp::testing;
using Q = QueueId;
using V = SchedulerView;
using S = ExecState;
using L = EffectLog;

TEST(Trace, RoundExecAndPrintRecords) {
  Harness h;
  h.model.set_auto_poll(false);
  h.load("rr", once([](const V& v, S& st, L& log) {
           PrintValue pv;
           pv.kind = PrintValue::Kind::Subflow;
           pv.value = v.subflows[1].id;
           log.try_print(1, pv);
           pop(log, Q::Q, v.q[0]);
           push(log, 1, v.q[0], Q::Q);
           set_user(log, 0, 42);
           st.registers[1] = 5;
           return done(14, EndCause::Return);
         }),
         {"unused", "to %s \"now\""});
  h.open(7);
  h.model.add_subflow(7, sf(30000));
  h.model.add_subflow(7, sf(80000));
  h.model.set_now(7, 1'203'500);
  h.trace.lines.clear();
  h.rt.send(7, 1400);
  ASSERT_EQ(h.trace.lines.size(), 4u);
  EXPECT_EQ(h.trace.lines[0],
            R"({"t_us":1203500,"kind":"print","conn":1,"sched":"rr@1","text":"to sbf2 \"now\""})");
  EXPECT_EQ(h.trace.lines[1],
            R"({"t_us":1203500,"kind":"exec","conn":1,"sched":"rr@1","index":1,"end":"return","steps":14,)"
            R"("actions":[{"op":"PUSH","subflow":2,"seq":0,"origin":"Q","result":"queued"},)"
            R"({"op":"SET_USER","subflow":1,"value":42,"result":"changed"}],)"
            R"("pops":[{"queue":"Q","seq":0,"outcome":"kept_out"}],"registers":[0,5,0,0,0,0]})");
  EXPECT_EQ(h.trace.lines[2],
            R"({"t_us":1203500,"kind":"exec","conn":1,"sched":"rr@1","index":2,"end":"end","steps":1,)"
            R"("actions":[],"pops":[],"registers":[0,5,0,0,0,0]})");
  EXPECT_EQ(h.trace.lines[3],
            R"({"t_us":1203500,"kind":"round","conn":1,"sched":"rr@1","reasons":["app_data","subflow_up"],)"
            R"("executions":2,"steps":15,"pushes":1,"end":"no_progress"})");
}

TEST(Trace, AbortedExecRecordAndLevels) {
  Harness h;
  h.load("bad", [](const V&, S& st, L& log) {
    set_user(log, 0, 1);
    st.registers[0] = 3;
    return step_limit(st);
  });
  h.open(1);
  h.model.add_subflow(1, sf(1000));  // polls: one round
  const auto execs = h.records("exec");
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_EQ(execs[0], R"({"t_us":0,"kind":"exec","conn":1,"sched":"bad@1","index":1,"end":"step_limit",)"
                      R"("steps":1000001,"actions":[],"pops":[],"registers":[0,0,0,0,0,0]})");
  EXPECT_EQ(h.records("diag").size(), 1u);
  EXPECT_EQ(h.records("round").back(),
            R"({"t_us":0,"kind":"round","conn":1,"sched":"bad@1","reasons":["subflow_up"],"executions":1,)"
            R"("steps":1000001,"pushes":0,"end":"step_limit"})");

  h.trace.lines.clear();
  h.rt.set_trace(&h.trace, 1);
  h.rt.set_register(1, 1, 1);
  EXPECT_TRUE(h.records("exec").empty());
  EXPECT_EQ(h.records("round").size(), 1u);
  h.trace.lines.clear();
  h.rt.set_trace(&h.trace, 0);
  h.rt.set_register(1, 1, 2);  // third exhaustion: R0003 is written at level 0
  EXPECT_TRUE(h.records("round").empty());
  ASSERT_EQ(h.trace.lines.size(), 1u);
  EXPECT_EQ(h.trace.lines[0],
            R"({"t_us":0,"kind":"diag","conn":1,"sched":"bad@1","severity":"error","code":"R0003",)"
            R"("message":"scheduler exhausted its budget 3 times; connection falls back to builtin_minrtt"})");
  h.trace.lines.clear();
  h.rt.set_trace(nullptr, 2);
  h.rt.set_register(1, 1, 3);
  EXPECT_TRUE(h.trace.lines.empty());
}

// 70 PRINTs per execution: 64 logged, 6 beyond the per-execution cap.
ExecResult print70(const V&, S&, L& log) {
  std::uint32_t suppressed = 0;
  for (int i = 0; i < 70; ++i) {
    PrintValue v;
    v.kind = PrintValue::Kind::Int;
    v.value = i;
    if (!log.try_print(0, v)) ++suppressed;
  }
  return ExecResult{EndCause::End, 1, suppressed};
}

TEST(Trace, PrintRateLimitAndSuppressedCounts) {
  Harness h;
  h.load("p", print70, {"line %d"});
  h.open(1);
  h.model.set_auto_poll(false);
  h.rt.set_trace(&h.trace, 0);
  h.trace.lines.clear();
  auto round = [&] {
    h.rt.on_send_space(1, 0);
    h.rt.poll(1);
  };
  // Bucket: 200 lines. Rounds at t = 0: 64 + 64 + 64 + 8 emitted.
  for (int i = 0; i < 4; ++i) round();
  // 10 ms later: 10000 µs × 100 micro-lines/µs = 1 line.
  h.model.set_now(1, 10'000);
  round();
  h.rt.close_connection(1);

  std::vector<std::string> expected;
  auto prints = [&](int from, int n) {
    for (int i = from; i < from + n; ++i) {
      expected.push_back(R"({"t_us":)" + std::string(i < 0 ? "" : "") + "T" + R"(,"kind":"print","conn":1,"sched":"p@1","text":"line )" +
                         std::to_string(i) + R"("})");
    }
  };
  auto suppressed = [&](int count) {
    expected.push_back(R"({"t_us":T,"kind":"print_suppressed","conn":1,"sched":"p@1","count":)" + std::to_string(count) + "}");
  };
  prints(0, 64);
  suppressed(6);
  prints(0, 64);
  suppressed(6);
  prints(0, 64);
  suppressed(6);
  prints(0, 8);
  suppressed(56 + 6);  // t = 10 ms: written before the one emitted line
  prints(0, 1);
  suppressed(63 + 6);  // at close
  std::vector<std::string> got = h.trace.lines;
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    // Replace the time by T for the comparison: the first 200 + 3 records are at 0, the rest at 10000.
    std::string g = got[i];
    const auto b = g.find(':') + 1;
    const auto e = g.find(',');
    const std::string t = g.substr(b, e - b);
    EXPECT_EQ(t, i < 64 * 3 + 3 + 8 ? "0" : "10000") << i;
    g.replace(b, e - b, "T");
    EXPECT_EQ(g, expected[i]) << i;
  }
}

TEST(Trace, PrintStatistics) {
  Harness h;
  h.load("p", print70, {"line %d"});
  h.open(1);
  h.model.set_auto_poll(false);
  for (int i = 0; i < 5; ++i) {
    if (i == 4) h.model.set_now(1, 10'000);
    h.rt.on_send_space(1, 0);
    h.rt.poll(1);
  }
  const ConnectionStats st = h.stats(1);
  EXPECT_EQ(st.prints, 64u * 3 + 8 + 1);
  EXPECT_EQ(st.prints_suppressed, 6u * 3 + 56 + 6 + 63 + 6);
  SchedulerStats ss;
  h.rt.scheduler_stats("p", std::nullopt, ss);
  EXPECT_EQ(ss.prints, st.prints);
}

TEST(Trace, NoRateLimitWhenDisabled) {
  RuntimeConfig cfg;
  cfg.print_rate_limit = false;
  Harness h(cfg);
  h.load("p", print70, {"x"});
  h.open(1);
  h.model.set_auto_poll(false);
  for (int i = 0; i < 10; ++i) {
    h.rt.on_send_space(1, 0);
    h.rt.poll(1);
  }
  EXPECT_EQ(h.stats(1).prints, 640u);
  EXPECT_EQ(h.stats(1).prints_suppressed, 60u);  // the per-execution cap still applies
}

TEST(Stats, JsonKeysInSpecOrder) {
  ConnectionStats c;
  c.rounds = 2;
  c.exec_time_hist[3] = 1;
  c.bytes_pushed_by_subflow = {{1, 1400}, {3, 0}};
  c.prints_suppressed = 9;
  EXPECT_EQ(to_json(c),
            R"({"rounds":2,"executions":0,"executions_aborted":0,"executions_rerouted":0,"exec_time_ns_total":0,)"
            R"("exec_time_ns_max":0,"exec_time_hist":[0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],)"
            R"("steps":0,"actions_push":0,"actions_drop":0,"actions_set_user":0,"pushes_queued":0,)"
            R"("pushes_deduplicated":0,"drop_refused":0,"pops_returned":0,"budget_exhausted":0,"fallbacks":0,)"
            R"("bytes_pushed":0,"bytes_pushed_new":0,"bytes_redundant":0,"bytes_pushed_by_subflow":{"1":1400,"3":0},)"
            R"("prints":0,"prints_suppressed":9})");
  SchedulerStats s;
  s.connections = 1;
  s.connections_total = 4;
  const std::string j = to_json(s);
  EXPECT_TRUE(j.ends_with(R"(,"prints":0,"prints_suppressed":0,"connections":1,"connections_total":4})")) << j;
  EXPECT_EQ(j.find("bytes_pushed_by_subflow"), std::string::npos);
}

TEST(Stats, ExecutionTimeHistogramBuckets) {
  Stats s;
  s.add_exec_time(0);
  s.add_exec_time(1);
  s.add_exec_time(3);       // [2, 4)
  s.add_exec_time(1024);    // [1024, 2048)
  s.add_exec_time(std::uint64_t{1} << 40);
  EXPECT_EQ(s.exec_time_hist[0], 2u);
  EXPECT_EQ(s.exec_time_hist[1], 1u);
  EXPECT_EQ(s.exec_time_hist[10], 1u);
  EXPECT_EQ(s.exec_time_hist[31], 1u);
  EXPECT_EQ(s.exec_time_ns_max, std::uint64_t{1} << 40);
  EXPECT_EQ(s.exec_time_ns_total, 1u + 3u + 1024u + (std::uint64_t{1} << 40));
}

TEST(Stats, CountersOfARealRound) {
  Harness h;
  h.load("m", scripted_minrtt);
  h.open(1);
  h.model.add_subflow(1, sf(10000, 3));
  h.rt.send(1, 5 * 1400);
  const ConnectionStats st = h.stats(1);
  // Rounds: subflow_up (nothing to send), app_data (3 pushes + 1 empty execution).
  EXPECT_EQ(st.rounds, 2u);
  EXPECT_EQ(st.executions, 1u + 4u);
  EXPECT_EQ(st.pushes_queued, 3u);
  EXPECT_EQ(st.bytes_pushed, 4200u);
  EXPECT_EQ(st.bytes_pushed_new, 4200u);
  EXPECT_EQ(st.bytes_redundant, 0u);
  EXPECT_EQ(std::accumulate(st.exec_time_hist.begin(), st.exec_time_hist.end(), std::uint64_t{0}), st.executions);
  EXPECT_GE(st.exec_time_ns_total, st.exec_time_ns_max);
  SchedulerStats ss;
  ASSERT_EQ(h.rt.scheduler_stats("m", 1u, ss), Status::Ok);
  EXPECT_EQ(ss.rounds, 2u);
  EXPECT_EQ(ss.pushes_queued, 3u);
  EXPECT_EQ(ss.connections, 1u);
  EXPECT_EQ(h.rt.scheduler_stats("nope", std::nullopt, ss), Status::UnknownScheduler);
  EXPECT_EQ(h.rt.connection_stats(2, const_cast<ConnectionStats&>(st)), Status::UnknownConnection);
}

}  // namespace
}  // namespace progmp::runtime
