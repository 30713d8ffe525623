// messages: `count` application messages of `size` bytes every interval_ms from start_s, each tagged `user`. A
// message's latency is from its intended send time until the receiving application holds its last byte.
#include <nlohmann/json.hpp>

#include "progmp/sim/latency_summary.hpp"
#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Messages final : public WorkloadBase {
 public:
  explicit Messages(const MessagesWorkload& w) : WorkloadBase(w.signals), spec_(w) {}

  void begin(Simulator& sim, AppSocket&) override { sim.schedule_at(at_seconds(spec_.start_s), *this, 0); }

  void event(Simulator& sim, AppSocket& app, std::uint64_t) override {
    if (!first_) first_ = sim.now();
    msgs_.push_back(Msg{sim.now(), {}});
    write(sim, app, spec_.size, spec_.user, true, msgs_.size() - 1);
    if (msgs_.size() < spec_.count)
      sim.schedule_in(Duration::nanos(static_cast<std::int64_t>(spec_.interval_ms * 1e6)), *this, 0);
  }

  void completed(Simulator& sim, std::uint64_t id) override {
    msgs_[id].done = sim.now();
    ++delivered_;
  }

  bool finished() const override { return delivered_ == spec_.count; }

  void report(nlohmann::json& out, Instant end) const override {
    out["type"] = "messages";
    std::vector<double> lat;
    for (const Msg& m : msgs_)
      if (m.done) lat.push_back(ms_between(m.due, *m.done));
    nlohmann::json l;
    to_json(l, summarize(lat));
    out["latency_ms"] = l;
    out["messages_sent"] = msgs_.size();
    out["messages_delivered"] = delivered_;
    const double secs = first_ && end > *first_ ? (end - *first_).as_seconds() : 0;
    out["rate_mbyte_s"] =
        secs > 0 ? static_cast<double>(delivered_ * spec_.size) / secs / 1e6 : 0.0;
  }

 private:
  struct Msg {
    Instant due;
    std::optional<Instant> done;
  };
  MessagesWorkload spec_;
  std::optional<Instant> first_;
  std::vector<Msg> msgs_;
  std::uint64_t delivered_ = 0;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_messages(const MessagesWorkload& w) { return std::make_unique<Messages>(w); }

}  // namespace progmp::sim::detail
