// Settling pops and drops (language.md §13.3, one test per row of the table) and applying actions with their
// results (runtime.md §7.5): DROP results, POP outcomes, PUSH deduplication, SET_USER, redundant bytes.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace progmp::runtime {
namespace {

using namespace progmp::testing;
using Q = QueueId;
using V = SchedulerView;
using S = ExecState;
using L = EffectLog;
using Seqs = std::vector<std::int64_t>;

// Two subflows (IDs 1, 2 at positions 0, 1) and three packets 0, 1400, 2800 in Q.
struct Settle : ::testing::Test {
  Rig r;
  void SetUp() override {
    r.subflow(10000);
    r.subflow(20000);
    r.send_packets(3);
  }
  // Puts packet 0 into state PUSHED_IN_Q (pushed on subflow 1 without leaving Q).
  void push_in_q() {
    r.round_once([](const V& v, S&, L& log) {
      push(log, 0, v.q[0], Q::Q);
      return done();
    });
    ASSERT_EQ(r.snap().q, (Seqs{0, 1400, 2800}));
    ASSERT_EQ(r.snap().qu, (Seqs{0}));
  }
  // Pushes packet 0 properly (leaves Q) on subflow 1, then the transport asks to reinject it.
  void into_rq() {
    r.round_once([](const V& v, S&, L& log) {
      pop(log, Q::Q, v.q[0]);
      push(log, 0, v.q[0], Q::Q);
      return done();
    });
    const std::int64_t seq = 0;
    r.h.rt.on_reinject(1, std::span<const std::int64_t>(&seq, 1), ReinjectCause::SubflowTimeout);
    ASSERT_EQ(r.snap().rq, (Seqs{0}));
  }
  const Recorder::Exec& first() { return r.rec.execs.at(0); }
};

TEST_F(Settle, PoppedFromQAndPushedLeavesQ) {
  RoundSummary s = r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    push(log, 0, v.q[0], Q::Q);
    return done();
  });
  ASSERT_EQ(r.rec.execs.size(), 2u);
  EXPECT_EQ(acts(first()), "PUSH 1 0 Q queued");
  EXPECT_EQ(pops(first()), "Q 0 kept_out");
  EXPECT_EQ(first().rep.progress, Progress::Packet);
  EXPECT_EQ(r.rec.execs[1].rep.progress, Progress::None);
  EXPECT_EQ(s.end, RoundEnd::NoProgress);
  const ConnectionSnapshot snap = r.snap();
  EXPECT_EQ(snap.q, (Seqs{1400, 2800}));
  EXPECT_EQ(snap.qu, (Seqs{0}));
  EXPECT_EQ(snap.packets[0].sent_on, (std::vector<SubflowId>{1}));
  ASSERT_EQ(r.h.model.subflow(1, 1).queue.size(), 1u);
  EXPECT_EQ(r.h.model.subflow(1, 1).queue[0].seq, 0);
  EXPECT_TRUE(check_invariants(snap).empty());
}

TEST_F(Settle, PoppedDroppedAndPushedNowLeavesQ) {
  r.round_once([](const V& v, S&, L& log) {
    const PacketMeta* p = v.q[0];
    pop(log, Q::Q, p);
    drop(log, p, Q::Q);  // DROP before the PUSH: "pushed" covers the whole action list
    push(log, 1, p, Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 0 Q removed|PUSH 2 0 Q queued");
  EXPECT_EQ(pops(first()), "Q 0 kept_out");
  EXPECT_EQ(r.snap().q, (Seqs{1400, 2800}));
  EXPECT_EQ(r.snap().qu, (Seqs{0}));
  EXPECT_EQ(r.stats().drop_refused, 0u);
}

TEST_F(Settle, PoppedDroppedAndPushedEarlierLeavesQ) {
  push_in_q();
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    drop(log, v.q[0], Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 0 Q removed");
  EXPECT_EQ(pops(first()), "Q 0 kept_out");
  EXPECT_EQ(first().rep.progress, Progress::Packet);  // a packet left Q
  EXPECT_EQ(r.snap().q, (Seqs{1400, 2800}));
  EXPECT_EQ(r.snap().qu, (Seqs{0}));
}

TEST_F(Settle, DropOfANeverPushedPacketIsRefused) {
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    drop(log, v.q[0], Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 0 Q refused");
  EXPECT_EQ(pops(first()), "Q 0 drop_refused");
  EXPECT_EQ(first().rep.progress, Progress::None);
  EXPECT_EQ(r.snap().q, (Seqs{0, 1400, 2800}));
  ConnectionStats st = r.stats();
  EXPECT_EQ(st.drop_refused, 1u);
  EXPECT_EQ(st.pops_returned, 0u);  // drop_refused is not "returned"
  ASSERT_EQ(r.h.log.size(), 1u);
  EXPECT_EQ(r.h.log[0], "progmp: conn 1 [s@1]: warning[R0001]: DROP refused: packet 0 was never sent on any subflow "
                        "and stays in Q");
  const auto diags = r.h.records("diag");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].find(R"("severity":"warning","code":"R0001","message":"DROP refused: packet 0 was never sent on any subflow and stays in Q","seq":0})"),
            std::string::npos);

  // Not popped, dropped twice: both refused; R0001 only once per connection.
  r.round_once([](const V& v, S&, L& log) {
    drop(log, v.q[1], Q::Q);
    drop(log, v.q[1], Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 1400 Q refused|DROP 1400 Q refused");
  EXPECT_EQ(r.stats().drop_refused, 3u);
  EXPECT_EQ(r.h.log.size(), 1u);
  EXPECT_EQ(r.snap().q, (Seqs{0, 1400, 2800}));
}

TEST_F(Settle, PoppedAndNeitherPushedNorDroppedReturnsToQ) {
  RoundSummary s = r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[1]);  // behind the head: returns to its SEQ position
    pop(log, Q::Q, v.q[0]);
    return done();
  });
  EXPECT_EQ(pops(first()), "Q 1400 returned|Q 0 returned");
  EXPECT_EQ(first().rep.progress, Progress::None);
  EXPECT_EQ(s.executions, 1u);
  EXPECT_EQ(r.snap().q, (Seqs{0, 1400, 2800}));
  EXPECT_EQ(r.stats().pops_returned, 2u);
}

TEST_F(Settle, PushedInQPoppedWithoutPushReturns) {
  push_in_q();
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    return done();
  });
  EXPECT_EQ(pops(first()), "Q 0 returned");
  EXPECT_EQ(r.snap().q, (Seqs{0, 1400, 2800}));
  EXPECT_EQ(r.snap().qu, (Seqs{0}));
}

TEST_F(Settle, NotPoppedDroppedAndPushedIsRemovedFromQ) {
  push_in_q();
  r.round_once([](const V& v, S&, L& log) {
    drop(log, v.q[0], Q::Q);
    drop(log, v.q[0], Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 0 Q removed|DROP 0 Q no_effect");
  EXPECT_EQ(first().rep.progress, Progress::Packet);
  EXPECT_EQ(r.snap().q, (Seqs{1400, 2800}));
  EXPECT_EQ(r.snap().qu, (Seqs{0}));
}

TEST_F(Settle, PushWithoutPopAndDropInOneExecutionRemovesFromQ) {
  r.round_once([](const V& v, S&, L& log) {
    push(log, 0, v.q[0], Q::Q);
    drop(log, v.q[0], Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "PUSH 1 0 Q queued|DROP 0 Q removed");
  EXPECT_EQ(r.snap().q, (Seqs{1400, 2800}));
  EXPECT_EQ(r.snap().qu, (Seqs{0}));
}

TEST_F(Settle, PushWithoutPopKeepsThePacketInQ) {
  push_in_q();
  const ConnectionSnapshot s = r.snap();
  EXPECT_TRUE(s.packets[0].meta.in_q);
  EXPECT_TRUE(s.packets[0].meta.pushed);
  EXPECT_TRUE(check_invariants(s).empty());
}

TEST_F(Settle, PoppedFromRqAndPushedLeavesRq) {
  into_rq();
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::RQ, v.rq[0]);
    push(log, 1, v.rq[0], Q::RQ);
    return done();
  });
  EXPECT_EQ(acts(first()), "PUSH 2 0 RQ queued");
  EXPECT_EQ(pops(first()), "RQ 0 kept_out");
  const ConnectionSnapshot s = r.snap();
  EXPECT_TRUE(s.rq.empty());
  EXPECT_EQ(s.qu, (Seqs{0}));
  EXPECT_EQ(s.packets[0].sent_on, (std::vector<SubflowId>{1, 2}));
  const ConnectionStats st = r.stats();
  EXPECT_EQ(st.bytes_pushed, 2800u);
  EXPECT_EQ(st.bytes_pushed_new, 1400u);
  EXPECT_EQ(st.bytes_redundant, 1400u);
}

TEST_F(Settle, PoppedFromRqAndDroppedLeavesRq) {
  into_rq();
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::RQ, v.rq[0]);
    drop(log, v.rq[0], Q::RQ);
    drop(log, v.rq[0], Q::RQ);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 0 RQ removed|DROP 0 RQ no_effect");
  EXPECT_EQ(pops(first()), "RQ 0 kept_out");
  EXPECT_EQ(first().rep.progress, Progress::Packet);
  EXPECT_TRUE(r.snap().rq.empty());
  EXPECT_EQ(r.snap().qu, (Seqs{0}));  // still unacknowledged
}

TEST_F(Settle, PoppedFromRqAndNeitherReturnsToRq) {
  into_rq();
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::RQ, v.rq[0]);
    return done();
  });
  EXPECT_EQ(pops(first()), "RQ 0 returned");
  EXPECT_EQ(r.snap().rq, (Seqs{0}));
  EXPECT_EQ(r.stats().pops_returned, 1u);
}

TEST_F(Settle, NotPoppedDroppedFromRqIsRemoved) {
  into_rq();
  r.round_once([](const V& v, S&, L& log) {
    drop(log, v.rq[0], Q::RQ);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 0 RQ removed");
  EXPECT_TRUE(r.snap().rq.empty());
}

TEST_F(Settle, QuPopsAndDropsHaveNoLastingEffect) {
  into_rq();
  RoundSummary s = r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::QU, v.qu[0]);
    drop(log, v.qu[0], Q::QU);
    return done();
  });
  EXPECT_EQ(acts(first()), "DROP 0 QU no_effect");
  EXPECT_EQ(pops(first()), "QU 0 returned");
  EXPECT_EQ(first().rep.progress, Progress::None);
  EXPECT_EQ(s.end, RoundEnd::NoProgress);
  EXPECT_EQ(r.snap().qu, (Seqs{0}));
  EXPECT_EQ(r.snap().rq, (Seqs{0}));
  EXPECT_EQ(r.stats().pops_returned, 0u);  // QU pops are never counted
}

TEST_F(Settle, PushToASubflowHoldingAnUntransmittedCopyIsDeduplicated) {
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    push(log, 0, v.q[0], Q::Q);
    push(log, 0, v.q[0], Q::Q);
    push(log, 1, v.q[0], Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "PUSH 1 0 Q queued|PUSH 1 0 Q deduplicated|PUSH 2 0 Q queued");
  ConnectionStats st = r.stats();
  EXPECT_EQ(st.pushes_queued, 2u);
  EXPECT_EQ(st.pushes_deduplicated, 1u);
  EXPECT_EQ(st.actions_push, 3u);
  EXPECT_EQ(st.bytes_pushed_new, 1400u);
  EXPECT_EQ(st.bytes_redundant, 1400u);
  ASSERT_EQ(st.bytes_pushed_by_subflow.size(), 2u);
  EXPECT_EQ(st.bytes_pushed_by_subflow[0], (std::pair<std::uint32_t, std::uint64_t>{1, 1400}));
  EXPECT_EQ(st.bytes_pushed_by_subflow[1], (std::pair<std::uint32_t, std::uint64_t>{2, 1400}));

  // Once transmitted, a new push to the same subflow is a queued redundant copy again.
  ASSERT_EQ(r.h.model.transmit(1, 1), 1u);
  r.round_once([](const V& v, S&, L& log) {
    push(log, 0, v.qu[0], Q::QU);
    return done();
  });
  EXPECT_EQ(acts(first()), "PUSH 1 0 QU queued");
  EXPECT_EQ(r.stats().bytes_redundant, 2800u);
  EXPECT_EQ(r.h.model.conn(1).enqueued.size(), 3u);
}

TEST_F(Settle, DeduplicatedPushIsNotProgress) {
  push_in_q();  // copy of 0 queued on subflow 1
  RoundSummary s = r.round_once([](const V& v, S&, L& log) {
    push(log, 0, v.q[0], Q::Q);
    return done();
  });
  EXPECT_EQ(acts(first()), "PUSH 1 0 Q deduplicated");
  EXPECT_EQ(first().rep.progress, Progress::None);
  EXPECT_EQ(s.executions, 1u);
}

TEST_F(Settle, SetUserResultsAndVisibility) {
  r.round_once([](const V&, S&, L& log) {
    set_user(log, 0, 5);
    set_user(log, 0, 7);  // the last one for a subflow wins
    set_user(log, 1, 0);  // same value: unchanged
    return done();
  });
  EXPECT_EQ(acts(first()), "SET_USER 1 5 changed|SET_USER 1 7 changed|SET_USER 2 0 unchanged");
  EXPECT_EQ(first().rep.progress, Progress::State);
  EXPECT_EQ(r.snap().subflows[0].user, 7);
  std::int64_t seen = -1;
  r.round_once([&](const V& v, S&, L& log) {
    seen = v.subflows[0].user;
    set_user(log, 0, 7);
    return done();
  });
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(acts(first()), "SET_USER 1 7 unchanged");
  EXPECT_EQ(first().rep.progress, Progress::None);
  EXPECT_EQ(r.stats().actions_set_user, 4u);
}

TEST_F(Settle, PushedPacketIsVisibleInTheNextExecution) {
  std::vector<std::size_t> qu_sizes;
  std::vector<std::int64_t> queued;
  std::vector<bool> sent_on;
  r.script = [&](const V& v, S&, L& log) {
    qu_sizes.push_back(v.qu.size());
    queued.push_back(v.subflows[0].queued);
    sent_on.push_back(!v.qu.empty() && v.sent_on(*v.qu[0], 0));
    if (v.qu.empty()) {
      pop(log, Q::Q, v.q[0]);
      push(log, 0, v.q[0], Q::Q);
    }
    return done();
  };
  r.round();
  EXPECT_EQ(qu_sizes, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(queued, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(sent_on, (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace progmp::runtime
