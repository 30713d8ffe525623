// Property test: random valid programs (tests/support/program_gen.hpp) under random transport events, with the
// queue invariants of runtime.md §4.2 checked after every input. Whatever a program does, no packet may be lost,
// duplicated in a queue, or leave QU without acknowledgement.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "harness.hpp"
#include "support/program_gen.hpp"
#include "transfer.hpp"

namespace progmp::runtime {
namespace {

using testing::InvariantChecker;
using testing::sf;

Stats totals;

void run_seed(std::uint64_t seed) {
  ModelTransport model;
  RuntimeConfig cfg;
  cfg.max_steps_per_execution = 20000;  // keep pathological loops cheap; exhaustion is part of the test
  Runtime rt(model, cfg);
  model.attach(rt);
  rt.set_log([](std::string_view) {});
  progmp::testing::ProgramGen gen(seed);
  const std::string source = gen.program(6);
  LoadResult r = rt.load_scheduler("gen", source);
  ASSERT_EQ(r.status, Status::Ok) << source;
  rt.set_default_scheduler("gen");

  std::mt19937_64 rng(seed * 7919 + 1);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const ConnId c = 1;
  model.open(c);
  model.add_subflow(c, sf(10000 + pick(40000), 1 + pick(8)));
  model.add_subflow(c, sf(10000 + pick(40000), 1 + pick(8)));
  InvariantChecker check(rt, model, c);
  progmp::testing::Transfer net(rt, model, c);
  for (int i = 0; i < 80; ++i) {
    std::vector<SubflowId> up, all;
    for (auto& [id, s] : model.conn(c).subflows) {
      all.push_back(id);
      if (s.up) up.push_back(id);
    }
    const int k = pick(12);
    if (k <= 2) {
      rt.send(c, static_cast<std::size_t>(1 + pick(5000)), SendOptions{pick(3), pick(2) == 0});
    } else if (k <= 5) {
      net.step();
    } else if (k == 6 && !up.empty()) {
      const SubflowId id = up[static_cast<std::size_t>(pick(static_cast<int>(up.size())))];
      check.note_lost(id);
      if (pick(2) == 0) model.fail(c, id);
      else model.remove(c, id);
    } else if (k == 7) {
      std::vector<SubflowId> down;
      for (SubflowId id : all) {
        if (!model.subflow(c, id).up) down.push_back(id);
      }
      if (!down.empty() && pick(2) == 0) model.recover(c, down[0]);
      else if (all.size() < 6) model.add_subflow(c, sf(10000 + pick(40000), 1 + pick(8)));
    } else if (k == 8) {
      ConnectionSnapshot s;
      rt.snapshot(c, s);
      std::vector<std::int64_t> seqs;
      for (const PacketSnapshot& p : s.packets) {
        if (pick(3) == 0) seqs.push_back(p.meta.seq);
      }
      model.reinject(c, seqs);
    } else if (k == 9) {
      model.fire_timer(c);
    } else if (k == 10) {
      rt.set_register(c, 1 + pick(6), pick(5));
    } else if (!up.empty()) {
      const SubflowId id = up[static_cast<std::size_t>(pick(static_cast<int>(up.size())))];
      model.values(c, id).cwnd = pick(10);
      model.values(c, id).throttled = pick(4) == 0;
      model.send_space(c, id);
    }
    if (!check.check("seed " + std::to_string(seed) + " input " + std::to_string(i))) {
      ADD_FAILURE() << "program:\n" << source;
      return;
    }
  }
  ConnectionStats st;
  rt.connection_stats(c, st);
  totals.executions += st.executions;
  totals.pushes_queued += st.pushes_queued;
  totals.drop_refused += st.drop_refused;
  totals.pops_returned += st.pops_returned;
  totals.budget_exhausted += st.budget_exhausted;
}

TEST(Property, RandomProgramsNeverBreakTheQueueInvariants) {
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    SCOPED_TRACE(seed);
    run_seed(seed);
    if (HasFailure()) return;
  }
  // The random programs must actually exercise the runtime: pushes, refused drops and returned pops happen.
  EXPECT_GT(totals.executions, 1000u);
  EXPECT_GT(totals.pushes_queued, 100u);
  EXPECT_GT(totals.drop_refused, 0u);
  EXPECT_GT(totals.pops_returned, 0u);
  std::printf("property: %llu executions, %llu pushes, %llu refused drops, %llu returned pops, %llu exhaustions\n",
              static_cast<unsigned long long>(totals.executions), static_cast<unsigned long long>(totals.pushes_queued),
              static_cast<unsigned long long>(totals.drop_refused), static_cast<unsigned long long>(totals.pops_returned),
              static_cast<unsigned long long>(totals.budget_exhausted));
}

}  // namespace
}  // namespace progmp::runtime
