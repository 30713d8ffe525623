// Scenario parsing: every key, defaults, each error kind with its exact position, --set overrides, example files.
#include "progmp/sim/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace progmp::sim {
namespace {

const char* kMinimal = R"(name = "m"
duration_s = 5
[[path]]
name = "p"
[[workload]]
type = "bulk"
)";

std::string error_of(const std::string& text) {
  Scenario s;
  std::string err;
  EXPECT_FALSE(parse_scenario(text, "t.toml", s, err));
  return err;
}

TEST(Scenario, MinimalGetsDefaults) {
  Scenario s;
  std::string err;
  ASSERT_TRUE(parse_scenario(kMinimal, "t.toml", s, err)) << err;
  EXPECT_EQ(s.name, "m");
  EXPECT_EQ(s.duration_s, 5.0);
  EXPECT_EQ(s.seed, 1u);
  ASSERT_EQ(s.paths.size(), 1u);
  EXPECT_EQ(s.paths[0].forward.rate_mbit, 10.0);
  EXPECT_EQ(s.paths[0].forward.delay_ms, 10.0);
  EXPECT_EQ(s.paths[0].forward.queue_pkts, 100u);
  EXPECT_FALSE(s.paths[0].backup);
  EXPECT_EQ(s.transport.cc, "lia");
  EXPECT_EQ(s.transport.mss, 1400u);
  EXPECT_EQ(s.transport.snd_buf_kb, 4096u);
  ASSERT_EQ(s.workloads.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<BulkWorkload>(s.workloads[0]));
}

TEST(Scenario, AllKeys) {
  const char* text = R"(name = "all"
duration_s = 2.5
seed = 99
[[path]]
reverse_delay_ms = 3
name = "wifi"
rate_mbit = 20.5
delay_ms = 7
jitter_ms = 1
loss = 0.1
loss_model = "gilbert"
gilbert_p = 0.01
gilbert_r = 0.2
gilbert_loss_good = 0.001
queue_pkts = 50
queue_bytes = 75000
trace = "wifi.mahimahi"
backup = true
reverse_rate_mbit = 5
  [[path.change]]
  at_s = 1
  rate_mbit = 2
  [[path.change]]
  at_s = 2
  up = false
  delay_ms = 30
  loss = 0.5
[transport]
cc = "olia"
mss = 1200
rcv_buf_kb = 64
snd_buf_kb = 128
[scheduler]
file = "x.progmp"
registers = [1, 2, 3, 4, 5, -6]
[[workload]]
type = "flows"
sizes = [1, 10]
count = 4
arrival = "poisson"
rate_per_s = 2
start_s = 0.5
[[workload]]
type = "cbr"
block_bytes = 512
slices_per_s = 20
user = 3
  [[workload.phase]]
  at_s = 0
  rate_mbyte_s = 1
  [[workload.phase]]
  at_s = 6
  rate_mbyte_s = 4
[[workload]]
type = "messages"
count = 10
size = 300
interval_ms = 20
user = 2
start_s = 1
[[workload]]
type = "http2"
html_bytes = 1000
critical_bytes = 2000
images_bytes = 3000
[[workload]]
type = "bulk"
bytes = 1000000
start_s = 1
)";
  Scenario s;
  std::string err;
  ASSERT_TRUE(parse_scenario(text, "t.toml", s, err)) << err;
  EXPECT_EQ(s.seed, 99u);
  EXPECT_EQ(s.duration_s, 2.5);
  const PathSpec& p = s.paths.at(0);
  EXPECT_EQ(p.forward.rate_mbit, 20.5);
  EXPECT_EQ(p.reverse.rate_mbit, 5.0);
  EXPECT_EQ(p.forward.delay_ms, 7.0);
  EXPECT_EQ(p.reverse.delay_ms, 3.0);  // reverse_ wins although written before delay_ms
  EXPECT_EQ(p.reverse.jitter_ms, 1.0);
  EXPECT_EQ(p.forward.loss_model, "gilbert");
  EXPECT_EQ(p.forward.gilbert_r, 0.2);
  EXPECT_EQ(p.forward.queue_bytes, 75000u);
  EXPECT_EQ(p.forward.trace, "wifi.mahimahi");
  EXPECT_TRUE(p.backup);
  ASSERT_EQ(p.changes.size(), 2u);
  EXPECT_EQ(p.changes[0].rate_mbit, 2.0);
  EXPECT_FALSE(p.changes[0].up.has_value());
  EXPECT_EQ(p.changes[1].up, false);
  EXPECT_EQ(p.changes[1].delay_ms, 30.0);
  const LossModel m = p.forward.loss_model_value();
  EXPECT_EQ(m.kind, LossModel::Kind::GilbertElliott);
  EXPECT_EQ(m.loss_bad, 0.1);
  const LinkConfig c = p.forward.to_config();
  EXPECT_EQ(c.rate.bps(), 20'500'000u);
  EXPECT_EQ(c.delay.ns(), 7'000'000);
  EXPECT_EQ(p.changes[1].to_link_change().at.ns_since_epoch(), 2'000'000'000);
  EXPECT_EQ(s.transport.cc, "olia");
  EXPECT_EQ(s.transport.mss, 1200u);
  EXPECT_EQ(s.transport.rcv_buf_kb, 64u);
  EXPECT_EQ(s.scheduler.file, "x.progmp");
  EXPECT_EQ(s.scheduler.registers, (std::vector<std::int64_t>{1, 2, 3, 4, 5, -6}));
  ASSERT_EQ(s.workloads.size(), 5u);
  const auto& f = std::get<FlowsWorkload>(s.workloads[0]);
  EXPECT_EQ(f.sizes, (std::vector<std::uint64_t>{1, 10}));
  EXPECT_EQ(f.count, 4u);
  EXPECT_EQ(f.arrival, "poisson");
  const auto& cbr = std::get<CbrWorkload>(s.workloads[1]);
  ASSERT_EQ(cbr.phases.size(), 2u);
  EXPECT_EQ(cbr.phases[1].at_s, 6.0);
  EXPECT_EQ(cbr.phases[1].rate_mbyte_s, 4.0);
  EXPECT_EQ(cbr.user, 3);
  const auto& msg = std::get<MessagesWorkload>(s.workloads[2]);
  EXPECT_EQ(msg.size, 300u);
  EXPECT_EQ(msg.interval_ms, 20.0);
  EXPECT_EQ(std::get<Http2Workload>(s.workloads[3]).images_bytes, 3000u);
  EXPECT_EQ(std::get<BulkWorkload>(s.workloads[4]).bytes, 1000000u);
}

TEST(Scenario, ErrorsHaveFileLineColumn) {
  const std::string head = "name = \"m\"\nduration_s = 5\n";
  const std::string tail = "[[workload]]\ntype = \"bulk\"\n";
  // Unknown keys point at the key.
  EXPECT_EQ(error_of(head + "colour = 1\n[[path]]\nname = \"p\"\n" + tail),
            "t.toml:3:1: unknown key 'colour' in the top level");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\n  bandwidth = 3\n" + tail),
            "t.toml:5:3: unknown key 'bandwidth' in [[path]]");
  // Bad values point at the value.
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\nloss = 1.5\n" + tail),
            "t.toml:5:8: 'loss' must be in [0, 1], got 1.5");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\ndelay_ms = \"ten\"\n" + tail),
            "t.toml:5:12: 'delay_ms' must be a number");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\nqueue_pkts = 1.5\n" + tail),
            "t.toml:5:14: 'queue_pkts' must be an integer");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\nbackup = 1\n" + tail),
            "t.toml:5:10: 'backup' must be true or false");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\n[transport]\ncc = \"bbr\"\n" + tail),
            "t.toml:6:6: 'cc' must be one of reno, cubic, lia, olia, got 'bbr'");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\n[scheduler]\nregisters = [1,2,3,4,5,6,7]\n" + tail),
            "t.toml:6:13: 'registers' has 7 values, at most 6");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\n[[workload]]\ntype = \"video\"\n"),
            "t.toml:6:8: 'type' must be one of bulk, flows, cbr, messages, http2, got 'video'");
  // Missing keys point at the table.
  EXPECT_EQ(error_of(head + "[[path]]\nrate_mbit = 5\n" + tail), "t.toml:3:1: [[path]] needs 'name'");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\n[[path]]\nname = \"p\"\n" + tail),
            "t.toml:5:1: duplicate path name 'p'");
  EXPECT_EQ(error_of("duration_s = 5\n[[path]]\nname = \"p\"\n" + tail), "t.toml:1:1: missing required key 'name'");
  EXPECT_EQ(error_of(head + tail), "t.toml:1:1: scenario needs at least one [[path]]");
  EXPECT_EQ(error_of(head + "[[path]]\nname = \"p\"\n  [[path.change]]\n  rate_mbit = 1\n" + tail),
            "t.toml:5:3: [[path.change]] needs 'at_s'");
  // A TOML syntax error.
  EXPECT_EQ(error_of("name = \"m\"\nduration_s = = 5\n"), "t.toml:2:14: Error while parsing value: could not determine value type");
}

TEST(Scenario, WorkloadSignalsAndRegisters) {
  const char* text = R"(name = "s"
duration_s = 5
[[path]]
name = "p"
[[workload]]
type = "flows"
sizes = [1000]
end_of_flow_register = 1
  [[workload.signal]]
  at_s = 0.5
  register = 4
  value = -7
  [[workload.signal]]
  at_s = 2
  register = 6
  value = 100
[[workload]]
type = "cbr"
rate_mbyte_s = 1
target_register = 1
[[workload]]
type = "http2"
dependency_register = 5
[[workload]]
type = "bulk"
  [[workload.signal]]
  at_s = 1
  register = 1
  value = 1
[[workload]]
type = "messages"
  [[workload.signal]]
  register = 2
  value = 3
  at_s = 0
[[workload]]
type = "http2"
[[workload]]
type = "flows"
sizes = [1]
)";
  Scenario s;
  std::string err;
  ASSERT_TRUE(parse_scenario(text, "t.toml", s, err)) << err;
  ASSERT_EQ(s.workloads.size(), 7u);
  const auto& f = std::get<FlowsWorkload>(s.workloads[0]);
  EXPECT_EQ(f.end_of_flow_register, 1);
  ASSERT_EQ(f.signals.size(), 2u);
  EXPECT_EQ(f.signals[0].at_s, 0.5);
  EXPECT_EQ(f.signals[0].reg, 4);
  EXPECT_EQ(f.signals[0].value, -7);
  EXPECT_EQ(f.signals[1].reg, 6);
  EXPECT_EQ(std::get<CbrWorkload>(s.workloads[1]).target_register, 1);
  EXPECT_EQ(std::get<Http2Workload>(s.workloads[2]).dependency_register, 5);
  ASSERT_EQ(std::get<BulkWorkload>(s.workloads[3]).signals.size(), 1u);
  const auto& m = std::get<MessagesWorkload>(s.workloads[4]);
  ASSERT_EQ(m.signals.size(), 1u);
  EXPECT_EQ(m.signals[0].reg, 2);
  EXPECT_EQ(m.signals[0].value, 3);
  // Defaults: http2 announces in R1; the other registers are off.
  EXPECT_EQ(std::get<Http2Workload>(s.workloads[5]).dependency_register, 1);
  EXPECT_EQ(std::get<FlowsWorkload>(s.workloads[6]).end_of_flow_register, 0);
  EXPECT_TRUE(std::get<FlowsWorkload>(s.workloads[6]).signals.empty());
  EXPECT_EQ(std::get<CbrWorkload>(s.workloads[1]).signals.size(), 0u);
}

TEST(Scenario, WorkloadSignalErrors) {
  const std::string head = "name = \"m\"\nduration_s = 5\n[[path]]\nname = \"p\"\n[[workload]]\n";  // lines 1-5
  const std::string bulk = head + "type = \"bulk\"\n  [[workload.signal]]\n";                          // line 7
  EXPECT_EQ(error_of(bulk + "  at_s = 1\n  register = 7\n  value = 1\n"),
            "t.toml:9:14: 'register' must be in [1, 6], got 7");
  EXPECT_EQ(error_of(bulk + "  at_s = 1\n  register = 0\n  value = 1\n"),
            "t.toml:9:14: 'register' must be in [1, 6], got 0");
  EXPECT_EQ(error_of(bulk + "  at_s = 1\n  reg = 1\n  value = 1\n"),
            "t.toml:9:3: unknown key 'reg' in [[workload.signal]]");
  EXPECT_EQ(error_of(bulk + "  at_s = 1\n  register = 1\n"),
            "t.toml:7:3: [[workload.signal]] needs 'at_s', 'register' and 'value'");
  EXPECT_EQ(error_of(bulk + "  register = 1\n  value = 2\n"),
            "t.toml:7:3: [[workload.signal]] needs 'at_s', 'register' and 'value'");
  EXPECT_EQ(error_of(bulk + "  at_s = -1\n  register = 1\n  value = 1\n"),
            "t.toml:8:10: 'at_s' must be in [0, 86400], got -1");
  EXPECT_EQ(error_of(bulk + "  at_s = 1\n  register = 1\n  value = 1.5\n"),
            "t.toml:10:11: 'value' must be an integer");
  EXPECT_EQ(error_of(bulk + "  at_s = 2\n  register = 1\n  value = 1\n  [[workload.signal]]\n  at_s = 1\n"
                            "  register = 1\n  value = 0\n"),
            "t.toml:11:3: [[workload.signal]] entries must be in non-decreasing at_s order");
  EXPECT_EQ(error_of(head + "type = \"bulk\"\nsignal = 1\n"),
            "t.toml:7:10: workload.signal must be an array of tables ([[workload.signal]])");
  // Register keys belong to their own workload type and take 1..6.
  EXPECT_EQ(error_of(head + "type = \"bulk\"\nend_of_flow_register = 1\n"),
            "t.toml:7:1: unknown key 'end_of_flow_register' in bulk [[workload]]");
  EXPECT_EQ(error_of(head + "type = \"messages\"\ntarget_register = 1\n"),
            "t.toml:7:1: unknown key 'target_register' in messages [[workload]]");
  EXPECT_EQ(error_of(head + "type = \"flows\"\nsizes = [1]\nend_of_flow_register = 0\n"),
            "t.toml:8:24: 'end_of_flow_register' must be in [1, 6], got 0");
  EXPECT_EQ(error_of(head + "type = \"cbr\"\nrate_mbyte_s = 1\ntarget_register = \"R1\"\n"),
            "t.toml:8:19: 'target_register' must be an integer");
  EXPECT_EQ(error_of(head + "type = \"http2\"\ndependency_register = 9\n"),
            "t.toml:7:23: 'dependency_register' must be in [1, 6], got 9");
  EXPECT_EQ(error_of(head + "type = \"cbr\"\nrate_mbyte_s = 1\n"
                           "  [[workload.phase]]\n  at_s = 0\n  rate_mbyte_s = 2\n"),
            "t.toml:5:1: cbr [[workload]]: 'rate_mbyte_s' is the rate from 0 s, as is a [[workload.phase]] at 0");
}

TEST(Scenario, Overrides) {
  Scenario s;
  std::string err;
  ASSERT_TRUE(parse_scenario(std::string(kMinimal) + "[[path]]\nname = \"lte\"\n", "t.toml", s, err)) << err;
  EXPECT_TRUE(apply_override(s, "path.0.delay_ms=20", err)) << err;
  EXPECT_EQ(s.paths[0].forward.delay_ms, 20.0);
  EXPECT_EQ(s.paths[0].reverse.delay_ms, 20.0);
  EXPECT_TRUE(apply_override(s, "path.lte.reverse_rate_mbit=2.5", err)) << err;
  EXPECT_EQ(s.paths[1].reverse.rate_mbit, 2.5);
  EXPECT_EQ(s.paths[1].forward.rate_mbit, 10.0);
  EXPECT_TRUE(apply_override(s, "transport.cc=cubic", err)) << err;
  EXPECT_EQ(s.transport.cc, "cubic");
  EXPECT_TRUE(apply_override(s, "seed=7", err)) << err;
  EXPECT_EQ(s.seed, 7u);
  EXPECT_TRUE(apply_override(s, "scheduler.registers=[2, 3]", err)) << err;
  EXPECT_EQ(s.scheduler.registers, (std::vector<std::int64_t>{2, 3}));

  EXPECT_FALSE(apply_override(s, "seed", err));
  EXPECT_EQ(err, "--set 'seed': expected key=value");
  EXPECT_FALSE(apply_override(s, "path.wlan.delay_ms=1", err));
  EXPECT_EQ(err, "--set path.wlan.delay_ms: no path 'wlan' (the scenario has 2)");
  EXPECT_FALSE(apply_override(s, "path.5.delay_ms=1", err));
  EXPECT_EQ(err, "--set path.5.delay_ms: no path '5' (the scenario has 2)");
  EXPECT_FALSE(apply_override(s, "path.0.colour=1", err));
  EXPECT_EQ(err, "--set path.0.colour: unknown key");
  EXPECT_FALSE(apply_override(s, "path.0.loss=2", err));
  EXPECT_EQ(err, "--set path.0.loss: 'loss' must be in [0, 1], got 2");
}

TEST(Scenario, EveryExampleFileParses) {
  const std::filesystem::path dir = std::filesystem::path(PROGMP_SOURCE_DIR) / "scenarios";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    Scenario s;
    std::string err;
    EXPECT_TRUE(load_scenario(entry.path().string(), s, err)) << err;
    EXPECT_EQ(s.name, entry.path().stem().string());
    ++count;
  }
  EXPECT_GE(count, 5);
}

TEST(Scenario, MissingFile) {
  Scenario s;
  std::string err;
  EXPECT_FALSE(load_scenario("/nonexistent/x.toml", s, err));
  EXPECT_EQ(err, "/nonexistent/x.toml: cannot open file");
}

}  // namespace
}  // namespace progmp::sim
