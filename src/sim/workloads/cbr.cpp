// cbr: a constant-bit-rate stream with a rate schedule (e.g. video: 1 MB/s, then 4 MB/s). Every 1/slices_per_s
// seconds the application writes that slice's bytes in blocks of block_bytes (one send call each). A block's
// latency is the time from when it was meant to be written until the receiving application holds its last byte,
// so a full send buffer counts against the scheduler. The stream runs until the simulation ends.
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
    for (std::size_t i = 0; i < spec_.phases.size(); ++i)
      sim.schedule_at(at_seconds(spec_.phases[i].at_s), *this, kPhaseTag + i);
    sim.schedule_at(at_seconds(spec_.phases.front().at_s), *this, kSliceTag);
  }

  void event(Simulator& sim, AppSocket& app, std::uint64_t tag) override {
    if (tag >= kPhaseTag) {
      phase_ = tag - kPhaseTag;
      if (spec_.target_register != 0)
        app.set_register(spec_.target_register,
                         static_cast<std::int64_t>(std::llround(spec_.phases[phase_].rate_mbyte_s * 1e6)));
      return;
    }
    if (!first_) first_ = sim.now();
    // This slice's bytes, with the fractional remainder carried so the long-run rate is exact.
    carry_ += spec_.phases[phase_].rate_mbyte_s * 1e6 / spec_.slices_per_s;
    auto bytes = static_cast<std::uint64_t>(carry_);
    carry_ -= static_cast<double>(bytes);
    while (bytes > 0) {
      const std::uint64_t n = std::min<std::uint64_t>(bytes, spec_.block_bytes);
      bytes -= n;
      blocks_.push_back(Block{sim.now(), n, {}});
      write(sim, app, n, spec_.user, true, blocks_.size() - 1);
    }
    sim.schedule_in(Duration::nanos(1'000'000'000 / spec_.slices_per_s), *this, kSliceTag);
  }

  void completed(Simulator& sim, std::uint64_t id) override {
    blocks_[id].done = sim.now();
    ++delivered_blocks_;
    delivered_bytes_ += blocks_[id].size;
  }

  bool finished() const override { return false; }

  void report(nlohmann::json& out, Instant end) const override {
    out["type"] = "cbr";
    std::vector<double> lat;
    for (const Block& b : blocks_)
      if (b.done) lat.push_back(ms_between(b.due, *b.done));
    nlohmann::json l;
    to_json(l, summarize(lat));
    out["latency_ms"] = l;
    out["blocks_sent"] = blocks_.size();
    out["blocks_delivered"] = delivered_blocks_;
    const double secs = first_ && end > *first_ ? (end - *first_).as_seconds() : 0;
    out["rate_mbyte_s"] = secs > 0 ? static_cast<double>(delivered_bytes_) / secs / 1e6 : 0.0;
  }

 private:
  static constexpr std::uint64_t kSliceTag = 0;
  static constexpr std::uint64_t kPhaseTag = 1;
  struct Block {
    Instant due;
    std::uint64_t size;
    std::optional<Instant> done;
  };
  CbrWorkload spec_;
  std::size_t phase_ = 0;
  double carry_ = 0;
  std::optional<Instant> first_;
  std::vector<Block> blocks_;
  std::uint64_t delivered_blocks_ = 0, delivered_bytes_ = 0;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_cbr(const CbrWorkload& w) { return std::make_unique<Cbr>(w); }

}  // namespace progmp::sim::detail
