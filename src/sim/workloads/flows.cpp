// flows: request/response flows of given sizes (cycled up to `count`), one after the other ("sequential": flow i+1
// arrives when flow i is completely delivered) or with Poisson arrivals (first flow at start_s, then exponential
// gaps with mean 1/rate_per_s; flows may overlap). The request direction is not simulated: a flow starts (arrives)
// when the server starts writing its response, and its completion time is
//   FCT = time the receiving application holds the flow's last byte − arrival time,
// so time spent waiting behind earlier flows or a full send buffer counts. Flows are written whole and in arrival
// order (FIFO), so each owns one contiguous range of the stream.
//
// end_of_flow_register Rk (compensating schedulers): set to 1 when a flow's last byte has been accepted and no
// further flow is waiting to be written, and back to 0 when the next flow starts writing.
#include <cmath>

#include <nlohmann/json.hpp>

#include "progmp/sim/latency_summary.hpp"
#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Flows final : public WorkloadBase {
 public:
  Flows(const FlowsWorkload& w, Rng rng) : WorkloadBase(w.signals), spec_(w), rng_(rng) {
    poisson_ = spec_.arrival == "poisson";
    const std::uint64_t count = spec_.count > 0 ? spec_.count : spec_.sizes.size();
    flows_.resize(count);
    for (std::size_t i = 0; i < flows_.size(); ++i) flows_[i].size = spec_.sizes[i % spec_.sizes.size()];
  }

  void begin(Simulator& sim, AppSocket&) override {
    if (!flows_.empty()) sim.schedule_at(at_seconds(spec_.start_s), *this, 0);
  }

  // Tag 0: the next flow arrives.
  void event(Simulator& sim, AppSocket&, std::uint64_t) override { arrive(sim); }

  void writing(Simulator&, AppSocket& app, std::uint64_t) override {
    if (spec_.end_of_flow_register != 0 && register_value_ != 0) {
      app.set_register(spec_.end_of_flow_register, 0);
      register_value_ = 0;
    }
  }

  void written(Simulator&, AppSocket& app, std::uint64_t, std::uint64_t) override {
    // The application has handed over the flow's last byte and has nothing else to write: tell the scheduler.
    if (spec_.end_of_flow_register != 0 && !writes_pending()) {
      app.set_register(spec_.end_of_flow_register, 1);
      register_value_ = 1;
    }
  }

  void completed(Simulator& sim, std::uint64_t id) override {
    flows_[id].done = sim.now();
    ++completed_;
    if (!poisson_) arrive(sim);
  }

  bool finished() const override { return completed_ == flows_.size(); }

  void report(nlohmann::json& out, Instant) const override {
    out["type"] = "flows";
    nlohmann::json list = nlohmann::json::array();
    std::vector<double> fct;
    for (const Flow& f : flows_) {
      nlohmann::json j{{"size", f.size}, {"fct_ms", nullptr}};
      if (f.start && f.done) {
        fct.push_back(ms_between(*f.start, *f.done));
        j["fct_ms"] = fct.back();
      }
      list.push_back(std::move(j));
    }
    out["flows"] = std::move(list);
    out["completed"] = completed_;
    const LatencySummary s = summarize(fct);
    const auto value = [&](double v) { return s.count ? nlohmann::json(v) : nlohmann::json(nullptr); };
    out["fct_ms_mean"] = value(s.mean);
    out["fct_ms_p50"] = value(s.p50);
    out["fct_ms_p95"] = value(s.p95);
  }

 private:
  struct Flow {
    std::uint64_t size = 0;
    std::optional<Instant> start, done;
  };

  void arrive(Simulator& sim) {
    if (next_ >= flows_.size()) return;
    const std::size_t i = next_++;
    if (poisson_ && next_ < flows_.size()) {
      // Exponential gap with mean 1/rate: inverse transform of a uniform draw u in [0, 1), 1 − u in (0, 1].
      const double gap_s = -std::log(1.0 - rng_.uniform()) / spec_.rate_per_s;
      sim.schedule_in(Duration::nanos(std::llround(gap_s * 1e9)), *this, 0);
    }
    flows_[i].start = sim.now();
    write(sim, flows_[i].size, 0, true, i);
  }

  FlowsWorkload spec_;
  Rng rng_;
  bool poisson_ = false;
  std::vector<Flow> flows_;
  std::size_t next_ = 0;
  std::size_t completed_ = 0;
  int register_value_ = -1;  // what this workload last wrote to end_of_flow_register (-1: nothing yet)
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_flows(const FlowsWorkload& w, Rng rng) { return std::make_unique<Flows>(w, rng); }

}  // namespace progmp::sim::detail
