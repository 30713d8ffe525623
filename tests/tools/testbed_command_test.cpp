// `progmp testbed` as a user runs it (root; skipped with the reason otherwise): a command in the client namespace
// reaches the server over each emulated path, its exit status is the testbed's, the links' counters come back as
// JSON, and nothing is left behind.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "progmp/testbed/process.hpp"
#include "progmp/testbed/testbed.hpp"
#include "tools/subprocess.hpp"

namespace progmp::test {
namespace {

using nlohmann::json;

const std::string kScenario = std::string(PROGMP_SOURCE_DIR) + "/scenarios/two_paths_20mbit.toml";

std::string namespaces() { return testbed::run_command({"ip", "netns", "list"}).out; }

TEST(TestbedCommand, RunsTheCommandOverEveryPathAndReportsTheLinks) {
  std::string reason;
  if (!testbed::testbed_available(reason)) GTEST_SKIP() << reason;
  // The environment names the addresses; one ping over each path, then an exit status of our choosing.
  const ProcessResult r =
      progmp({"testbed", kScenario, "--json", "--", "sh", "-c",
              "ping -c 1 -W 2 $PROGMP_TESTBED_SERVER_ADDR_1 >/dev/null && "
              "ping -c 1 -W 2 $PROGMP_TESTBED_SERVER_ADDR_2 >/dev/null && "
              "test $PROGMP_TESTBED_PATHS = 2 && exit 7"});
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_NE(r.err.find("path lte: client 10.0.2.1 (c2) <-> server 10.0.2.2 (s2), 20 Mbit/s, 25 ms"), std::string::npos)
      << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["scenario"], "two_paths_20mbit");
  ASSERT_EQ(j["links"].size(), 4u);
  for (const json& l : j["links"]) {
    EXPECT_GE(l["delivered_packets"].get<int>(), 1) << l;  // the ping and its reply crossed every link
    EXPECT_EQ(l["packets_in"], l["delivered_packets"]) << l;
  }
  // The namespaces it announced are gone (other tests may have their own meanwhile).
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("client namespace (\\S+), server namespace (\\S+)"))) << r.err;
  const std::string after = namespaces();
  EXPECT_EQ(after.find(m[1].str()), std::string::npos) << after;
  EXPECT_EQ(after.find(m[2].str()), std::string::npos) << after;
}

TEST(TestbedCommand, ServerCommandRunsInTheServerNamespace) {
  std::string reason;
  if (!testbed::testbed_available(reason)) GTEST_SKIP() << reason;
  // The server listens on its address of path 2; the client reaches it through the emulated link.
  const ProcessResult r = progmp({"testbed", kScenario, "--server",
                                  "python3 -c 'import socket; s=socket.socket(); s.bind((\"10.0.2.2\", 7000)); "
                                  "s.listen(); c,_=s.accept(); c.sendall(b\"hello from the server\")'",
                                  "--server-wait-ms", "1500", "--", "python3", "-c",
                                  "import socket; s=socket.create_connection(('10.0.2.2', 7000), timeout=5); "
                                  "print(s.recv(100).decode())"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the server\n");
}

TEST(TestbedCommand, BadInputIsAOneLineErrorWithStatus2) {
  const ProcessResult unknown = progmp({"testbed", kScenario, "--set", "path.wifi.bogus=1", "--", "true"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("--set path.wifi.bogus: unknown key"), std::string::npos) << unknown.err;
  const ProcessResult missing = progmp({"testbed", "/no/such/file.toml", "--", "true"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("File does not exist: /no/such/file.toml"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace progmp::test
