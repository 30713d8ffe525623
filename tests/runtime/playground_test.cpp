// The playground (runtime.md §14): the worked example of §14.5 reproduced exactly, the executions limit, aborted
// executions, registers and generator, and the `progmp run` command's exit statuses.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.hpp"
#include "progmp/runtime/playground.hpp"
#include "tools/subprocess.hpp"
#include "tools/temp_dir.hpp"

namespace progmp::runtime {
namespace {

// language.md §16.1.
constexpr const char* kLowestRtt = R"(SCHEDULER lowest_rtt;

// Subflows that can take one more packet right now.
VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED
                                 AND !f.LOSSY AND !f.THROTTLED);
IF (ready.EMPTY) { RETURN; }

// 1. A packet waiting for reinjection goes to the fastest ready subflow that has not carried it.
VAR again = RQ.TOP;
IF (again != NULL) {
  VAR alt = ready.FILTER(f => !again.SENT_ON(f) AND f.HAS_WINDOW_FOR(again)).MIN(f => f.RTT);
  IF (alt != NULL) {
    alt.PUSH(RQ.POP());
    RETURN;
  }
}

// 2. Otherwise the oldest unsent packet goes to the lowest-RTT ready subflow.
VAR next = Q.TOP;
ready.FILTER(f => f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());
)";

// runtime.md §14.5.
constexpr const char* kExampleView = R"({"time_ms": 5000,
 "subflows": [{"id": 1, "rtt": 30000, "cwnd": 10, "skbs_in_flight": 10},
              {"id": 2, "rtt": 80000, "cwnd": 10, "skbs_in_flight": 3}],
 "Q": [{"seq": 14000, "length": 1400}],
 "QU": [{"seq": 12600, "length": 1400, "sent_on": [1]}]})";

PlaygroundView view_of(const std::string& json) {
  ViewParse p = parse_view(json);
  EXPECT_TRUE(p.view) << (p.error ? p.error->message("view") : "");
  return p.view.value_or(PlaygroundView{});
}

PlaygroundResult run(const std::string& source, const std::string& view, std::uint64_t n) {
  CompiledCode code = compile_for_interpreter(source);
  EXPECT_TRUE(code.ok);
  PlaygroundOptions opt;
  opt.executions = n;
  return run_playground(code, code.header_name.empty() ? "p" : code.header_name, view_of(view), opt);
}

TEST(Playground, SpecExampleReproducesExactly) {
  const PlaygroundResult r = run(kLowestRtt, kExampleView, 3);
  const std::string expected =
      R"({"status":"ok","scheduler":"lowest_rtt","diagnostics":[],"executions":[)"
      R"({"index":1,"end":"end","steps":12,"actions":[{"op":"PUSH","subflow":2,"seq":14000,"origin":"Q","result":"queued"}],)"
      R"("pops":[{"queue":"Q","seq":14000,"outcome":"kept_out"}],"registers":[0,0,0,0,0,0],"prints":[],"progress":"packet"},)"
      R"({"index":2,"end":"end","steps":10,"actions":[],"pops":[],"registers":[0,0,0,0,0,0],"prints":[],"progress":"none"}],)"
      R"("round_end":"no_progress","view_after":{"version":1,"time_ms":5000,"registers":[0,0,0,0,0,0],"random_seed":0,)"
      R"("window_end":null,"mss":1400,"subflows":[)"
      R"({"id":1,"rtt":30000,"rtt_var":0,"cwnd":10,"ssthresh":2147483647,"skbs_in_flight":10,"queued":0,"lost_skbs":0,)"
      R"("is_backup":false,"throttled":false,"lossy":false,"delay_in":null,"delay_out":null,"bw_out_send":0,)"
      R"("bw_out_ack":0,"bw":0,"loss_rate":0,"user":0},)"
      R"({"id":2,"rtt":80000,"rtt_var":0,"cwnd":10,"ssthresh":2147483647,"skbs_in_flight":3,"queued":1,"lost_skbs":0,)"
      R"("is_backup":false,"throttled":false,"lossy":false,"delay_in":null,"delay_out":null,"bw_out_send":1400,)"
      R"("bw_out_ack":0,"bw":0,"loss_rate":0,"user":0}],"Q":[],"QU":[)"
      R"({"seq":12600,"length":1400,"user":0,"psh":false,"age_ms":0,"sent_on":[1],"queued_on":[]},)"
      R"({"seq":14000,"length":1400,"user":0,"psh":false,"age_ms":0,"sent_on":[2],"queued_on":[2]}],"RQ":[]}})";
  EXPECT_EQ(playground_json(r, "[]"), expected);
}

TEST(Playground, ExecutionsLimitOnlyWhenTheRoundWouldContinue) {
  EXPECT_EQ(run(kLowestRtt, kExampleView, 1).round_end, RoundEnd::ExecutionsLimit);
  EXPECT_EQ(run(kLowestRtt, kExampleView, 2).round_end, RoundEnd::NoProgress);
  const PlaygroundResult r = run(kLowestRtt, kExampleView, 1);
  ASSERT_EQ(r.executions.size(), 1u);
  EXPECT_EQ(r.view_after.packets[1].queued_on, (std::vector<std::int64_t>{2}));
}

TEST(Playground, RegistersGeneratorAndIdle) {
  // splitmix64 from state 0: first output 0xE220A8397B1DCDAF, so RANDOM = 0xE220A839; the state becomes the
  // increment 0x9E3779B97F4A7C15.
  const PlaygroundResult r = run("SET(R1, RANDOM);", "{}", 5);
  ASSERT_EQ(r.executions.size(), 1u);
  EXPECT_EQ(r.executions[0].registers[0], 0xE220A839);
  EXPECT_EQ(r.executions[0].progress, Progress::State);
  EXPECT_EQ(r.round_end, RoundEnd::Idle);
  EXPECT_EQ(r.view_after.registers[0], 0xE220A839);
  EXPECT_EQ(r.view_after.random_seed, 0x9E3779B97F4A7C15ull);
}

TEST(Playground, StateOnlyLimitAndRegistersFromTheView) {
  const PlaygroundResult r = run("SET(R2, R2 + R1);", R"({"registers": [3, 10], "Q": [{"seq": 0, "length": 1}]})", 10);
  ASSERT_EQ(r.executions.size(), 5u);
  EXPECT_EQ(r.round_end, RoundEnd::StateOnlyLimit);
  EXPECT_EQ(r.view_after.registers[1], 25);
  EXPECT_EQ(r.executions[0].registers[1], 13);
}

TEST(Playground, PrintsSetUserAndDropsAreReported) {
  const PlaygroundResult r = run(
      "PRINT(\"first %s (%d)\", SUBFLOWS.GET(0));\n"
      "SUBFLOWS.GET(0).SET_USER(42);\n"
      "DROP(RQ.POP());\n",
      R"({"subflows": [{"id": 4, "user": 1}], "QU": [{"seq": 0, "length": 10, "sent_on": [4]}], "RQ": [0]})", 3);
  ASSERT_GE(r.executions.size(), 1u);
  const PlaygroundExecution& e = r.executions[0];
  EXPECT_EQ(e.prints, (std::vector<std::string>{"first sbf4 (4)"}));
  ASSERT_EQ(e.actions.size(), 2u);
  EXPECT_EQ(e.actions[0].op, EffectKind::SetUser);
  EXPECT_EQ(e.actions[0].result, ActionResult::Changed);
  EXPECT_EQ(e.actions[1].op, EffectKind::Drop);
  EXPECT_EQ(e.actions[1].origin, QueueId::RQ);
  EXPECT_EQ(e.actions[1].result, ActionResult::Removed);
  ASSERT_EQ(e.pops.size(), 1u);
  EXPECT_EQ(e.pops[0].outcome, PopOutcome::KeptOut);
  EXPECT_EQ(r.view_after.subflows[0].user, 42);
  EXPECT_FALSE(r.view_after.packets[0].in_rq);
  EXPECT_TRUE(r.view_after.packets[0].in_qu);
}

TEST(Playground, PushWithoutPopListsThePacketInQAndQu) {
  const PlaygroundResult r =
      run("SUBFLOWS.GET(0).PUSH(Q.TOP);", R"({"subflows": [{"id": 1}], "Q": [{"seq": 0, "length": 10}]})", 3);
  ASSERT_EQ(r.executions.size(), 2u);
  EXPECT_EQ(r.executions[1].actions[0].result, ActionResult::Deduplicated);
  EXPECT_EQ(r.round_end, RoundEnd::NoProgress);
  const std::string after = view_to_json(r.view_after);
  EXPECT_NE(after.find(R"("Q":[{"seq":0,"length":10,"user":0,"psh":false,"age_ms":0,"sent_on":[1],"queued_on":[1]}],)"
                       R"("QU":[{"seq":0,"length":10,"user":0,"psh":false,"age_ms":0,"sent_on":[1],"queued_on":[1]}])"),
            std::string::npos)
      << after;
}

TEST(Playground, DeduplicationUsesQueuedOnFromTheView) {
  const PlaygroundResult r = run("SUBFLOWS.GET(0).PUSH(QU.TOP);",
                                 R"({"subflows": [{"id": 1, "queued": 1}],
                                     "QU": [{"seq": 0, "length": 10, "sent_on": [1], "queued_on": [1]}]})",
                                 1);
  EXPECT_EQ(r.executions[0].actions[0].result, ActionResult::Deduplicated);
  EXPECT_EQ(r.view_after.subflows[0].queued, 1);
}

TEST(Playground, AbortedExecutionIsReportedWithItsDiscardedWork) {
  testing::FakePrograms fake;
  fake.add("abort", [](const SchedulerView& v, ExecState& st, EffectLog& log) {
    st.registers[0] = 5;
    log.try_print(0, PrintValue{});
    testing::pop(log, QueueId::Q, v.q[0]);
    testing::push(log, 0, v.q[0], QueueId::Q);
    return testing::step_limit(st);
  }, {}, {"lost line"});
  CompiledCode code = fake.compiler()("abort");
  PlaygroundOptions opt;
  opt.executions = 4;
  const PlaygroundResult r = run_playground(
      code, "ab", view_of(R"({"registers": [1], "subflows": [{"id": 1}], "Q": [{"seq": 0, "length": 10}]})"), opt);
  ASSERT_EQ(r.executions.size(), 1u);
  EXPECT_EQ(r.round_end, RoundEnd::StepLimit);
  const std::string json = playground_json(r, "[]");
  EXPECT_NE(json.find(R"("executions":[{"index":1,"end":"step_limit","steps":1000001,"actions":[],"pops":[],)"
                      R"("registers":[1,0,0,0,0,0],"prints":[],"progress":"none","discarded":1,)"
                      R"("discarded_prints":["lost line"]}],"round_end":"step_limit")"),
            std::string::npos)
      << json;
  EXPECT_EQ(r.view_after.registers[0], 1);
  EXPECT_TRUE(r.view_after.packets[0].in_q);
  EXPECT_FALSE(r.view_after.packets[0].in_qu);
  ASSERT_EQ(r.runtime_diagnostics.size(), 1u);  // R0002 goes to the report, not into the JSON
  EXPECT_EQ(r.runtime_diagnostics[0],
            "progmp: conn 1 [ab@1]: warning[R0002]: scheduler budget exhausted (step_limit); the round was cut short");
}

TEST(Playground, CompileErrorObject) {
  EXPECT_EQ(playground_compile_error_json("x", R"([{"file":"x.progmp"}])"),
            R"({"status":"compile_error","scheduler":"x","diagnostics":[{"file":"x.progmp"}]})");
}

TEST(Playground, TextReport) {
  const std::string text = playground_text(run(kLowestRtt, kExampleView, 3));
  EXPECT_NE(text.find("execution 1: end after 12 steps, progress packet"), std::string::npos) << text;
  EXPECT_NE(text.find("PUSH packet 14000 (from Q) to subflow 2: queued"), std::string::npos);
  EXPECT_NE(text.find("round end: no_progress"), std::string::npos);
}

// `progmp run` end to end, when the binary has been built.
struct RunCommand : ::testing::Test {
  void SetUp() override {
    if (!std::filesystem::exists(PROGMP_BINARY)) GTEST_SKIP() << "progmp binary not built";
  }
  progmp::test::ProcessResult progmp(std::vector<std::string> args) {
    args.insert(args.begin(), "run");
    return progmp::test::run_process(PROGMP_BINARY, args);
  }
  progmp::test::TempDir dir;
};

TEST_F(RunCommand, JsonOutputAndExitStatuses) {
  const std::string prog = dir.write("lowest.progmp", kLowestRtt);
  const std::string view = dir.write("view.json", kExampleView);
  auto r = progmp({prog, "--view", view, "--executions", "3", "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind(R"({"status":"ok","scheduler":"lowest_rtt","diagnostics":[],"executions":[{"index":1,)", 0), 0u);
  EXPECT_EQ(r.out.back(), '\n');

  const std::string bad_view = dir.write("bad.json", R"({"subflows": [{"id": 1, "rtt": 1.5}]})");
  r = progmp({prog, "--view", bad_view});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, bad_view + ": /subflows/0/rtt: expected an integer, found a number with a fraction or exponent\n");
  EXPECT_TRUE(r.out.empty());

  const std::string broken = dir.write("2broken-file.progmp", "VAR x = ;");
  r = progmp({broken, "--view", view, "--json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind(R"({"status":"compile_error","scheduler":"_2broken_file","diagnostics":[{"file":")", 0), 0u)
      << r.out;
  r = progmp({broken, "--view", view});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("error[E0102]"), std::string::npos) << r.err;

  // Every engine this build has gives the interpreter's report; the others are refused with the list of engines.
  const auto on_interp = progmp({prog, "--view", view, "--json"});
  for (const char* engine : {"jit", "ebpf"}) {
    r = progmp({prog, "--view", view, "--engine", engine, "--json"});
    runtime::EngineChoice choice;
    if (runtime::parse_engine(engine, choice)) {
      EXPECT_EQ(r.status, 0) << engine << ": " << r.err;
      EXPECT_EQ(r.out, on_interp.out) << engine;
    } else {
      EXPECT_EQ(r.status, 2);
      EXPECT_EQ(r.err, std::string("progmp run: engine '") + engine + "' is not available in this build (available: " +
                           runtime::available_engine_names() + ")\n");
    }
  }
  r = progmp({prog, "--view", view, "--engine", "auto", "--name", "renamed", "--json"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind(R"({"status":"ok","scheduler":"renamed",)", 0), 0u);
  r = progmp({prog, "--view", (dir.path() / "missing.json").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos);
  // A count outside the allowed range is a command-line error: status 2 and a message naming the flag.
  r = progmp({prog, "--view", view, "--executions", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--executions"), std::string::npos) << r.err;
}

TEST_F(RunCommand, DocumentedExampleRuns) {
  const std::string root = PROGMP_SOURCE_DIR;
  auto r = progmp({root + "/docs/examples/playground/lowest_rtt.progmp", "--view",
                   root + "/docs/examples/playground/example_view.json", "--executions", "3", "--json"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(R"("round_end":"no_progress")"), std::string::npos);
}

}  // namespace
}  // namespace progmp::runtime
