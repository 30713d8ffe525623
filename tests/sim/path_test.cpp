// Path: two directions wired to their sinks, built from scenario data.
#include "progmp/sim/path.hpp"

#include <gtest/gtest.h>

#include "progmp/sim/scenario.hpp"

namespace progmp::sim {
namespace {
using namespace progmp::literals;

struct Count : PacketSink {
  std::int64_t last_ns = -1;
  int n = 0;
  void receive(Simulator& sim, Packet) override {
    ++n;
    last_ns = sim.now().ns_since_epoch();
  }
};

TEST(Path, DirectionsUseTheirOwnSettings) {
  Scenario s;
  std::string err;
  ASSERT_TRUE(parse_scenario("name=\"x\"\nduration_s=1\n[[path]]\nname=\"p\"\nrate_mbit=10\ndelay_ms=5\n"
                             "reverse_delay_ms=20\n[[workload]]\ntype=\"bulk\"\n",
                             "t.toml", s, err))
      << err;
  Simulator sim;
  Count to_receiver, to_sender;
  const PathSpec& spec = s.paths[0];
  Path path(spec.name, s.seed, spec.forward.to_config(), spec.reverse.to_config(), to_receiver, to_sender);
  path.forward.receive(sim, Packet{0, 1250_B, 0, {}});
  path.reverse.receive(sim, Packet{0, 1250_B, 0, {}});
  sim.run_until_idle();
  EXPECT_EQ(to_receiver.last_ns, 6'000'000);  // 1 ms + 5 ms
  EXPECT_EQ(to_sender.last_ns, 21'000'000);   // 1 ms + 20 ms
  EXPECT_EQ(path.forward.counters().delivered_packets, 1u);
}

TEST(Path, ChangesFromScenarioApplyToBothDirections) {
  Scenario s;
  std::string err;
  ASSERT_TRUE(parse_scenario("name=\"x\"\nduration_s=1\n[[path]]\nname=\"wifi\"\nrate_mbit=10\ndelay_ms=5\n"
                             "[[path.change]]\nat_s=0.01\nup=false\n[[workload]]\ntype=\"bulk\"\n",
                             "t.toml", s, err))
      << err;
  Simulator sim;
  Count to_receiver, to_sender;
  const PathSpec& spec = s.paths[0];
  Path path(spec.name, s.seed, spec.forward.to_config(), spec.reverse.to_config(), to_receiver, to_sender);
  std::vector<LinkChange> changes;
  for (const auto& c : spec.changes) changes.push_back(c.to_link_change());
  path.schedule(sim, changes);
  sim.run_until(Instant::epoch() + 20_ms);
  EXPECT_FALSE(path.forward.up());
  EXPECT_FALSE(path.reverse.up());
  path.forward.receive(sim, Packet{0, 1250_B, 0, {}});
  sim.run_until_idle();
  EXPECT_EQ(to_receiver.n, 0);
  EXPECT_EQ(path.forward.counters().dropped_down, 1u);
}

}  // namespace
}  // namespace progmp::sim
