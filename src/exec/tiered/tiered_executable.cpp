#include "progmp/exec/tiered.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace progmp {

struct TieredExecutable::State {
  std::atomic<const Executable*> fast{nullptr};  // published once, with release order
  std::unique_ptr<Executable> owner;             // keeps `fast` alive
  mutable std::mutex mutex;                      // guards error, compile_ms
  std::string error;
  double compile_ms = 0;
  std::thread worker;
  std::once_flag joined;
};

TieredExecutable::TieredExecutable(std::shared_ptr<const Executable> first, TierCompiler compile)
    : first_(std::move(first)), state_(std::make_unique<State>()) {
  State* s = state_.get();
  s->worker = std::thread([s, compile = std::move(compile)] {
    const auto t0 = std::chrono::steady_clock::now();
    std::string error;
    std::unique_ptr<Executable> exe;
    try {
      exe = compile(error);
    } catch (const std::exception& e) {
      error = e.what();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    {
      std::lock_guard<std::mutex> lock(s->mutex);
      s->compile_ms = ms;
      if (!exe && error.empty()) error = "the compiler gave no executable";
      s->error = exe ? std::string() : error;
      s->owner = std::move(exe);
    }
    s->fast.store(s->owner.get(), std::memory_order_release);
  });
}

TieredExecutable::~TieredExecutable() { wait(); }

bool TieredExecutable::wait() const {
  std::call_once(state_->joined, [this] {
    if (state_->worker.joinable()) state_->worker.join();
  });
  return switched();
}

bool TieredExecutable::switched() const { return state_->fast.load(std::memory_order_acquire) != nullptr; }

std::string TieredExecutable::error() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->error;
}

double TieredExecutable::compile_ms() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->compile_ms;
}

std::string_view TieredExecutable::engine_name() const {
  const Executable* fast = state_->fast.load(std::memory_order_acquire);
  return fast ? fast->engine_name() : first_->engine_name();
}

void TieredExecutable::prepare(const SchedulerView& view, ExecScratch& scratch) const {
  // The tier is chosen here and remembered in the arena, so that run() uses the tier the arena was prepared for
  // even if the switch happens in between.
  const Executable* fast = state_->fast.load(std::memory_order_acquire);
  const Executable* tier = fast ? fast : first_.get();
  tier->prepare(view, scratch);
  scratch.tier = tier;
}

ExecResult TieredExecutable::run(const SchedulerView& view, ExecState& state, EffectLog& log) const {
  const Executable* tier = state.scratch != nullptr ? state.scratch->tier : nullptr;
  if (tier != first_.get() && tier != state_->fast.load(std::memory_order_acquire)) tier = first_.get();
  return tier->run(view, state, log);
}

}  // namespace progmp
