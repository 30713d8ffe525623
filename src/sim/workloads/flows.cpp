// flows: request/response flows of given sizes, one after the other or with Poisson arrivals. The request
// direction is not simulated: a flow starts when the server starts writing its response, and its completion time
// (FCT) is the time until the receiving application holds the response's last byte.
#include <cmath>

#include <nlohmann/json.hpp>

#include "progmp/sim/latency_summary.hpp"
#include "progmp/sim/rng.hpp"
#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Flows final : public WorkloadBase {
 public:
  Flows(const FlowsWorkload& w, Rng rng) : WorkloadBase(w.signals), spec_(w), rng_(rng) {
    flows_.resize(spec_.count);
    for (std::size_t i = 0; i < flows_.size(); ++i) flows_[i].size = spec_.sizes[i % spec_.sizes.size()];
  }

  void begin(Simulator& sim, AppSocket&) override { sim.schedule_at(at_seconds(spec_.start_s), *this, 0); }

  // Tag 0: the next flow arrives.
  void event(Simulator& sim, AppSocket& app, std::uint64_t) override {
    if (next_ >= flows_.size()) return;
    const std::size_t i = next_++;
    if (spec_.arrival == "poisson" && next_ < flows_.size()) {
      // Exponential inter-arrival time with mean 1/rate (inverse transform of a uniform draw in (0, 1]).
      const double gap_s = -std::log(1.0 - rng_.uniform()) / spec_.rate_per_s;
      sim.schedule_in(Duration::nanos(static_cast<std::int64_t>(gap_s * 1e9)), *this, 0);
    }
    flows_[i].start = sim.now();
    if (spec_.end_of_flow_register != 0) app.set_register(spec_.end_of_flow_register, 0);
    write(sim, app, flows_[i].size, 0, true, i);
  }

  void written(Simulator&, AppSocket& app, std::uint64_t, std::uint64_t) override {
    // The application has handed over the flow's last byte: tell the scheduler (compensating schedulers).
    if (spec_.end_of_flow_register != 0) app.set_register(spec_.end_of_flow_register, 1);
  }

  void completed(Simulator& sim, std::uint64_t id) override {
    flows_[id].done = sim.now();
    ++completed_;
    if (spec_.arrival == "sequential") event(sim, app(), 0);
  }

  bool finished() const override { return completed_ == flows_.size(); }

  void report(nlohmann::json& out, Instant) const override {
    out["type"] = "flows";
    nlohmann::json list = nlohmann::json::array();
    std::vector<double> fct;
    for (const Flow& f : flows_) {
      nlohmann::json j{{"size", f.size}};
      if (f.start && f.done) {
        j["fct_ms"] = ms_between(*f.start, *f.done);
        fct.push_back(j["fct_ms"].get<double>());
      } else {
        j["fct_ms"] = nullptr;
      }
      list.push_back(j);
    }
    out["flows"] = list;
    out["completed"] = completed_;
    const LatencySummary s = summarize(fct);
    out["fct_ms_mean"] = s.count ? nlohmann::json(s.mean) : nlohmann::json(nullptr);
    out["fct_ms_p50"] = s.count ? nlohmann::json(s.p50) : nlohmann::json(nullptr);
    out["fct_ms_p95"] = s.count ? nlohmann::json(s.p95) : nlohmann::json(nullptr);
  }

 private:
  struct Flow {
    std::uint64_t size = 0;
    std::optional<Instant> start, done;
  };
  FlowsWorkload spec_;
  Rng rng_;
  std::vector<Flow> flows_;
  std::size_t next_ = 0;
  std::size_t completed_ = 0;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_flows(const FlowsWorkload& w, Rng rng) { return std::make_unique<Flows>(w, rng); }

}  // namespace progmp::sim::detail
