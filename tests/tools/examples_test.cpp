// The programs of examples/ build and do what docs/net.md says: an echo over two loopback paths, and a file sent
// and received with matching SHA-256.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tools/background_process.hpp"
#include "tools/subprocess.hpp"
#include "tools/temp_dir.hpp"

namespace progmp::test {
namespace {

using namespace std::chrono_literals;

std::string example(const std::string& name) { return std::string(PROGMP_EXAMPLES_DIR) + "/example_" + name; }

// Starts a server example (its arguments), waits for its "listening on" lines and returns the addresses.
std::vector<std::string> listening(BackgroundProcess& p, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < 200 && static_cast<int>(out.size()) < count; ++i) {
    int status = 0;
    (void)p.wait_exit(10ms, status);  // drains stdout
    out.clear();
    const std::regex re("listening on (127\\.0\\.0\\.[12]:[0-9]+)");
    for (std::sregex_iterator it(p.out_text.begin(), p.out_text.end(), re), end; it != end; ++it) out.push_back((*it)[1]);
  }
  return out;
}

TEST(Examples, EchoOverTwoPaths) {
  TempDir dir;
  const std::string key = (dir.path() / "server.key").string();
  ASSERT_EQ(progmp({"keygen", "-o", key}).status, 0);
  BackgroundProcess server(example("echo_server"), {key, "127.0.0.1:0", "127.0.0.2:0"});
  const auto addresses = listening(server, 2);
  ASSERT_EQ(addresses.size(), 2u) << server.out_text << server.err_text;
  const std::string input = "hello\nover two paths, with a redundant scheduler\n";
  const ProcessResult r = run_process(example("echo_client"),
                                      {key, "127.0.0.1=" + addresses[0], "127.0.0.2=" + addresses[1]}, "", input);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, input);
}

TEST(Examples, FileTransferKeepsEveryByte) {
  TempDir dir;
  const std::string key = (dir.path() / "server.key").string();
  ASSERT_EQ(progmp({"keygen", "-o", key}).status, 0);
  std::string content(5'000'000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 2654435761u) >> 11);
  const std::string file = dir.write("in.bin", content);
  const std::string out = (dir.path() / "out.bin").string();
  BackgroundProcess receiver(example("file_receive"), {key, "127.0.0.1:0", out});
  const auto addresses = listening(receiver, 1);
  ASSERT_EQ(addresses.size(), 1u) << receiver.out_text << receiver.err_text;
  const ProcessResult r = run_process(example("file_send"),
                                      {file, key, "127.0.0.1=" + addresses[0], "127.0.0.2=" + addresses[0]});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("sent 5000000 bytes, 5000000 acknowledged"), std::string::npos) << r.out;
  int status = -1;
  ASSERT_TRUE(receiver.wait_exit(10s, status));
  EXPECT_EQ(status, 0);
  std::ifstream in(out, std::ios::binary);
  const std::string received((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(received == content);
  EXPECT_NE(receiver.out_text.find("received 5000000 bytes, sha256 "), std::string::npos) << receiver.out_text;
}

}  // namespace
}  // namespace progmp::test
