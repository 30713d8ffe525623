// The blocking API (host.hpp): connect/accept, writes and reads from several threads, scheduler and register
// calls, and the failures an application sees.
#include <gtest/gtest.h>

#include <thread>

#include "progmp/net/host.hpp"
#include "progmp/net/system_random.hpp"

namespace progmp::net {
namespace {

using namespace std::chrono_literals;

TEST(Host, ClientAndServerExchangeDataFromSeparateThreads) {
  std::string error;
  auto server = Host::start(HostOptions::with_new_key(), error);
  ASSERT_TRUE(server) << error;
  // with_new_key() hosts do not accept; a server is made with_key().
  auto keyed = Host::start(HostOptions::with_key([] {
                             SystemRandom r;
                             return transport::crypto::generate_key_pair(r);
                           }()),
                           error);
  ASSERT_TRUE(keyed) << error;
  const auto a = keyed->listen(*SocketAddress::parse("127.0.0.1:0", error, true), error);
  const auto b = keyed->listen(*SocketAddress::parse("127.0.0.2:0", error, true), error);
  ASSERT_TRUE(a && b) << error;
  auto client = Host::start(HostOptions::with_new_key(), error);
  const std::vector<PathConfig> paths{{"127.0.0.1", "", *a, false}, {"127.0.0.2", "", *b, false}};
  std::unique_ptr<Stream> accepted;
  std::thread acceptor([&] { accepted = keyed->accept(10s); });
  auto stream = client->connect(paths, keyed->public_key(), error);
  acceptor.join();
  ASSERT_TRUE(stream) << error;
  ASSERT_TRUE(accepted);
  EXPECT_EQ(stream->paths().size(), 2u);
  // A scheduler by program text, a register, a tag.
  ASSERT_EQ(client->load_scheduler("rr", R"(SCHEDULER rr;
    VAR open = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED);
    IF (!open.EMPTY) { open.MIN(f => f.USER).PUSH(Q.POP()); open.MIN(f => f.USER).SET_USER(R1 + open.MIN(f => f.USER).USER); })")
                .status,
            runtime::Status::Ok);
  EXPECT_TRUE(stream->set_scheduler("rr"));
  EXPECT_TRUE(stream->set_register(1, 1));
  EXPECT_FALSE(stream->set_scheduler("not_loaded"));
  // Writer and reader on their own threads, both directions at once.
  constexpr std::size_t kBytes = 8'000'000;
  std::vector<std::byte> out(kBytes);
  for (std::size_t i = 0; i < kBytes; ++i) out[i] = static_cast<std::byte>(i * 31 + 7);
  std::thread writer([&] {
    EXPECT_EQ(stream->write(out, 7), kBytes);
    stream->close();
  });
  std::thread echo([&] {
    std::vector<std::byte> buf(100'000);
    while (std::size_t n = accepted->read(buf)) accepted->write(std::span(buf).first(n));
    accepted->close();
  });
  std::vector<std::byte> back(kBytes);
  EXPECT_EQ(stream->read_exactly(back), kBytes);
  writer.join();
  echo.join();
  EXPECT_TRUE(back == out);
  EXPECT_TRUE(stream->wait_closed(5s));
  const transport::ConnectionInfo info = stream->info();
  EXPECT_EQ(info.close_reason, transport::CloseReason::Finished);
  EXPECT_EQ(info.bytes_acked, kBytes);
  // The program (USER counts pushes per subflow) used both paths.
  for (const transport::PathInfo& p : stream->paths()) EXPECT_GT(p.counters.bytes_sent, 0u);
  EXPECT_GT(stream->scheduler_stats().executions, 0u);
  (void)server;
}

TEST(Host, FailuresAreReportedNotHung) {
  std::string error;
  auto client = Host::start(HostOptions::with_new_key(), error);
  ASSERT_TRUE(client);
  SystemRandom r;
  const auto nobody = transport::crypto::generate_key_pair(r).public_key;
  const std::vector<PathConfig> paths{{"127.0.0.1", "", *SocketAddress::parse("127.0.0.1:9", error), false}};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(client->connect(paths, nobody, error, 300ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(client->accept(50ms));  // nothing to accept
  EXPECT_FALSE(client->connect({}, nobody, error));
  EXPECT_EQ(error, "a connection needs at least one path");
}

}  // namespace
}  // namespace progmp::net
