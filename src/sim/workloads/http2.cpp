// http2: one page load. At start_s the server tells the scheduler where the dependency information ends (register
// `dependency_register` := stream offset just past the HTML, compared with packet SEQ by http2_aware) and writes
// the HTML and headers (USER 1), the critical CSS/JS for the initial view (USER 1) and the images (USER 2, not
// needed for the initial view). Measured from start_s until the receiving application holds the last byte of:
// the HTML (dependency_ms), the critical objects (initial_view_ms), everything (page_load_ms).
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
    app.set_register(spec_.dependency_register,
                     static_cast<std::int64_t>(app.stream_offset() + spec_.html_bytes));
    write(sim, app, spec_.html_bytes, kInitialPage, true, 0);
    write(sim, app, spec_.critical_bytes, kInitialPage, true, 1);
    write(sim, app, spec_.images_bytes, kLater, true, 2);
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
};

}  // namespace

std::unique_ptr<WorkloadRunner> make_http2(const Http2Workload& w) { return std::make_unique<Http2>(w); }

}  // namespace progmp::sim::detail
