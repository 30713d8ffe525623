#include "workload_base.hpp"

#include <algorithm>
#include <cmath>

namespace progmp::sim::detail {

Instant at_seconds(double s) { return Instant::epoch() + Duration::nanos(std::llround(s * 1e9)); }

void WorkloadBase::start(Simulator& sim, AppSocket& app) {
  app_ = &app;
  for (std::size_t i = 0; i < signals_.size(); ++i)
    sim.schedule_at(at_seconds(signals_[i].at_s), *this, kSignalTag + i);
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

void WorkloadBase::write(Simulator& sim, std::uint64_t length, std::int64_t user, bool push, std::uint64_t id) {
  pending_.push_back(Pending{length, user, push, false, id});
  offer_ = true;
  pump(sim);
}

void WorkloadBase::on_writable(Simulator& sim, AppSocket&) {
  blocked_ = false;
  offer_ = true;
  pump(sim);
}

void WorkloadBase::on_delivered(Simulator& sim, std::uint64_t offset) {
  delivered_ = std::max(delivered_, offset);
  while (!ranges_.empty() && ranges_.front().end <= delivered_) {
    own_delivered_ += ranges_.front().end - ranges_.front().begin;
    ranges_.pop_front();
  }
  pump(sim);
}

std::uint64_t WorkloadBase::delivered_bytes() const {
  std::uint64_t n = own_delivered_;
  if (!ranges_.empty() && delivered_ > ranges_.front().begin)
    n += std::min(delivered_, ranges_.front().end) - ranges_.front().begin;
  return n;
}

void WorkloadBase::pump(Simulator& sim) {
  if (app_ == nullptr) return;
  if (busy_) {
    again_ = true;
    return;
  }
  busy_ = true;
  do {
    again_ = false;
    if (offer_ && !blocked_) drain(sim);
    offer_ = false;
    complete_ready(sim);
  } while (again_);
  busy_ = false;
}

void WorkloadBase::drain(Simulator& sim) {
  AppSocket& app = *app_;
  while (!pending_.empty()) {
    Pending& p = pending_.front();
    if (!p.started) {
      p.started = true;
      writing(sim, app, p.id);  // may queue more writes behind p (the deque keeps p's address for push_back)
    }
    while (p.remaining > 0) {
      const std::uint64_t ask = std::min(p.remaining, kMaxCall);
      const std::uint64_t at = app.stream_offset();
      const std::uint64_t n = app.send(ask, p.user, p.push && ask == p.remaining);
      if (n > 0) {
        app_bytes_ += n;
        p.remaining -= n;
        if (!ranges_.empty() && ranges_.back().end == at) ranges_.back().end = at + n;
        else ranges_.push_back(Range{at, at + n});
      }
      if (n < ask) {  // the send buffer is full: on_writable resumes
        blocked_ = true;
        return;
      }
    }
    const std::uint64_t id = p.id;
    pending_.pop_front();
    const std::uint64_t end = app.stream_offset();
    watches_.push_back(Watch{end, id});
    written(sim, app, id, end);
  }
}

void WorkloadBase::complete_ready(Simulator& sim) {
  while (!watches_.empty() && watches_.front().end <= delivered_) {
    const std::uint64_t id = watches_.front().id;
    watches_.pop_front();
    completed(sim, id);
  }
}

}  // namespace progmp::sim::detail
