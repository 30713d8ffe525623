// Whole simulations (scenario → workloads → runtime → transport → links → receiver): calibration against link
// capacity, estimates against configured links, determinism, and the delivery invariants of every library
// scheduler under loss, RTT asymmetry and a failing path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "progmp/sim/scenario.hpp"
#include "progmp/sim/session.hpp"

namespace progmp::sim {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json simulate(const std::string& toml, const std::string& scheduler = "builtin_minrtt") {
  Scenario sc;
  std::string error;
  EXPECT_TRUE(parse_scenario(toml, "test.toml", sc, error)) << error;
  SessionOptions o;
  if (scheduler != "builtin_minrtt") {
    o.scheduler_name = scheduler;
    o.scheduler_source = read(fs::path(PROGMP_SOURCE_DIR) / "schedulers" / (scheduler + ".progmp"));
  }
  auto s = Session::create(sc, o, error);
  EXPECT_TRUE(s) << error;
  if (!s) return json();
  s->run();
  return s->result();
}

std::string path_toml(const std::string& name, double mbit, double delay_ms, double loss, int queue) {
  std::ostringstream o;
  o << "[[path]]\nname = \"" << name << "\"\nrate_mbit = " << mbit << "\ndelay_ms = " << delay_ms
    << "\nloss = " << loss << "\nqueue_pkts = " << queue << "\n";
  return o.str();
}

TEST(Calibration, OnePathBulkFillsTheLink) {
  // 50 Mbit/s, 20 ms RTT, one BDP of queue (125 kB ≈ 85 datagrams).
  const json r = simulate("name = \"c1\"\nduration_s = 10\nseed = 1\n" + path_toml("a", 50, 10, 0, 85) +
                          "[[workload]]\ntype = \"bulk\"\n");
  ASSERT_TRUE(r.is_object());
  // Goodput counts payload only; a 1400-byte payload travels in a 1471-byte datagram (wire + IP/UDP headers).
  const double payload_capacity = 50.0 * 1400 / 1471;
  EXPECT_GE(r["goodput_mbit"].get<double>(), 0.9 * payload_capacity) << r.dump();
  EXPECT_TRUE(r["in_order"].get<bool>());
}

TEST(Calibration, TwoEqualPathsWithMinRttAggregate) {
  const json r = simulate("name = \"c2\"\nduration_s = 10\nseed = 1\n" + path_toml("a", 50, 10, 0, 85) +
                          path_toml("b", 50, 10, 0, 85) + "[[workload]]\ntype = \"bulk\"\n");
  const double payload_capacity = 2 * 50.0 * 1400 / 1471;
  EXPECT_GE(r["goodput_mbit"].get<double>(), 0.9 * payload_capacity) << r.dump();
  for (const json& p : r["paths"]) EXPECT_GT(p["share"].get<double>(), 0.4);
}

TEST(Calibration, RttAndLossEstimatesMatchTheLinks) {
  // Light traffic (no queueing): the measured RTT is the configured 2 × 15 ms plus serialisation and delayed ACKs.
  const json r = simulate("name = \"c3\"\nduration_s = 20\nseed = 3\n" + path_toml("a", 20, 15, 0.02, 1000) +
                          "[[workload]]\ntype = \"messages\"\ncount = 2000\nsize = 1400\ninterval_ms = 5\n");
  const json& p = r["paths"][0];
  EXPECT_GE(p["rtt_ms_avg"].get<double>(), 30.0);
  EXPECT_LE(p["rtt_ms_avg"].get<double>(), 30.0 + 25.0 + 2.0) << "at most one delayed-ACK timer on top";
  // 2 % of datagrams are lost in each direction; a lost ACK rarely hides a data loss, so the declared data loss
  // rate is close to the link's.
  EXPECT_GT(p["loss_rate"].get<double>(), 0.012);
  EXPECT_LT(p["loss_rate"].get<double>(), 0.03);
}

TEST(Determinism, SameSeedSameBytesOtherSeedOtherResult) {
  const std::string toml_a = "name = \"d\"\nduration_s = 5\nseed = 11\n" + path_toml("a", 20, 5, 0.02, 100) +
                             path_toml("b", 10, 20, 0.01, 100) + "[[workload]]\ntype = \"bulk\"\n";
  std::string toml_b = toml_a;
  toml_b.replace(toml_b.find("seed = 11"), 9, "seed = 12");
  const std::string a1 = simulate(toml_a).dump(), a2 = simulate(toml_a).dump(), b = simulate(toml_b).dump();
  EXPECT_EQ(a1, a2);
  EXPECT_NE(a1, b);
}

TEST(Determinism, RealEncryptionChangesNoResult) {
  // The simulator seals packets with the Null cipher by default: same sizes, no cost. With ChaCha20-Poly1305 the
  // run costs more time but every simulated number stays the same.
  const std::string base = "name = \"e\"\nduration_s = 3\nseed = 4\n" + path_toml("a", 20, 5, 0.02, 100) +
                           path_toml("b", 10, 20, 0.01, 100) + "[[workload]]\ntype = \"bulk\"\n";
  const json plain = simulate(base);
  const json sealed = simulate(base + "[transport]\nencrypt = true\n");
  EXPECT_GT(plain["delivered_bytes"].get<std::uint64_t>(), 1'000'000u);
  EXPECT_EQ(plain.dump(), sealed.dump());
}

// ---- the invariant matrix of issue #3 ----

struct Case {
  std::string scheduler;
  double loss;
  double rtt_ratio;
  bool failure;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return c.scheduler + "_loss" + std::to_string(static_cast<int>(c.loss * 100)) + "_rtt1to" +
         std::to_string(static_cast<int>(c.rtt_ratio)) + (c.failure ? "_failure" : "");
}

std::vector<Case> all_cases() {
  std::vector<std::string> schedulers{"builtin_minrtt"};
  for (const auto& e : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers"))
    if (e.path().extension() == ".progmp") schedulers.push_back(e.path().stem().string());
  std::sort(schedulers.begin(), schedulers.end());
  std::vector<Case> out;
  for (const auto& s : schedulers)
    for (double loss : {0.0, 0.02, 0.10})
      for (double ratio : {1.0, 4.0})
        for (bool failure : {false, true}) out.push_back({s, loss, ratio, failure});
  return out;
}

class Invariants : public ::testing::TestWithParam<Case> {};

TEST_P(Invariants, EveryByteDeliveredOnceInOrderAndAcknowledged) {
  const Case& c = GetParam();
  std::string toml = "name = \"inv\"\nduration_s = 120\nseed = 5\n";
  toml += path_toml("a", 20, 5, c.loss, 100);
  if (c.failure) toml += "  [[path.change]]\n  at_s = 0.5\n  up = false\n";
  toml += path_toml("b", 20, 5 * c.rtt_ratio, c.loss, 100);
  toml += "[[workload]]\ntype = \"bulk\"\nbytes = 1000000\n";
  const json r = simulate(toml, c.scheduler);
  ASSERT_TRUE(r.is_object());
  EXPECT_TRUE(r["in_order"].get<bool>());
  EXPECT_EQ(r["app_bytes"].get<std::uint64_t>(), 1'000'000u);
  EXPECT_EQ(r["delivered_bytes"].get<std::uint64_t>(), 1'000'000u) << r.dump();
  // No packet leaves the system unacknowledged: the sender saw the whole stream acknowledged at the data level.
  EXPECT_EQ(r["data_acked_bytes"].get<std::int64_t>(), 1'000'000);
}

INSTANTIATE_TEST_SUITE_P(Library, Invariants, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace progmp::sim

namespace progmp::sim {
namespace {

TEST(Session, SendBufferBoundsUnacknowledgedBytes) {
  // [transport] snd_buf_kb is the runtime's send buffer: the application can be ahead of the acknowledgements by
  // at most that much.
  const json r = simulate("name = \"buf\"\nduration_s = 2\nseed = 1\n" + path_toml("a", 10, 20, 0, 100) +
                          "[transport]\nsnd_buf_kb = 64\n[[workload]]\ntype = \"bulk\"\n");
  const auto app = r["app_bytes"].get<std::int64_t>();
  const auto acked = r["data_acked_bytes"].get<std::int64_t>();
  EXPECT_GT(acked, 1'000'000);
  EXPECT_LE(app - acked, 64 * 1024);
  const json big = simulate("name = \"buf\"\nduration_s = 2\nseed = 1\n" + path_toml("a", 10, 20, 0, 100) +
                            "[[workload]]\ntype = \"bulk\"\n");
  EXPECT_GT(big["app_bytes"].get<std::int64_t>() - big["data_acked_bytes"].get<std::int64_t>(), 1'000'000);
}

}  // namespace
}  // namespace progmp::sim

namespace progmp::sim {
namespace {

TEST(Session, MahimahiTraceSetsThePathRate) {
  // One delivery opportunity per millisecond = 1000 datagrams/s ≈ 11.2 Mbit/s of 1400-byte payloads; the trace
  // file is found relative to the scenario folder.
  const fs::path dir = fs::temp_directory_path() / "progmp-trace-test";
  fs::create_directories(dir);
  {
    std::ofstream t(dir / "one_per_ms.trace");
    for (int ms = 1; ms <= 1000; ++ms) t << ms << '\n';
  }
  Scenario sc;
  std::string error;
  ASSERT_TRUE(parse_scenario("name = \"t\"\nduration_s = 5\n[[path]]\nname = \"a\"\ndelay_ms = 10\n"
                             "trace = \"one_per_ms.trace\"\nqueue_pkts = 100\n[[workload]]\ntype = \"bulk\"\n",
                             "t.toml", sc, error))
      << error;
  SessionOptions o;
  o.scenario_dir = dir.string();
  auto s = Session::create(sc, o, error);
  ASSERT_TRUE(s) << error;
  s->run();
  const json r = s->result();
  const double payload_mbit = 1000 * 1400 * 8 / 1e6;
  EXPECT_GT(r["goodput_mbit"].get<double>(), 0.85 * payload_mbit);
  EXPECT_LE(r["goodput_mbit"].get<double>(), payload_mbit);
  o.scenario_dir = (dir / "elsewhere").string();
  EXPECT_FALSE(Session::create(sc, o, error));
  EXPECT_NE(error.find("one_per_ms.trace"), std::string::npos) << error;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace progmp::sim
