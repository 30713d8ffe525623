// Whole-simulation cost: a 60 s bulk transfer over two 50 Mbit/s paths (minimum-RTT scheduler, LIA) against the
// same engine with a single path (a plain TCP-like run), measured side by side, alternating, `--runs` times each.
// Prints wall time, simulated events per second and the ratio two-path / single-path per simulated byte, which is
// what multipath scheduling costs.
//
//   transport_bench [--runs N] [--seconds S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "progmp/sim/scenario.hpp"
#include "progmp/sim/session.hpp"

namespace {

struct Sample {
  double wall_s = 0;
  std::uint64_t events = 0;
  std::uint64_t delivered = 0;
};

std::string scenario(int paths, int seconds) {
  std::string t = "name = \"bench\"\nduration_s = " + std::to_string(seconds) + "\nseed = 1\n";
  for (int i = 0; i < paths; ++i)
    t += "[[path]]\nname = \"p" + std::to_string(i) + "\"\nrate_mbit = 50\ndelay_ms = 10\nqueue_pkts = 85\n";
  return t + "[[workload]]\ntype = \"bulk\"\n";
}

Sample run(int paths, int seconds) {
  progmp::sim::Scenario sc;
  std::string error;
  if (!progmp::sim::parse_scenario(scenario(paths, seconds), "bench.toml", sc, error)) {
    std::fprintf(stderr, "transport_bench: %s\n", error.c_str());
    std::exit(2);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto s = progmp::sim::Session::create(sc, {}, error);
  if (!s) {
    std::fprintf(stderr, "transport_bench: %s\n", error.c_str());
    std::exit(2);
  }
  s->run();
  Sample out;
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.events = s->events();
  out.delivered = s->result()["delivered_bytes"].get<std::uint64_t>();
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3, seconds = 60;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: transport_bench [--runs N] [--seconds S]\n");
      return 2;
    }
  }
  if (runs < 1 || seconds < 1) {
    std::fprintf(stderr, "transport_bench: --runs and --seconds must be positive\n");
    return 2;
  }
  std::vector<double> wall[2], eps[2], ns_per_byte[2];
  std::uint64_t delivered[2] = {0, 0};
  for (int r = 0; r < runs; ++r)
    for (int k = 0; k < 2; ++k) {
      const Sample s = run(k + 1, seconds);
      wall[k].push_back(s.wall_s);
      eps[k].push_back(static_cast<double>(s.events) / s.wall_s);
      ns_per_byte[k].push_back(s.wall_s * 1e9 / static_cast<double>(std::max<std::uint64_t>(1, s.delivered)));
      delivered[k] = s.delivered;
    }
  std::printf("%d s bulk, 50 Mbit/s paths, 20 ms RTT, minRTT + LIA; median of %d runs each, alternating\n\n", seconds,
              runs);
  std::printf("%-12s %10s %14s %14s %14s\n", "paths", "wall s", "events/s", "delivered MB", "wall ns/byte");
  for (int k = 0; k < 2; ++k)
    std::printf("%-12d %10.3f %14.0f %14.1f %14.2f\n", k + 1, median(wall[k]), median(eps[k]), delivered[k] / 1e6,
                median(ns_per_byte[k]));
  std::printf("\nratio two-path / single-path: wall %.2fx, per delivered byte %.2fx\n", median(wall[1]) / median(wall[0]),
              median(ns_per_byte[1]) / median(ns_per_byte[0]));
  return 0;
}
