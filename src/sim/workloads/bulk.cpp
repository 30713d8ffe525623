// bulk: iperf-like. From start_s the application keeps the send buffer full (send() calls of up to 64 KiB, resumed
// on on_writable); with `bytes` > 0 it writes exactly that many (push on the last call) and is finished once the
// receiving application holds them all.
#include <limits>

#include <nlohmann/json.hpp>

#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Bulk final : public WorkloadBase {
 public:
  explicit Bulk(const BulkWorkload& w) : WorkloadBase(w.signals), spec_(w) {}

  void begin(Simulator& sim, AppSocket&) override { sim.schedule_at(at_seconds(spec_.start_s), *this, 0); }
  void event(Simulator& sim, AppSocket&, std::uint64_t) override {
    started_ = sim.now();
    // Without a size, one write that never ends: the FIFO offers it whenever the buffer has room.
    write(sim, spec_.bytes > 0 ? spec_.bytes : std::numeric_limits<std::uint64_t>::max(), 0, spec_.bytes > 0, 0);
  }
  void completed(Simulator& sim, std::uint64_t) override { done_ = sim.now(); }
  bool finished() const override { return done_.has_value(); }

  void report(nlohmann::json& out, Instant end) const override {
    out["type"] = "bulk";
    out["bytes"] = app_bytes();
    out["delivered_bytes"] = delivered_bytes();
    out["completion_ms"] = done_ ? nlohmann::json(ms_between(*started_, *done_)) : nlohmann::json(nullptr);
    const Instant stop = done_.value_or(end);
    const double secs = started_ && stop > *started_ ? (stop - *started_).as_seconds() : 0;
    out["goodput_mbit"] = secs > 0 ? static_cast<double>(delivered_bytes()) * 8 / secs / 1e6 : 0.0;
  }

 private:
  BulkWorkload spec_;
  std::optional<Instant> started_, done_;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_bulk(const BulkWorkload& w) { return std::make_unique<Bulk>(w); }

}  // namespace progmp::sim::detail
