// Triggers and what happens between rounds (runtime.md §5, §8, §9, §15.3): coalescing, which events raise which
// reason, the idle timer and the stall warning R0004.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace progmp::runtime {
namespace {

using namespace progmp::testing;
using Q = QueueId;
using V = SchedulerView;
using S = ExecState;
using L = EffectLog;

std::string reasons_of(const std::string& round_record) {
  const auto b = round_record.find("\"reasons\":");
  const auto e = round_record.find(']', b);
  return round_record.substr(b + 10, e - b - 9);
}

TEST(Triggers, CallbacksOnlyRecordAndPollCoalesces) {
  Rig r;
  const SubflowId a = r.subflow(10000);
  const std::size_t rounds_before = r.h.records("round").size();
  r.h.rt.on_send_space(1, a);
  r.h.rt.on_backup_changed(1, a);
  r.h.rt.on_timer(1);
  EXPECT_EQ(r.h.records("round").size(), rounds_before);  // nothing ran yet
  auto s = r.h.rt.poll(1);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->reasons, static_cast<std::uint16_t>(Trigger::SendSpace) |
                            static_cast<std::uint16_t>(Trigger::BackupChanged) |
                            static_cast<std::uint16_t>(Trigger::IdleTick) |
                            static_cast<std::uint16_t>(Trigger::SubflowUp));
  EXPECT_EQ(reasons_of(r.h.records("round").back()), R"(["send_space","subflow_up","backup_changed","idle_tick"])");
  EXPECT_FALSE(r.h.rt.poll(1).has_value());  // nothing pending any more
  EXPECT_EQ(r.h.rt.on_send_space(1, 99), Status::UnknownSubflow);
  EXPECT_EQ(r.h.rt.on_timer(42), Status::UnknownConnection);
  EXPECT_FALSE(r.h.rt.poll(42).has_value());
}

TEST(Triggers, ApiCallsRunTheirOwnRound) {
  Rig r;
  auto last_reasons = [&] { return reasons_of(r.h.records("round").back()); };
  r.h.rt.send(1, 100);
  EXPECT_EQ(last_reasons(), R"(["app_data"])");
  r.h.rt.set_register(1, 6, -3);
  EXPECT_EQ(last_reasons(), R"(["register_set"])");
  EXPECT_EQ(r.h.rt.get_register(1, 6).value, -3);
  r.h.rt.set_scheduler(1, "s");
  EXPECT_EQ(last_reasons(), R"(["scheduler_set"])");
  const std::size_t n = r.h.records("round").size();
  EXPECT_EQ(r.h.rt.send(1, 0).accepted, 0u);  // zero bytes: nothing happens
  EXPECT_EQ(r.h.rt.set_register(1, 7, 1), Status::BadRegister);
  EXPECT_EQ(r.h.rt.set_register(1, 0, 1), Status::BadRegister);
  EXPECT_EQ(r.h.rt.get_register(1, 0).status, Status::BadRegister);
  EXPECT_EQ(r.h.rt.set_register(5, 1, 1), Status::UnknownConnection);
  EXPECT_EQ(r.h.records("round").size(), n);
  // end_of_flow raises app_data only if it changes a PSH: the 100-byte packet already has PSH.
  EXPECT_EQ(r.h.rt.end_of_flow(1), Status::Ok);
  EXPECT_EQ(r.h.records("round").size(), n);
}

TEST(Triggers, TransportEventsRaiseTheirReasons) {
  Rig r;
  const SubflowId a = r.subflow(10000);
  r.h.rt.poll(1);
  r.script = scripted_minrtt;
  r.send_packets(2);  // the send round runs the no-op script
  r.round();          // pushes 0 and 1400 on subflow 1
  ASSERT_EQ(r.snap().qu, (std::vector<std::int64_t>{0, 1400}));
  r.script = noop;

  auto pending = [&] { return r.snap().pending_triggers; };
  r.h.rt.on_subflow_ack(1, a, 0, false);
  EXPECT_EQ(pending(), 0u);  // nothing changed: no trigger
  r.h.rt.on_subflow_ack(1, a, 1400, true);
  EXPECT_EQ(pending(), static_cast<std::uint16_t>(Trigger::SubflowAck));
  r.h.rt.poll(1);
  r.h.rt.on_data_ack(1, 0);
  EXPECT_EQ(pending(), 0u);  // no advance
  r.h.rt.on_data_ack(1, 700);
  EXPECT_EQ(pending(), static_cast<std::uint16_t>(Trigger::DataAck));  // advanced, no packet complete
  EXPECT_EQ(r.snap().qu, (std::vector<std::int64_t>{0, 1400}));
  r.h.rt.poll(1);
  const std::int64_t never_pushed[] = {9999};
  r.h.rt.on_reinject(1, never_pushed, ReinjectCause::DataRetransmitTimer);
  EXPECT_EQ(pending(), 0u);
  const std::int64_t both[] = {1400, 0, 1400};
  r.h.rt.on_reinject(1, both, ReinjectCause::DataRetransmitTimer);
  EXPECT_EQ(pending(), static_cast<std::uint16_t>(Trigger::Reinject));
  EXPECT_EQ(r.snap().rq, (std::vector<std::int64_t>{0, 1400}));
  r.h.rt.poll(1);
  r.h.rt.on_reinject(1, both, ReinjectCause::DataRetransmitTimer);
  EXPECT_EQ(pending(), 0u);  // already in RQ: nothing added
  EXPECT_EQ(r.h.rt.on_subflow_ack(1, 77, 1, true), Status::UnknownSubflow);
}

TEST(IdleTimer, ArmedWhenDataWaitsAndNothingIsOutstanding) {
  Rig r;
  r.subflow(10000);
  r.h.model.set_now(1, 5'000'000);
  r.send_packets(1);  // the no-op program refuses to send
  ASSERT_TRUE(r.h.model.conn(1).timer_at.has_value());
  EXPECT_EQ(*r.h.model.conn(1).timer_at, 5'020'000);
  // Any round cancels it before it starts; this one arms it again from its own time.
  r.h.model.set_now(1, 5'010'000);
  r.round();
  EXPECT_EQ(*r.h.model.conn(1).timer_at, 5'030'000);
  // Firing it runs a round with reason idle_tick.
  r.h.model.set_now(1, 5'030'000);
  r.h.model.fire_timer(1);
  auto s = r.h.rt.poll(1);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->reasons, static_cast<std::uint16_t>(Trigger::IdleTick));
  EXPECT_EQ(*r.h.model.conn(1).timer_at, 5'050'000);
}

TEST(IdleTimer, NotArmedWhileSomethingIsInFlightOrQueued) {
  Rig r;
  const SubflowId a = r.subflow(10000);
  r.h.model.values(1, a).in_flight = 1;
  r.send_packets(1);
  EXPECT_FALSE(r.h.model.conn(1).timer_at.has_value());
  r.h.model.values(1, a).in_flight = 0;
  r.h.model.values(1, a).queued = 2;
  r.round();
  EXPECT_FALSE(r.h.model.conn(1).timer_at.has_value());
}

TEST(IdleTimer, NotArmedWithoutWaitingDataOrWithoutSubflows) {
  Rig r;
  r.send_packets(1);  // no subflows
  EXPECT_FALSE(r.h.model.conn(1).timer_at.has_value());
  Rig r2;
  r2.subflow(10000);
  r2.round();  // nothing waiting
  EXPECT_FALSE(r2.h.model.conn(1).timer_at.has_value());
}

TEST(IdleTimer, CancelledByARoundThatSchedulesEverything) {
  Rig r;
  r.subflow(10000);
  r.send_packets(1);
  ASSERT_TRUE(r.h.model.conn(1).timer_at.has_value());
  r.script = scripted_minrtt;
  r.round();
  EXPECT_FALSE(r.h.model.conn(1).timer_at.has_value());  // Q empty and a copy queued
}

TEST(Stall, WarnsOncePerStallAfterFiveSeconds) {
  Rig r;
  r.subflow(10000);
  r.h.model.set_now(1, 1'000'000);
  r.send_packets(2);  // stall starts at 1 s
  r.h.model.set_now(1, 5'999'999);
  r.round();
  EXPECT_TRUE(r.h.log.empty());
  r.h.model.set_now(1, 6'000'000);
  r.round();
  ASSERT_EQ(r.h.log.size(), 1u);
  EXPECT_EQ(r.h.log[0],
            "progmp: conn 1 [s@1]: warning[R0004]: no packet scheduled for 5000 ms although data is waiting");
  const auto diags = r.h.records("diag");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0], R"({"t_us":6000000,"kind":"diag","conn":1,"sched":"s@1","severity":"warning","code":"R0004","message":"no packet scheduled for 5000 ms although data is waiting","q":2,"rq":0})");
  r.h.model.set_now(1, 20'000'000);
  r.round();
  EXPECT_EQ(r.h.log.size(), 1u);  // same stall

  // Packet progress ends the stall; the next one warns again.
  r.round_once([](const V& v, S&, L& log) {
    pop(log, Q::Q, v.q[0]);
    push(log, 0, v.q[0], Q::Q);
    return done();
  });
  r.h.model.set_now(1, 24'000'000);
  r.round();
  EXPECT_EQ(r.h.log.size(), 1u);
  r.h.model.set_now(1, 25'000'000);
  r.round();
  ASSERT_EQ(r.h.log.size(), 2u);
  EXPECT_NE(r.h.log[1].find("no packet scheduled for 5000 ms"), std::string::npos);
}

TEST(Stall, NoWarningWithoutSubflows) {
  Rig r;
  r.send_packets(1);
  r.h.model.set_now(1, 60'000'000);
  r.round();
  EXPECT_TRUE(r.h.log.empty());
}

}  // namespace
}  // namespace progmp::runtime
