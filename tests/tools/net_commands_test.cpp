// `progmp keygen`, `progmp serve` and `progmp connect` as a user runs them: two processes, two loopback paths,
// encrypted; every mode; the JSON fields; and the one-line errors (exit 2) for bad input.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tools/background_process.hpp"
#include "tools/subprocess.hpp"
#include "tools/temp_dir.hpp"

namespace progmp::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string sha256_hex(const std::string& data) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, d, sizeof d);
  return hex;
}

// A `progmp serve --once` on 127.0.0.1 and 127.0.0.2 (ephemeral ports), and what a client needs to reach it.
class Server {
 public:
  explicit Server(const TempDir& dir, std::vector<std::string> extra = {}) {
    key_file = (dir.path() / "server.key").string();
    const ProcessResult k = progmp({"keygen", "-o", key_file, "--force"});
    EXPECT_EQ(k.status, 0) << k.err;
    public_key = k.out.substr(0, k.out.find('\n'));
    std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--listen", "127.0.0.2:0", "--key", key_file,
                                  "--once", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = std::make_unique<BackgroundProcess>(PROGMP_BINARY, args);
    // "server key" follows the listening lines, so both are complete once it is there.
    EXPECT_TRUE(process->wait_for_stderr("server key", 1, 10s)) << process->err_text;
    const std::regex re("listening on (127\\.0\\.0\\.[12]:[0-9]+)");
    for (std::sregex_iterator it(process->err_text.begin(), process->err_text.end(), re), end; it != end; ++it)
      addresses.push_back((*it)[1]);
  }
  // The paths: 127.0.0.1 → the first address, 127.0.0.2 → the second.
  std::vector<std::string> path_args() const {
    return {"--path", "127.0.0.1=" + addresses.at(0), "--path", "127.0.0.2=" + addresses.at(1)};
  }
  json report() {
    int status = -1;
    EXPECT_TRUE(process->wait_exit(10s, status)) << "serve --once did not exit";
    EXPECT_EQ(status, 0) << process->err_text;
    return json::parse(process->out_text.substr(0, process->out_text.find('\n')), nullptr, false);
  }

  std::string key_file, public_key;
  std::vector<std::string> addresses;
  std::unique_ptr<BackgroundProcess> process;
};

ProcessResult connect(const Server& s, std::vector<std::string> args, const std::string& input = "") {
  std::vector<std::string> all{"connect", s.addresses.at(0), "--server-key", s.public_key};
  const auto paths = s.path_args();
  all.insert(all.end(), paths.begin(), paths.end());
  all.insert(all.end(), args.begin(), args.end());
  return progmp(all, "", input);
}

TEST(KeygenCommand, WritesAPrivateKeyPairAndPrintsItsPublicKey) {
  TempDir dir;
  const std::string file = (dir.path() / "k").string();
  const ProcessResult r = progmp({"keygen", "-o", file});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.size(), 45u);  // 44 base64 characters and a newline
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("public: " + r.out.substr(0, 44)), std::string::npos);
  const ProcessResult again = progmp({"keygen", "-o", file});
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("File exists (use --force to replace it)"), std::string::npos) << again.err;
  EXPECT_EQ(progmp({"keygen", "-o", file, "--force"}).status, 0);
}

TEST(ConnectCommand, BytesModeChecksTheSha256OfWhatTheServerReceivedOverTwoPaths) {
  TempDir dir;
  Server s(dir);
  const ProcessResult r = connect(s, {"--bytes", "20000000", "--json", "--scheduler", "round_robin"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["bytes"], 20'000'000);
  EXPECT_TRUE(j["sha256_ok"].get<bool>());
  EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["scheduler"], "round_robin");
  EXPECT_EQ(j["undelivered_bytes"], 0);
  ASSERT_EQ(j["paths"].size(), 2u);
  for (const json& p : j["paths"]) {
    EXPECT_GT(p["share"].get<double>(), 0.05) << p;  // round robin uses both (less while path 2 starts)
    EXPECT_GT(p["rtt_ms_avg"].get<double>(), 0.0);
    EXPECT_TRUE(p.contains("retransmitted_bytes"));
  }
  EXPECT_EQ(j["paths"][0]["local"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(j["paths"][1]["local"].get<std::string>().rfind("127.0.0.2:", 0), 0u);
  EXPECT_GT(j["goodput_mbit"].get<double>(), 0.0);
  EXPECT_GT(j["duration_s"].get<double>(), 0.0);
  const json server = s.report();
  EXPECT_EQ(server["bytes_received"].get<std::uint64_t>(), 20'000'000u);
  EXPECT_EQ(server["closed"], "finished");
}

TEST(ConnectCommand, SendFileReportsTheFilesSha256) {
  TempDir dir;
  std::string content(3'000'000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string file = dir.write("data.bin", content);
  Server s(dir);
  const ProcessResult r = connect(s, {"--send-file", file, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["sha256"], sha256_hex(content));
  EXPECT_TRUE(j["sha256_ok"].get<bool>());
  EXPECT_EQ(j["bytes"], 3'000'000);
}

TEST(ConnectCommand, ReverseModeReceivesWhatTheServerSends) {
  TempDir dir;
  Server s(dir);
  const ProcessResult r = connect(s, {"--reverse", "--bytes", "5000000", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["mode"], "download");
  EXPECT_EQ(j["bytes"], 5'000'000);
  EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
  s.report();
  // The server schedules its sending with the scheduler the client names: round robin uses both paths (over a
  // second; a short transfer is mostly the start, before the second path is validated).
  Server t(dir);
  const ProcessResult rr = connect(t, {"--reverse", "--time", "1", "--json", "--server-scheduler", "round_robin"});
  ASSERT_EQ(rr.status, 0) << rr.err;
  const json rj = json::parse(rr.out);  // named: a range-for over a temporary's member would dangle
  for (const json& p : rj["paths"]) EXPECT_GT(p["share"].get<double>(), 0.3) << p;
}

TEST(ConnectCommand, RequestsModeMeasuresFlowCompletionTimes) {
  TempDir dir;
  Server s(dir);
  const ProcessResult r = connect(s, {"--requests", "30", "--size", "5000", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["requests"]["count"], 30);
  EXPECT_GT(j["requests"]["fct_ms_p50"].get<double>(), 0.0);
  EXPECT_GE(j["requests"]["fct_ms_p95"].get<double>(), j["requests"]["fct_ms_p50"].get<double>());
  EXPECT_EQ(j["bytes"], 150'000);
}

TEST(ConnectCommand, TimeModePrintsATablePerInterval) {
  TempDir dir;
  Server s(dir);
  const ProcessResult r = connect(s, {"--time", "1", "--interval", "0.25"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GE(std::count(r.out.begin(), r.out.end(), '\n'), 9);
  EXPECT_NE(r.out.find("] path 1 127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("] path 2 127.0.0.2:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("] total"), std::string::npos);
  EXPECT_NE(r.out.find("sent "), std::string::npos);
}

TEST(ConnectCommand, WithoutAModeItIsNetcat) {
  TempDir dir;
  Server s(dir);
  const ProcessResult r = connect(s, {}, "hello over two paths\n");
  EXPECT_EQ(r.status, 0) << r.err;
  int status = -1;
  ASSERT_TRUE(s.process->wait_exit(10s, status));
  EXPECT_NE(s.process->out_text.find("hello over two paths\n"), std::string::npos) << s.process->out_text;
}

TEST(ConnectCommand, BadInputGivesOneLineAndStatus2) {
  TempDir dir;
  Server s(dir);
  const std::string key = s.public_key;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const ProcessResult other = progmp({"keygen", "-o", (dir.path() / "other.key").string()});
  const std::vector<Case> cases = {
      {{"connect", s.addresses[0], "--server-key", other.out.substr(0, 44), "--time", "1", "--connect-timeout", "0.5"},
       "no answer from the server within 0.5 s"},
      {{"connect", "127.0.0.1:1", "--server-key", key, "--time", "1", "--connect-timeout", "0.5"}, "no answer"},
      {{"connect", "127.0.0.1", "--server-key", key, "--time", "1"}, "'127.0.0.1' has no port"},
      {{"connect", s.addresses[0], "--server-key", key, "--scheduler", "no_such_scheduler"},
       "unknown scheduler 'no_such_scheduler'"},
      {{"connect", s.addresses[0], "--server-key", "not-a-key", "--time", "1"}, "is neither a public key"},
      {{"connect", s.addresses[0], "--server-key", key, "--register", "R7=1"}, "the registers are R1..R6"},
      {{"connect", s.addresses[0], "--server-key", key, "--time", "1", "--bytes", "5"}, "choose one mode"},
      {{"connect", s.addresses[0], "--server-key", key, "--path", "1.2.3.999=" + s.addresses[0]}, "local address"},
      {{"connect", s.addresses[0], "--server-key", key, "--backup", "3"}, "--backup 3: there are paths 1..1"},
      {{"connect", s.addresses[0], "--server-key", key, "--reverse"}, "--reverse needs --time or --bytes"},
  };
  for (const Case& c : cases) {
    const ProcessResult r = progmp(c.args);
    EXPECT_EQ(r.status, 2) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // A scheduler the server does not have: refused by the server, reported by the client.
  const ProcessResult refused = connect(s, {"--reverse", "--time", "1", "--server-scheduler", "no_such"});
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("the server refused the request: unknown scheduler 'no_such'"), std::string::npos)
      << refused.err;
}

TEST(ServeCommand, BadInputGivesOneLineAndStatus2) {
  TempDir dir;
  const std::string pub = dir.write("pub.txt", "not a key pair\n");
  const ProcessResult a = progmp({"serve", "--listen", "127.0.0.1:0", "--key", pub});
  EXPECT_EQ(a.status, 2);
  EXPECT_NE(a.err.find(pub + ":1: expected 'secret: KEY'"), std::string::npos) << a.err;
  const std::string key = (dir.path() / "k").string();
  progmp({"keygen", "-o", key});
  const ProcessResult b = progmp({"serve", "--listen", "127.0.0.1", "--key", key});
  EXPECT_EQ(b.status, 2);
  EXPECT_NE(b.err.find("has no port"), std::string::npos) << b.err;
  const ProcessResult c = progmp({"serve", "--listen", "127.0.0.1:0", "--key", key, "--allow", pub});
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.err.find(pub + ":1:"), std::string::npos) << c.err;
  const ProcessResult d = progmp({"serve", "--listen", "127.0.0.1:0", "--key", key, "--scheduler", "nope"});
  EXPECT_EQ(d.status, 2);
  EXPECT_NE(d.err.find("unknown scheduler 'nope'"), std::string::npos) << d.err;
}

TEST(ServeCommand, AnAllowListRefusesOtherClients) {
  TempDir dir;
  const ProcessResult other = progmp({"keygen", "-o", (dir.path() / "other.key").string()});
  const std::string allow = dir.write("allow", other.out);
  Server s(dir, {"--allow", allow});
  const ProcessResult r = connect(s, {"--time", "1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("the server does not accept this client's key"), std::string::npos) << r.err;
  // The allowed client (with its key file) gets in.
  const ProcessResult ok = connect(s, {"--bytes", "1000", "--key", (dir.path() / "other.key").string()});
  EXPECT_EQ(ok.status, 0) << ok.err;
}

}  // namespace
}  // namespace progmp::test
