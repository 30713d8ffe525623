// messages: `count` application messages of `size` bytes, message k due at start_s + k · interval_ms, each one
// write tagged `user` with push. A message's latency is from its due time until the receiving application holds its
// last byte (waiting for a full send buffer counts).
#include <cmath>

#include <nlohmann/json.hpp>

#include "progmp/sim/latency_summary.hpp"
#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Messages final : public WorkloadBase {
 public:
  explicit Messages(const MessagesWorkload& w) : WorkloadBase(w.signals), spec_(w) {}

  void begin(Simulator& sim, AppSocket&) override {
    first_ = at_seconds(spec_.start_s);
    if (spec_.count > 0) sim.schedule_at(first_, *this, 0);
  }

  void event(Simulator& sim, AppSocket&, std::uint64_t) override {
    // Every message due by now (several when interval_ms is 0), then wait for the next one.
    while (queued_ < spec_.count && due(queued_) <= sim.now()) {
      due_.push_back(due(queued_));
      ++queued_;
      // With deadline_ms, USER is the message's absolute deadline in ms on CURRENT_TIME_MS's clock
      // (deadline_aware reads it); otherwise the fixed tag.
      const std::int64_t user =
          spec_.deadline_ms ? due(queued_ - 1).ns_since_epoch() / 1'000'000 + *spec_.deadline_ms : spec_.user;
      write(sim, spec_.size, user, true, 0);
    }
    if (queued_ < spec_.count) sim.schedule_at(due(queued_), *this, 0);
  }

  void written(Simulator&, AppSocket&, std::uint64_t, std::uint64_t) override { ++sent_; }

  void completed(Simulator& sim, std::uint64_t) override {
    latency_ms_.push_back(ms_between(due_.front(), sim.now()));
    due_.pop_front();
  }

  bool finished() const override { return latency_ms_.size() == spec_.count; }

  void report(nlohmann::json& out, Instant end) const override {
    out["type"] = "messages";
    if (spec_.deadline_ms) {
      // Late deliveries, plus messages still undelivered at the end whose deadline has passed.
      const auto deadline = static_cast<double>(*spec_.deadline_ms);
      std::size_t missed = 0;
      for (double l : latency_ms_) missed += l > deadline;
      for (const Instant& d : due_) missed += ms_between(d, end) > deadline;
      out["deadline_missed"] = missed;
    }
    nlohmann::json l;
    to_json(l, summarize(latency_ms_));
    out["latency_ms"] = std::move(l);
    out["messages_sent"] = sent_;
    out["messages_delivered"] = latency_ms_.size();
    const double secs = queued_ > 0 && end > first_ ? (end - first_).as_seconds() : 0;
    out["rate_mbyte_s"] = secs > 0 ? static_cast<double>(delivered_bytes()) / secs / 1e6 : 0.0;
  }

 private:
  Instant due(std::uint64_t k) const {
    return first_ + Duration::nanos(std::llround(static_cast<double>(k) * spec_.interval_ms * 1e6));
  }

  MessagesWorkload spec_;
  Instant first_;
  std::uint64_t queued_ = 0, sent_ = 0;
  std::deque<Instant> due_;  // due times of messages written but not yet delivered, in order
  std::vector<double> latency_ms_;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_messages(const MessagesWorkload& w) { return std::make_unique<Messages>(w); }

}  // namespace progmp::sim::detail
