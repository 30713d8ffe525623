// Tiered execution (exec/tiered.hpp): the first tier runs until the background compilation delivers, then the
// second; an arena prepared for one tier is run by that tier; a failed compilation keeps the first tier for good.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "progmp/exec/tiered.hpp"
#include "view_builder.hpp"

namespace progmp::testing {
namespace {

const char* kProgram = R"(
VAR sf = SUBFLOWS.MIN(f => f.RTT);
IF (sf != NULL AND !Q.EMPTY) { sf.PUSH(Q.POP()); }
SET(R1, R1 + 1);
)";

// Delegates to another executable under its own name and counts its runs.
class Counting : public Executable {
 public:
  Counting(std::shared_ptr<const Executable> inner, std::string_view name, std::atomic<int>& runs)
      : inner_(std::move(inner)), name_(name), runs_(runs) {}
  std::string_view engine_name() const override { return name_; }
  void prepare(const SchedulerView& v, ExecScratch& s) const override { inner_->prepare(v, s); }
  ExecResult run(const SchedulerView& v, ExecState& st, EffectLog& log) const override {
    ++runs_;
    return inner_->run(v, st, log);
  }

 private:
  std::shared_ptr<const Executable> inner_;
  std::string_view name_;
  std::atomic<int>& runs_;
};

// A compiler the test releases by hand.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  void release() {
    {
      std::lock_guard<std::mutex> lock(m);
      open = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return open; });
  }
};

struct Fixture {
  ViewBuilder vb;
  std::shared_ptr<const Executable> interp;
  std::atomic<int> first_runs{0}, fast_runs{0};
  Fixture() {
    vb.subflow(1, 30000);
    vb.subflow(2, 10000);
    vb.unsent(0);
    interp = interp::make_executable(compile_ok(kProgram));
  }
  ExecResult run(const Executable& exe, ExecState& st, EffectLog& log, ExecScratch& scratch) {
    const SchedulerView v = vb.view();
    exe.prepare(v, scratch);
    log.reserve(4);
    log.clear();
    st.scratch = &scratch;
    return exe.run(v, st, log);
  }
};

TEST(Tiered, RunsTheFirstTierUntilTheSecondIsReadyThenSwitches) {
  Fixture f;
  Gate gate;
  auto first = std::make_shared<Counting>(f.interp, "interp", f.first_runs);
  TieredExecutable tiered(first, [&](std::string&) -> std::unique_ptr<Executable> {
    gate.wait();
    return std::make_unique<Counting>(f.interp, "fast", f.fast_runs);
  });
  ExecState st;
  ExecScratch scratch;
  EffectLog log;
  EXPECT_EQ(tiered.engine_name(), "interp");
  const ExecResult a = f.run(tiered, st, log, scratch);
  EXPECT_EQ(f.first_runs.load(), 1);
  EXPECT_FALSE(tiered.switched());
  ASSERT_EQ(log.entries().size(), 2u);  // POP + PUSH on the lower-RTT subflow
  EXPECT_EQ(log.entries()[1].subflow, 1);

  gate.release();
  EXPECT_TRUE(tiered.wait());
  EXPECT_EQ(tiered.engine_name(), "fast");
  EXPECT_TRUE(tiered.error().empty());
  EXPECT_GE(tiered.compile_ms(), 0.0);
  const ExecResult b = f.run(tiered, st, log, scratch);
  EXPECT_EQ(f.fast_runs.load(), 1);
  EXPECT_EQ(f.first_runs.load(), 1);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(st.registers[0], 2);  // both executions counted in R1, whichever tier ran
}

TEST(Tiered, AnArenaPreparedForTheFirstTierIsRunByIt) {
  Fixture f;
  Gate gate;
  auto first = std::make_shared<Counting>(f.interp, "interp", f.first_runs);
  TieredExecutable tiered(first, [&](std::string&) -> std::unique_ptr<Executable> {
    gate.wait();
    return std::make_unique<Counting>(f.interp, "fast", f.fast_runs);
  });
  ExecState st;
  ExecScratch scratch;
  EffectLog log;
  log.reserve(4);
  const SchedulerView v = f.vb.view();
  tiered.prepare(v, scratch);  // prepared before the switch ...
  gate.release();
  ASSERT_TRUE(tiered.wait());
  st.scratch = &scratch;
  (void)tiered.run(v, st, log);  // ... so run after it still uses the first tier
  EXPECT_EQ(f.first_runs.load(), 1);
  EXPECT_EQ(f.fast_runs.load(), 0);
}

TEST(Tiered, AFailedCompilationKeepsTheFirstTier) {
  Fixture f;
  auto first = std::make_shared<Counting>(f.interp, "interp", f.first_runs);
  TieredExecutable tiered(first, [](std::string& error) -> std::unique_ptr<Executable> {
    error = "no native target";
    return nullptr;
  });
  EXPECT_FALSE(tiered.wait());
  EXPECT_EQ(tiered.error(), "no native target");
  EXPECT_EQ(tiered.engine_name(), "interp");
  ExecState st;
  ExecScratch scratch;
  EffectLog log;
  (void)f.run(tiered, st, log, scratch);
  EXPECT_EQ(f.first_runs.load(), 1);
}

TEST(Tiered, ACompilerThatThrowsIsAFailureNotACrash) {
  Fixture f;
  TieredExecutable tiered(f.interp, [](std::string&) -> std::unique_ptr<Executable> {
    throw std::runtime_error("out of memory");
  });
  EXPECT_FALSE(tiered.wait());
  EXPECT_EQ(tiered.error(), "out of memory");
}

}  // namespace
}  // namespace progmp::testing
