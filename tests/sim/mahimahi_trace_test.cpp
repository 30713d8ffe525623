// Mahimahi trace parsing and trace-driven delivery.
#include "progmp/sim/mahimahi_trace.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "progmp/sim/link.hpp"

namespace progmp::sim {
namespace {
using namespace progmp::literals;

TEST(MahimahiTrace, ParsesValid) {
  MahimahiTrace t;
  std::string err;
  ASSERT_TRUE(MahimahiTrace::parse("1\n1\n\n3\r\n", t, err)) << err;
  EXPECT_EQ(t.timestamps_ms(), (std::vector<std::int64_t>{1, 1, 3}));
  EXPECT_EQ(t.period(), 3_ms);
}

TEST(MahimahiTrace, ErrorsCarryLineNumbers) {
  MahimahiTrace t;
  std::string err;
  EXPECT_FALSE(MahimahiTrace::parse("1\n2\nabc\n", t, err));
  EXPECT_EQ(err, "3: expected a non-negative millisecond timestamp, got 'abc'");
  EXPECT_FALSE(MahimahiTrace::parse("5\n7\n6\n", t, err));
  EXPECT_EQ(err, "3: timestamp 6 is smaller than the previous one (7)");
  EXPECT_FALSE(MahimahiTrace::parse("\n\n", t, err));
  EXPECT_EQ(err, "2: trace has no delivery opportunity");
  EXPECT_FALSE(MahimahiTrace::parse("0\n0\n", t, err));
  EXPECT_EQ(err, "2: last timestamp must be positive (it is the loop period)");
  EXPECT_FALSE(MahimahiTrace::parse("1\n86400001\n", t, err));
  EXPECT_EQ(err, "2: timestamp 86400001 exceeds one day (86400000 ms)");
  EXPECT_FALSE(MahimahiTrace::parse("-4\n", t, err));
  EXPECT_EQ(err, "1: expected a non-negative millisecond timestamp, got '-4'");
}

TEST(MahimahiTrace, LoadPrefixesFileName) {
  const auto file = std::filesystem::temp_directory_path() / "progmp_sim_test_trace.mahimahi";
  {
    std::ofstream out(file);
    out << "1\n2\nx\n";
  }
  MahimahiTrace t;
  std::string err;
  EXPECT_FALSE(MahimahiTrace::load(file.string(), t, err));
  EXPECT_EQ(err, file.string() + ":3: expected a non-negative millisecond timestamp, got 'x'");
  {
    std::ofstream out(file);
    out << "1\n2\n";
  }
  EXPECT_TRUE(MahimahiTrace::load(file.string(), t, err)) << err;
  EXPECT_EQ(t.period(), 2_ms);
  std::filesystem::remove(file);
  EXPECT_FALSE(MahimahiTrace::load(file.string(), t, err));
  EXPECT_EQ(err, file.string() + ": cannot open file");
}

TEST(MahimahiTrace, CursorLoopsAndSkipsPast) {
  MahimahiTrace t;
  std::string err;
  ASSERT_TRUE(MahimahiTrace::parse("1\n1\n3\n", t, err));
  MahimahiTrace::Cursor c(t);
  EXPECT_EQ(c.next(Instant::epoch()), Instant::epoch() + 1_ms);
  EXPECT_EQ(c.next(Instant::epoch()), Instant::epoch() + 1_ms);
  EXPECT_EQ(c.next(Instant::epoch()), Instant::epoch() + 3_ms);
  EXPECT_EQ(c.next(Instant::epoch()), Instant::epoch() + 4_ms);  // second loop
  // Opportunities at 4, 6, 7, 7, 9 ... before 100 ms are wasted; loop 33 starts at 99 ms: 100, 100, 102.
  EXPECT_EQ(c.next(Instant::epoch() + 100_ms), Instant::epoch() + 100_ms);
  EXPECT_EQ(c.next(Instant::epoch() + 100_ms), Instant::epoch() + 100_ms);
  EXPECT_EQ(c.next(Instant::epoch() + 100_ms), Instant::epoch() + 102_ms);
}

struct Collector : PacketSink {
  std::vector<std::int64_t> at;
  void receive(Simulator& sim, Packet) override { at.push_back(sim.now().ns_since_epoch()); }
};

TEST(MahimahiTrace, LinkDeliversAtOpportunities) {
  MahimahiTrace t;
  std::string err;
  ASSERT_TRUE(MahimahiTrace::parse("1\n1\n3\n", t, err));
  Simulator sim;
  Collector out;
  Link link({.delay = 2_ms, .trace = &t}, Rng(1), out);
  for (std::uint64_t i = 0; i < 4; ++i) link.receive(sim, Packet{0, 1500_B, i, {}});
  sim.run_until_idle();
  EXPECT_EQ(out.at, (std::vector<std::int64_t>{3'000'000, 3'000'000, 5'000'000, 6'000'000}));
}

}  // namespace
}  // namespace progmp::sim
