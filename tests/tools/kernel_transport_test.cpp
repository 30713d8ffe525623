// `progmp serve/connect --transport tcp|kernel-mptcp`: the kernel's transports under the same tool, modes and
// report, so that they can be measured beside progmp. TCP runs on loopback as any user; kernel MPTCP runs in the
// emulated testbed (root) with one subflow per path.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "progmp/testbed/testbed.hpp"
#include "tools/background_process.hpp"
#include "tools/subprocess.hpp"

namespace progmp::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A `progmp serve --transport tcp --once` on an ephemeral loopback port.
struct TcpServer {
  TcpServer() {
    process = std::make_unique<BackgroundProcess>(
        PROGMP_BINARY, std::vector<std::string>{"serve", "--transport", "tcp", "--listen", "127.0.0.1:0", "--once", "--json"});
    EXPECT_TRUE(process->wait_for_stderr("listening on", 1, 10s)) << process->err_text;
    std::smatch m;
    if (std::regex_search(process->err_text, m, std::regex("listening on (127\\.0\\.0\\.1:[0-9]+)"))) address = m[1];
  }
  json report() {
    int status = -1;
    EXPECT_TRUE(process->wait_exit(10s, status)) << "serve --once did not exit";
    EXPECT_EQ(status, 0) << process->err_text;
    return json::parse(process->out_text.substr(0, process->out_text.find('\n')), nullptr, false);
  }
  std::string address;
  std::unique_ptr<BackgroundProcess> process;
};

TEST(KernelTransport, TcpBytesModeChecksTheSha256) {
  TcpServer s;
  const ProcessResult r = progmp({"connect", s.address, "--transport", "tcp", "--bytes", "20000000", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["transport"], "tcp");
  EXPECT_EQ(j["cc"], "cubic");  // lia, progmp's default, is not a kernel congestion control
  EXPECT_EQ(j["bytes"], 20'000'000);
  EXPECT_TRUE(j["sha256_ok"].get<bool>());
  ASSERT_EQ(j["paths"].size(), 1u);
  EXPECT_GE(j["paths"][0]["bytes_sent"].get<std::uint64_t>(), 20'000'000u);
  EXPECT_EQ(j["paths"][0]["remote"], s.address);
  const json server = s.report();
  EXPECT_EQ(server["bytes_received"], 20'000'000);
  EXPECT_EQ(server["transport"], "tcp");
}

TEST(KernelTransport, TcpRequestsAndDownload) {
  {
    TcpServer s;
    const ProcessResult r =
        progmp({"connect", s.address, "--transport", "tcp", "--requests", "40", "--size", "5000", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["requests"]["count"], 40);
    EXPECT_EQ(j["bytes"], 200'000);
    EXPECT_GE(j["requests"]["fct_ms_p95"].get<double>(), j["requests"]["fct_ms_p50"].get<double>());
    EXPECT_EQ(s.report()["bytes_received"], 40 * 100);
  }
  {
    TcpServer s;
    const ProcessResult r =
        progmp({"connect", s.address, "--transport", "tcp", "--reverse", "--bytes", "3000000", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["mode"], "download");
    EXPECT_EQ(j["bytes"], 3'000'000);
    EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(s.report()["bytes_sent"], 3'000'000);
  }
}

TEST(KernelTransport, OptionsThatNeedProgmpAreRefused) {
  const ProcessResult sched =
      progmp({"connect", "127.0.0.1:9", "--transport", "tcp", "--bytes", "10", "--scheduler", "round_robin"});
  EXPECT_EQ(sched.status, 2);
  EXPECT_NE(sched.err.find("need --transport progmp"), std::string::npos) << sched.err;
  const ProcessResult olia = progmp({"connect", "127.0.0.1:9", "--transport", "kernel-mptcp", "--bytes", "10", "--cc", "olia"});
  EXPECT_EQ(olia.status, 2);
  EXPECT_NE(olia.err.find("no coupled congestion control"), std::string::npos) << olia.err;
  const ProcessResult refused = progmp({"connect", "127.0.0.1:9", "--transport", "tcp", "--bytes", "10"});
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("127.0.0.1:9"), std::string::npos) << refused.err;
  const ProcessResult no_key = progmp({"connect", "127.0.0.1:9", "--bytes", "10"});
  EXPECT_EQ(no_key.status, 2);
  EXPECT_NE(no_key.err.find("--server-key is required"), std::string::npos) << no_key.err;
}

TEST(KernelTransport, KernelMptcpUsesEveryEmulatedPath) {
  std::string reason;
  if (!testbed::testbed_available(reason)) GTEST_SKIP() << reason;
  const std::string scenario = std::string(PROGMP_SOURCE_DIR) + "/scenarios/two_paths_20mbit.toml";
  const ProcessResult r = progmp(
      {"testbed", scenario, "--mptcp", "--server",
       std::string(PROGMP_BINARY) + " serve --transport kernel-mptcp --listen 10.0.1.2:5000 --once", "--",
       PROGMP_BINARY, "connect", "10.0.1.2:5000", "--transport", "kernel-mptcp", "--time", "3", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(j["transport"], "kernel-mptcp");
  ASSERT_EQ(j["paths"].size(), 2u) << j;
  for (const json& p : j["paths"]) EXPECT_GT(p["bytes_sent"].get<std::uint64_t>(), 1'000'000u) << p;
  // Two 20 Mbit/s paths: more than one path's worth.
  EXPECT_GT(j["goodput_mbit"].get<double>(), 22.0);
}

}  // namespace
}  // namespace progmp::test
