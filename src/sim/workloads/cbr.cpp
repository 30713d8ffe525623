// cbr: a constant-bit-rate stream with a rate schedule (e.g. video: 1 MB/s, then 4 MB/s). Slice k is due at
// phases[0].at_s + k / slices_per_s; it carries rate / slices_per_s bytes of the phase in force (the fractional
// remainder is carried to the next slice, so the long-run rate is exact), written as blocks of block_bytes (the last
// one shorter), one send() call each, tagged `user`, push set. A block's latency is the time from its due time
// until the receiving application holds its last byte, so waiting for a full send buffer counts against the
// scheduler. The stream never finishes: it runs until the simulation stops.
#include <cmath>

#include <nlohmann/json.hpp>

#include "progmp/sim/latency_summary.hpp"
#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Cbr final : public WorkloadBase {
 public:
  explicit Cbr(const CbrWorkload& w) : WorkloadBase(w.signals), spec_(w) {}

  void begin(Simulator& sim, AppSocket&) override {
    // Phase events are scheduled first, so a slice due at a phase boundary already uses the new rate.
    for (std::size_t i = 0; i < spec_.phases.size(); ++i)
      sim.schedule_at(at_seconds(spec_.phases[i].at_s), *this, kPhaseTag + i);
    first_ = at_seconds(spec_.phases.front().at_s);
    sim.schedule_at(first_, *this, kSliceTag);
  }

  void event(Simulator& sim, AppSocket& app, std::uint64_t tag) override {
    if (tag >= kPhaseTag) {
      phase_ = tag - kPhaseTag;
      if (spec_.target_register != 0)
        app.set_register(spec_.target_register,
                         static_cast<std::int64_t>(std::llround(spec_.phases[phase_].rate_mbyte_s * 1e6)));
      return;
    }
    carry_ += spec_.phases[phase_].rate_mbyte_s * 1e6 / spec_.slices_per_s;
    auto bytes = static_cast<std::uint64_t>(carry_);
    carry_ -= static_cast<double>(bytes);
    while (bytes > 0) {
      const std::uint64_t n = std::min<std::uint64_t>(bytes, spec_.block_bytes);
      bytes -= n;
      due_.push_back(sim.now());
      write(sim, n, spec_.user, true, 0);
    }
    ++slice_;
    // Absolute due times: no drift from rounding the period.
    const auto offset_ns = static_cast<std::int64_t>(slice_ * 1'000'000'000ULL / spec_.slices_per_s);
    sim.schedule_at(first_ + Duration::nanos(offset_ns), *this, kSliceTag);
  }

  void written(Simulator&, AppSocket&, std::uint64_t, std::uint64_t) override { ++sent_; }

  void completed(Simulator& sim, std::uint64_t) override {
    // Blocks complete in write order.
    latency_ms_.push_back(ms_between(due_.front(), sim.now()));
    due_.pop_front();
  }

  bool finished() const override { return false; }

  void report(nlohmann::json& out, Instant end) const override {
    out["type"] = "cbr";
    nlohmann::json l;
    to_json(l, summarize(latency_ms_));
    out["latency_ms"] = std::move(l);
    out["blocks_sent"] = sent_;
    out["blocks_delivered"] = latency_ms_.size();
    const double secs = end > first_ ? (end - first_).as_seconds() : 0;
    out["rate_mbyte_s"] = secs > 0 ? static_cast<double>(delivered_bytes()) / secs / 1e6 : 0.0;
  }

 private:
  static constexpr std::uint64_t kSliceTag = 0;
  static constexpr std::uint64_t kPhaseTag = 1;
  CbrWorkload spec_;
  std::size_t phase_ = 0;
  double carry_ = 0;
  std::uint64_t slice_ = 0;
  Instant first_;
  std::deque<Instant> due_;  // due times of blocks written but not yet delivered, in order
  std::vector<double> latency_ms_;
  std::uint64_t sent_ = 0;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_cbr(const CbrWorkload& w) { return std::make_unique<Cbr>(w); }

}  // namespace progmp::sim::detail
