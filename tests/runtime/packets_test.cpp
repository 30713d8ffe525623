// Packetisation of send (runtime.md §11.2), the send buffer, end of flow, data acknowledgement and payload, and
// the subflow life cycle with its SENT_ON slots (§3.2, §8).
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
using Seqs = std::vector<std::int64_t>;

TEST(Packetisation, CutsCallsIntoMssPackets) {
  Rig r;
  r.h.model.set_mss(1, 1000);
  r.h.model.set_now(1, 42'000);
  SendResult s = r.h.rt.send(1, 2500, SendOptions{7, true});
  EXPECT_EQ(s.status, Status::Ok);
  EXPECT_EQ(s.accepted, 2500u);
  s = r.h.rt.send(1, 300, SendOptions{-1, false});
  EXPECT_EQ(s.accepted, 300u);
  const ConnectionSnapshot snap = r.snap();
  ASSERT_EQ(snap.packets.size(), 4u);
  const std::int64_t seq[] = {0, 1000, 2000, 2500};
  const std::int64_t len[] = {1000, 1000, 500, 300};
  const std::int64_t user[] = {7, 7, 7, -1};
  const bool psh[] = {false, false, true, false};
  for (int i = 0; i < 4; ++i) {
    const PacketMeta& m = snap.packets[static_cast<std::size_t>(i)].meta;
    EXPECT_EQ(m.seq, seq[i]);
    EXPECT_EQ(m.length, len[i]);
    EXPECT_EQ(m.user, user[i]);
    EXPECT_EQ(m.psh, psh[i]);
    EXPECT_EQ(m.t_app_us, 42'000);
    EXPECT_TRUE(m.in_q);
    EXPECT_FALSE(m.pushed);
  }
  EXPECT_EQ(snap.q, (Seqs{0, 1000, 2000, 2500}));
  EXPECT_EQ(snap.next_seq, 2800);
  EXPECT_TRUE(check_invariants(snap).empty());
}

TEST(Packetisation, SendBufferLimitsAcceptanceAndPsh) {
  RuntimeConfig cfg;
  cfg.snd_buf_bytes = 3000;
  Rig r(cfg);
  r.h.model.set_mss(1, 1000);
  EXPECT_EQ(r.h.rt.send(1, 2500).accepted, 2500u);
  SendResult s = r.h.rt.send(1, 1000, SendOptions{0, true});
  EXPECT_EQ(s.accepted, 500u);
  EXPECT_FALSE(r.snap().packets.back().meta.psh);  // the call was cut: no PSH
  EXPECT_EQ(r.h.rt.send(1, 10).accepted, 0u);
  // Acknowledging the first packet frees its 1000 bytes.
  r.script = scripted_minrtt;
  r.subflow(10000);
  r.round();
  r.h.rt.on_data_ack(1, 1000);
  EXPECT_EQ(r.h.rt.send(1, 2000).accepted, 1000u);
  EXPECT_EQ(r.snap().next_seq, 4000);
}

TEST(EndOfFlow, SetsPshOfTheLastUnsentPacketAndClosesTheStream) {
  Rig r;
  r.h.rt.send(1, 2000, SendOptions{0, false});
  ASSERT_FALSE(r.snap().packets.back().meta.psh);
  const std::size_t rounds = r.h.records("round").size();
  EXPECT_EQ(r.h.rt.end_of_flow(1), Status::Ok);
  EXPECT_TRUE(r.snap().packets.back().meta.psh);
  EXPECT_FALSE(r.snap().packets.front().meta.psh);
  EXPECT_TRUE(r.snap().end_of_flow);
  EXPECT_EQ(r.h.records("round").size(), rounds + 1);  // app_data
  EXPECT_EQ(r.h.rt.send(1, 10).status, Status::Closed);
  EXPECT_EQ(r.h.rt.end_of_flow(1), Status::Ok);
  EXPECT_EQ(r.h.rt.end_of_flow(7), Status::UnknownConnection);
}

TEST(EndOfFlow, LeavesAPushedLastPacketAlone) {
  Rig r;
  r.subflow(10000);
  r.h.rt.send(1, 1000, SendOptions{0, false});
  r.script = scripted_minrtt;
  r.round();
  ASSERT_TRUE(r.snap().packets.back().meta.pushed);
  const std::size_t rounds = r.h.records("round").size();
  r.h.rt.end_of_flow(1);
  EXPECT_FALSE(r.snap().packets.back().meta.psh);
  EXPECT_EQ(r.h.records("round").size(), rounds);
}

TEST(DataAck, RemovesCompletePacketsFromEveryQueue) {
  Rig r;
  r.subflow(10000);
  r.send_packets(4);
  // 0 pushed and in RQ, 1400 pushed but still in Q, 2800 and 4200 unsent.
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    push(log, 0, v.q[0], Q::Q);
    push(log, 0, v.q[1], Q::Q);
    return done();
  });
  const std::int64_t zero = 0;
  r.h.rt.on_reinject(1, std::span<const std::int64_t>(&zero, 1), ReinjectCause::SubflowTimeout);
  ConnectionSnapshot s = r.snap();
  ASSERT_EQ(s.q, (Seqs{1400, 2800, 4200}));
  ASSERT_EQ(s.qu, (Seqs{0, 1400}));
  ASSERT_EQ(s.rq, (Seqs{0}));
  r.h.rt.on_data_ack(1, 2000);  // 0 and 1400 complete? 1400 + 1400 = 2800 > 2000: only 0
  s = r.snap();
  EXPECT_EQ(s.q, (Seqs{1400, 2800, 4200}));
  EXPECT_EQ(s.qu, (Seqs{1400}));
  EXPECT_TRUE(s.rq.empty());
  EXPECT_EQ(s.packets.size(), 3u);
  r.h.rt.on_data_ack(1, 2800);
  s = r.snap();
  EXPECT_EQ(s.q, (Seqs{2800, 4200}));
  EXPECT_TRUE(s.qu.empty());
  EXPECT_EQ(s.data_acked, 2800);
  EXPECT_TRUE(check_invariants(s).empty());
}

TEST(Payload, StoredOncePerConnectionAndReleasedOnAck) {
  Rig r;
  r.h.model.set_mss(1, 4);
  std::vector<std::byte> data(10);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>('a' + i);
  ASSERT_EQ(r.h.rt.send(1, data).accepted, 10u);
  std::byte out[8];
  ASSERT_EQ(r.h.rt.read_payload(1, 4, out), 6u);
  EXPECT_EQ(static_cast<char>(out[0]), 'e');
  EXPECT_EQ(static_cast<char>(out[5]), 'j');
  r.script = scripted_minrtt;
  r.subflow(10000);
  r.round();
  r.h.rt.on_data_ack(1, 6);  // only packet 0..3 is complete
  EXPECT_EQ(r.h.rt.read_payload(1, 0, out), 0u);
  ASSERT_EQ(r.h.rt.read_payload(1, 4, std::span<std::byte>(out, 2)), 2u);
  EXPECT_EQ(static_cast<char>(out[0]), 'e');
  // Many sends and acks wrap the ring buffer; bytes stay intact.
  r.h.rt.on_data_ack(1, 10);
  r.h.model.set_mss(1, 1000);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::byte> chunk(3000);
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<std::byte>((i * 7 + round) & 0xFF);
    const std::int64_t base = r.snap().next_seq;
    ASSERT_EQ(r.h.rt.send(1, chunk).accepted, 3000u);
    std::vector<std::byte> back(3000);
    ASSERT_EQ(r.h.rt.read_payload(1, base, back), 3000u);
    ASSERT_EQ(back, chunk);
    r.h.rt.on_data_ack(1, base + 2000);
  }
}

TEST(Subflows, CreationRulesAndAvailability) {
  Rig r;
  EXPECT_EQ(r.h.rt.on_subflow_created(1, 0), Status::BadSubflow);
  EXPECT_EQ(r.h.rt.on_subflow_created(1, 5), Status::Ok);
  EXPECT_EQ(r.h.rt.on_subflow_created(1, 5), Status::BadSubflow);  // IDs increase, never reused
  EXPECT_EQ(r.h.rt.on_subflow_created(1, 3), Status::BadSubflow);
  EXPECT_EQ(r.h.rt.on_subflow_created(1, 0x80000000u), Status::BadSubflow);
  EXPECT_EQ(r.h.rt.on_subflow_up(1, 4), Status::UnknownSubflow);
  EXPECT_EQ(r.snap().subflows.size(), 1u);
  EXPECT_FALSE(r.snap().subflows[0].available);
  EXPECT_EQ(r.h.rt.on_subflow_created(9, 6), Status::UnknownConnection);
}

TEST(Subflows, AtMost32Available) {
  Rig r;
  for (SubflowId id = 1; id <= 33; ++id) ASSERT_EQ(r.h.rt.on_subflow_created(1, id), Status::Ok);
  for (SubflowId id = 1; id <= 32; ++id) ASSERT_EQ(r.h.rt.on_subflow_up(1, id), Status::Ok);
  EXPECT_EQ(r.h.rt.on_subflow_up(1, 33), Status::TooManySubflows);
}

TEST(Subflows, SixtyFourSlotsThenRemovalFreesOne) {
  Rig r;
  for (SubflowId id = 1; id <= 64; ++id) ASSERT_EQ(r.h.rt.on_subflow_created(1, id), Status::Ok);
  EXPECT_EQ(r.h.rt.on_subflow_created(1, 65), Status::TooManySubflows);
  ASSERT_EQ(r.h.rt.on_subflow_removed(1, 10, {}), Status::Ok);
  ASSERT_EQ(r.h.rt.on_subflow_created(1, 66), Status::Ok);
  const ConnectionSnapshot s = r.snap();
  EXPECT_EQ(s.subflows.back().id, 66u);
  EXPECT_EQ(s.subflows.back().slot, 9);  // subflow 10 had slot 9
}

TEST(Subflows, FailureReinjectsStrandedCopiesAndKeepsUser) {
  Rig r;
  const SubflowId a = r.subflow(10000);
  const SubflowId b = r.subflow(20000);
  r.send_packets(3);
  // 0 on both subflows, 1400 on a; 2800 unsent.
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    push(log, 0, v.q[0], Q::Q);
    push(log, 1, v.q[0], Q::Q);
    pop(log, Q::Q, v.q[1]);
    push(log, 0, v.q[1], Q::Q);
    set_user(log, 0, 9);
    return done();
  });
  InvariantChecker check(r.h.rt, r.h.model, 1);
  r.h.model.transmit(1, a, 1);  // 0 in flight on a, 1400 still queued on a
  check.note_lost(a);
  r.h.model.fail(1, a);
  EXPECT_TRUE(check.check("after failure"));
  ConnectionSnapshot s = r.snap();
  EXPECT_EQ(s.rq, (Seqs{0, 1400}));
  EXPECT_EQ(s.packets[0].sent_on, (std::vector<SubflowId>{b}));
  EXPECT_TRUE(s.packets[1].sent_on.empty());
  EXPECT_FALSE(s.subflows[0].available);
  EXPECT_EQ(s.subflows[0].user, 9);
  EXPECT_EQ(s.pending_triggers, static_cast<std::uint16_t>(Trigger::SubflowDown));
  // The view leaves the failed subflow out.
  std::vector<std::int64_t> ids;
  r.round_once([&](const V& v, S&, L&) {
    for (const SubflowSnapshot& x : v.subflows) ids.push_back(x.id);
    return done();
  });
  EXPECT_EQ(ids, (std::vector<std::int64_t>{b}));
  // Recovery keeps ID and USER.
  r.h.model.recover(1, a);
  EXPECT_TRUE(r.snap().subflows[0].available);
  EXPECT_EQ(r.snap().subflows[0].user, 9);
  // Removal discards USER and frees the slot; the packets lose b's bit.
  check.note_lost(b);
  r.h.model.remove(1, b);
  EXPECT_TRUE(check.check("after removal"));
  s = r.snap();
  EXPECT_EQ(s.subflows.size(), 1u);
  EXPECT_TRUE(s.packets[0].sent_on.empty());
  EXPECT_EQ(s.packets[0].meta.sent_on, 0u);
  EXPECT_EQ(r.stats().bytes_pushed_by_subflow.size(), 2u);  // history keeps removed subflows
}

TEST(Subflows, BackupChangeAndRttComeFromTheTransport) {
  Rig r;
  const SubflowId a = r.subflow(10000);
  bool backup = false;
  std::int64_t rtt = 0, ms = 0;
  r.script = [&](const V& v, S&, L&) {
    backup = v.subflows[0].is_backup;
    rtt = v.subflows[0].rtt_us;
    ms = v.now_us;
    return done();
  };
  r.h.model.values(1, a).srtt_us = 31'500;
  r.h.model.set_now(1, 1'203'500);
  r.h.model.set_backup(1, a, true);
  r.h.rt.poll(1);
  EXPECT_TRUE(backup);
  EXPECT_EQ(rtt, 31'500);
  EXPECT_EQ(ms, 1'203'500);
}

TEST(Subflows, EstimatorsFeedTheView) {
  Rig r;
  const SubflowId a = r.subflow(10000);
  r.send_packets(2);
  r.h.model.set_now(1, 1'000'000);
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    push(log, 0, v.q[0], Q::Q);
    return done();
  });
  r.h.model.transmit(1, a);
  r.h.model.set_now(1, 1'250'000);
  r.h.model.ack_subflow(1, a, 1);  // 1400 bytes acknowledged at 1.25 s
  std::int64_t send = -1, ack = -1;
  r.h.model.set_now(1, 1'500'000);
  r.round_once([&](const V& v, S&, L&) {
    send = v.subflows[0].bw_out_send;
    ack = v.subflows[0].bw_out_ack;
    return done();
  });
  EXPECT_EQ(send, 700);   // 1400 × (1e6 − 500000) / 1e6
  EXPECT_EQ(ack, 1050);   // 1400 × (1e6 − 250000) / 1e6
}

TEST(Generator, SeededFromConnIndexAndRuntimeSeed) {
  RuntimeConfig cfg;
  cfg.runtime_seed = 0x1234;
  Harness h(cfg);
  h.open(10);
  h.open(20);
  EXPECT_EQ(h.snap(10).conn_index, 1u);
  EXPECT_EQ(h.snap(20).conn_index, 2u);
  EXPECT_EQ(h.snap(10).rng, 0x1234ull ^ (1ull * 0xD1B54A32D192ED03ull));
  EXPECT_EQ(h.snap(20).rng, 0x1234ull ^ (2ull * 0xD1B54A32D192ED03ull));
  EXPECT_EQ(h.rt.open_connection(10), Status::DuplicateConnection);
}

}  // namespace
}  // namespace progmp::runtime
