// The transport on real UDP sockets over loopback: two paths (127.0.0.1 and 127.0.0.2) and IPv6, encrypted, in
// both directions; every library scheduler; request/response; paths removed and added during a transfer; a path
// that silently drops everything, with the recovery time asserted against the configured bound.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "node_pair.hpp"
#include "support/sanitized.hpp"

namespace progmp::net::test {
namespace {

using namespace std::chrono_literals;
using transport::EventKind;

constexpr std::uint64_t kScale = progmp::testing::kSanitized ? 10 : 1;  // sanitizers are an order of magnitude slower

transport::PathInfo path(Node& n, transport::ConnHandle c, runtime::SubflowId id) {
  transport::PathInfo i;
  EXPECT_TRUE(n.endpoint().path_info(c, id, i));
  return i;
}

TEST(Node, TwoLoopbackPathsCarryEncryptedDataBothWays) {
  NodePair p;
  p.to_send = 40'000'000 / kScale;
  p.to_send_back = 20'000'000 / kScale;
  ASSERT_TRUE(p.run_until([&] { return p.at_server.received == p.to_send && p.at_client.received == p.to_send_back; }))
      << "server got " << p.at_server.received << ", client got " << p.at_client.received;
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_TRUE(p.at_client.intact);
  EXPECT_TRUE(p.has_event(false, EventKind::Connected));
  EXPECT_TRUE(p.has_event(true, EventKind::Accepted));
  // Both paths carried data in both directions, each from its own local address.
  for (runtime::SubflowId id : {1u, 2u}) {
    EXPECT_GT(path(*p.client, p.cconn, id).counters.bytes_sent, 0u) << id;
    EXPECT_GT(path(*p.server, p.sconn, id).counters.bytes_sent, 0u) << id;
  }
  const auto a1 = p.client->path_addresses(p.cconn, 1), a2 = p.client->path_addresses(p.cconn, 2);
  ASSERT_TRUE(a1 && a2);
  EXPECT_NE(a1->first, a2->first);
  EXPECT_EQ(p.client->endpoint().counters().dropped_authentication, 0u);
  EXPECT_EQ(p.server->endpoint().counters().dropped_authentication, 0u);
  if (p.client->gso_enabled()) {
    EXPECT_GT(p.client->counters().gso_messages, 0u);
  }
}

TEST(Node, Ipv6Loopback) {
  NodePairOptions o;
  o.server_addresses = {"[::1]:0"};
  o.client_locals = {"::1", "::1"};
  NodePair p(o);
  p.to_send = 5'000'000 / kScale;
  ASSERT_TRUE(p.run_until([&] { return p.at_server.received == p.to_send; }));
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_TRUE(p.client->path_addresses(p.cconn, 1)->first.is_ipv6());
}

TEST(Node, EveryLibrarySchedulerMovesDataIntactBothWays) {
  const std::filesystem::path dir = std::filesystem::path(PROGMP_SOURCE_DIR) / "schedulers";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".progmp") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream source;
    source << in.rdbuf();
    const std::string name = file.stem().string();
    auto use = [&](NodeOptions&) {};
    NodePairOptions o;
    o.server_options = o.client_options = use;
    o.connect = false;
    NodePair p(o);
    for (Node* n : {p.server.get(), p.client.get()}) {
      const runtime::LoadResult r = n->endpoint().runtime().load_scheduler(name, source.str());
      ASSERT_EQ(r.status, runtime::Status::Ok) << name;
      ASSERT_EQ(n->endpoint().runtime().set_default_scheduler(r.name), runtime::Status::Ok) << name;
    }
    p.connect();
    // 100 MB each way (10 under sanitizers), every byte compared with what was sent (stronger than a hash).
    p.to_send = 100'000'000 / kScale;
    p.to_send_back = 100'000'000 / kScale;
    ASSERT_TRUE(p.run_until([&] { return p.at_server.received == p.to_send && p.at_client.received == p.to_send_back; },
                            60s))
        << name << ": server got " << p.at_server.received << ", client got " << p.at_client.received;
    EXPECT_TRUE(p.at_server.intact) << name;
    EXPECT_TRUE(p.at_client.intact) << name;
  }
}

TEST(Node, RequestResponse) {
  NodePair p;
  ASSERT_TRUE(p.run_until([&] { return p.sconn != 0; }));
  for (std::uint64_t i = 1; i <= 50; ++i) {
    p.to_send = 100 * i;
    ASSERT_TRUE(p.run_until([&] { return p.at_server.received == p.to_send; }, 5s)) << i;
    p.to_send_back = 20'000 * i;
    ASSERT_TRUE(p.run_until([&] { return p.at_client.received == p.to_send_back; }, 5s)) << i;
  }
  EXPECT_TRUE(p.at_server.intact && p.at_client.intact);
}

TEST(Node, PathsAreRemovedAndAddedDuringATransfer) {
  NodePair p;
  p.to_send = 30'000'000 / kScale;
  ASSERT_TRUE(p.run_until([&] { return p.at_server.received > p.to_send / 5; }));
  ASSERT_TRUE(p.client->remove_path(p.cconn, 1));
  ASSERT_TRUE(p.run_until([&] { return p.at_server.received > p.to_send / 2; }));
  const std::uint64_t sent_on_1 = path(*p.client, p.cconn, 1).counters.bytes_sent;
  std::string error;
  const runtime::SubflowId added = p.client->add_path(p.cconn, PathConfig{"127.0.0.1", "", p.server_addresses[0]}, error);
  ASSERT_EQ(added, 3u) << error;
  ASSERT_TRUE(p.run_until([&] { return p.at_server.received == p.to_send; }));
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_EQ(path(*p.client, p.cconn, 1).counters.bytes_sent, sent_on_1);  // removed for good
  EXPECT_TRUE(path(*p.client, p.cconn, 3).available);
  EXPECT_GT(path(*p.client, p.cconn, 3).counters.bytes_sent, 0u);
  EXPECT_TRUE(p.has_event(true, EventKind::PathDown));  // the server learnt of the removal
}

TEST(Node, ASilentlyDeadPathCostsAtMostTheDetectionBound) {
  NodePair p;
  p.to_send = 200'000'000;  // more than the test will move
  ASSERT_TRUE(p.run_until([&] { return p.at_server.received > 5'000'000 / kScale; }));
  ASSERT_TRUE(path(*p.client, p.cconn, 1).available && path(*p.client, p.cconn, 2).available);
  // Path 1 (the client's 127.0.0.1 socket, interface 0 on both nodes) starts dropping everything, silently.
  bool dead = true;
  p.client->set_drop_filter([&](std::uint32_t iface, const SocketAddress&, bool) { return dead && iface == 0; });
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(p.run_until([&] { return !path(*p.client, p.cconn, 1).available; }, 5s));
  const auto detected = std::chrono::steady_clock::now() - t0;
  // Bound: path_timeout (500 ms) — loopback RTTs are far below it — plus scheduling slack of a loaded machine.
  EXPECT_LT(detected, 500ms + 300ms * kScale);
  // Goodput recovers on the surviving path: data keeps arriving right after detection.
  const std::uint64_t at_detection = p.at_server.received;
  p.run_for(500ms);
  EXPECT_GT(p.at_server.received - at_detection, 1'000'000u / kScale);
  EXPECT_TRUE(p.at_server.intact);
  // The path comes back and is used again.
  dead = false;
  ASSERT_TRUE(p.run_until([&] { return path(*p.client, p.cconn, 1).available; }, 5s));
}

TEST(Node, AWrongServerKeyEndsInAHandshakeTimeout) {
  NodePairOptions o;
  o.connect = false;
  o.client_options = [](NodeOptions& n) { n.endpoint.handshake_timeout = transport::Duration::millis(700); };
  NodePair p(o);
  SystemRandom random;
  const auto wrong = transport::crypto::generate_key_pair(random).public_key;
  std::string error;
  p.cconn = p.client->connect(p.paths(), wrong, error);
  ASSERT_NE(p.cconn, 0u) << error;
  ASSERT_TRUE(p.run_until([&] { return p.has_event(false, EventKind::Closed); }, 5s));
  EXPECT_EQ(p.client->endpoint().info(p.cconn).close_reason, transport::CloseReason::HandshakeTimeout);
  EXPECT_EQ(p.server->endpoint().connection_count(), 0u);
  EXPECT_GE(p.server->endpoint().counters().dropped_handshake, 1u);
}

TEST(Node, BadPathsAreRefusedWithAReason) {
  NodePairOptions o;
  o.connect = false;
  NodePair p(o);
  std::string error;
  EXPECT_EQ(p.client->connect({}, p.server_key, error), 0u);
  EXPECT_EQ(error, "a connection needs at least one path");
  const PathConfig mixed{"::1", "", p.server_addresses[0], false};
  EXPECT_EQ(p.client->connect(std::span<const PathConfig>(&mixed, 1), p.server_key, error), 0u);
  EXPECT_NE(error.find("different families"), std::string::npos) << error;
  const PathConfig bad_local{"300.1.1.1", "", p.server_addresses[0], false};
  EXPECT_EQ(p.client->connect(std::span<const PathConfig>(&bad_local, 1), p.server_key, error), 0u);
  EXPECT_NE(error.find("local address '300.1.1.1'"), std::string::npos) << error;
  const PathConfig no_device{"127.0.0.1", "nosuchdev0", p.server_addresses[0], false};
  EXPECT_EQ(p.client->connect(std::span<const PathConfig>(&no_device, 1), p.server_key, error), 0u);
  EXPECT_NE(error.find("nosuchdev0"), std::string::npos) << error;
}

}  // namespace
}  // namespace progmp::net::test
