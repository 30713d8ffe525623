#include "workload_base.hpp"

#include <algorithm>

namespace progmp::sim::detail {

void WorkloadBase::start(Simulator& sim, AppSocket& app) {
  app_ = &app;
  for (std::size_t i = 0; i < signals_.size(); ++i) sim.schedule_at(at_seconds(signals_[i].at_s), *this, kSignalTag + i);
  begin(sim, app);
}

void WorkloadBase::on_event(Simulator& sim, std::uint64_t tag) {
  if (tag >= kSignalTag) {
    const RegisterSignal& s = signals_[tag - kSignalTag];
    app_->set_register(s.reg, s.value);
    return;
  }
  event(sim, *app_, tag);
}

void WorkloadBase::write(Simulator& sim, AppSocket& app, std::uint64_t length, std::int64_t user, bool push,
                         std::uint64_t id) {
  pending_.push_back(Pending{length, user, push, id});
  if (pending_.size() == 1) drain(sim, app);
}

void WorkloadBase::drain(Simulator& sim, AppSocket& app) {
  while (!pending_.empty()) {
    Pending& p = pending_.front();
    if (p.remaining > 0) {
      const std::uint64_t n = app.send(p.remaining, p.user, p.push);
      app_bytes_ += n;
      p.remaining -= n;
      if (p.remaining > 0) return;  // the send buffer is full: on_writable resumes
    }
    const Pending done = p;
    pending_.pop_front();
    const std::uint64_t end = app.stream_offset();
    watches_.push_back(Watch{end, done.id});
    written(sim, app, done.id, end);
  }
  complete_ready(sim);
}

void WorkloadBase::on_delivered(Simulator& sim, std::uint64_t offset) {
  delivered_ = std::max(delivered_, offset);
  complete_ready(sim);
}

void WorkloadBase::complete_ready(Simulator& sim) {
  while (!watches_.empty() && watches_.front().end <= delivered_) {
    const std::uint64_t id = watches_.front().id;
    watches_.pop_front();
    completed(sim, id);
  }
}

}  // namespace progmp::sim::detail
