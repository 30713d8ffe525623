// http2: one page load. At start_s the server tells the scheduler where the dependency information ends
// (dependency_register := the absolute stream offset just past the HTML, which http2_aware compares with a packet's
// SEQ) and writes, in this order, the HTML and headers (USER 1), the critical CSS/JS for the initial view (USER 1)
// and the images (USER 2: not needed for the initial view), each one write with push. Measured from start_s until
// the receiving application holds the last byte of: the HTML (dependency_ms), HTML + critical objects
// (initial_view_ms), everything (page_load_ms); null while not reached.
#include <nlohmann/json.hpp>

#include "workloads.hpp"

namespace progmp::sim::detail {

namespace {

class Http2 final : public WorkloadBase {
 public:
  explicit Http2(const Http2Workload& w) : WorkloadBase(w.signals), spec_(w) {}

  void begin(Simulator& sim, AppSocket&) override { sim.schedule_at(at_seconds(spec_.start_s), *this, 0); }

  void event(Simulator& sim, AppSocket& app, std::uint64_t) override {
    start_ = sim.now();
    // Where the HTML will end if nothing else is written first (the usual case); written() corrects it otherwise.
    announced_ = app.stream_offset() + spec_.html_bytes;
    app.set_register(spec_.dependency_register, static_cast<std::int64_t>(announced_));
    write(sim, spec_.html_bytes, kInitialPage, true, 0);
    write(sim, spec_.critical_bytes, kInitialPage, true, 1);
    write(sim, spec_.images_bytes, kLater, true, 2);
  }

  void written(Simulator&, AppSocket& app, std::uint64_t id, std::uint64_t end) override {
    if (id == 0 && end != announced_) {
      announced_ = end;
      app.set_register(spec_.dependency_register, static_cast<std::int64_t>(end));
    }
  }

  void completed(Simulator& sim, std::uint64_t id) override { done_[id] = sim.now(); }
  bool finished() const override { return done_[2].has_value(); }

  void report(nlohmann::json& out, Instant) const override {
    out["type"] = "http2";
    const char* names[3] = {"dependency_ms", "initial_view_ms", "page_load_ms"};
    for (int i = 0; i < 3; ++i)
      out[names[i]] = start_ && done_[i] ? nlohmann::json(ms_between(*start_, *done_[i])) : nlohmann::json(nullptr);
  }

 private:
  static constexpr std::int64_t kInitialPage = 1;  // http2_aware: any USER but 2 is needed for the initial page
  static constexpr std::int64_t kLater = 2;
  Http2Workload spec_;
  std::optional<Instant> start_;
  std::optional<Instant> done_[3];
  std::uint64_t announced_ = 0;
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_http2(const Http2Workload& w) { return std::make_unique<Http2>(w); }

}  // namespace progmp::sim::detail
