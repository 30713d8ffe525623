// bulk: iperf-like, as much as the send buffer takes from start_s on; with `bytes` > 0 exactly that many.
#include <nlohmann/json.hpp>

#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Bulk final : public WorkloadBase {
 public:
  explicit Bulk(const BulkWorkload& w) : WorkloadBase(w.signals), spec_(w) {}

  void begin(Simulator& sim, AppSocket&) override { sim.schedule_at(at_seconds(spec_.start_s), *this, 0); }
  void event(Simulator& sim, AppSocket& app, std::uint64_t) override {
    started_ = sim.now();
    first_offset_ = app.stream_offset();
    refill(sim, app);
  }
  void written(Simulator& sim, AppSocket& app, std::uint64_t, std::uint64_t end) override {
    last_end_ = end;
    refill(sim, app);
  }
  void completed(Simulator& sim, std::uint64_t id) override {
    if (id == kLast) done_ = sim.now();
  }
  bool finished() const override { return done_.has_value(); }

  void report(nlohmann::json& out, Instant end) const override {
    out["type"] = "bulk";
    out["bytes"] = app_bytes();
    const std::uint64_t delivered = delivered_offset() > first_offset_ ? delivered_offset() - first_offset_ : 0;
    out["delivered_bytes"] = std::min(delivered, app_bytes());
    if (done_) out["completion_ms"] = ms_between(*started_, *done_);
    else out["completion_ms"] = nullptr;
    const Instant stop = done_.value_or(end);
    const double secs = started_ && stop > *started_ ? (stop - *started_).as_seconds() : 0;
    out["goodput_mbit"] = secs > 0 ? static_cast<double>(std::min(delivered, app_bytes())) * 8 / secs / 1e6 : 0.0;
  }

 private:
  static constexpr std::uint64_t kChunk = 64 * 1024;
  static constexpr std::uint64_t kLast = 1;

  // Keeps one chunk queued: the next is written when the previous is fully accepted.
  void refill(Simulator& sim, AppSocket& app) {
    if (!started_ || writes_pending()) return;
    if (spec_.bytes == 0) {
      write(sim, app, kChunk, 0, false, 0);
    } else if (queued_ < spec_.bytes) {
      const std::uint64_t n = std::min(kChunk, spec_.bytes - queued_);
      queued_ += n;
      write(sim, app, n, 0, queued_ == spec_.bytes, queued_ == spec_.bytes ? kLast : 0);
    }
  }

  BulkWorkload spec_;
  std::optional<Instant> started_, done_;
  std::uint64_t first_offset_ = 0, last_end_ = 0, queued_ = 0;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_bulk(const BulkWorkload& w) { return std::make_unique<Bulk>(w); }

}  // namespace progmp::sim::detail
