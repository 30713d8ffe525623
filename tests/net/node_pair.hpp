// A server Node and a client Node in one process, on loopback, driven from the test's thread: the server listens on
// 127.0.0.1 and 127.0.0.2 (or ::1), the client connects one path to each. Both applications read at once and check
// what they read against a pattern of the stream offset.
#pragma once

#include <poll.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "progmp/net/node.hpp"
#include "progmp/net/system_random.hpp"
#include "progmp/transport/crypto/keys.hpp"

namespace progmp::net::test {

inline std::byte pattern(std::uint64_t o) { return static_cast<std::byte>((o * 7 + 3) % 253); }

struct Reader {
  std::uint64_t received = 0;
  bool intact = true;
  bool fin = false;
};

struct NodePairOptions {
  std::vector<std::string> server_addresses = {"127.0.0.1:0", "127.0.0.2:0"};
  std::vector<std::string> client_locals = {"127.0.0.1", "127.0.0.2"};
  std::function<void(NodeOptions&)> server_options, client_options;
  bool connect = true;
};

class NodePair {
 public:
  explicit NodePair(NodePairOptions o = {}) : options_(std::move(o)) {
    SystemRandom random;
    NodeOptions so, co;
    so.endpoint.identity = transport::crypto::generate_key_pair(random);
    so.endpoint.accept_connections = true;
    co.endpoint.identity = transport::crypto::generate_key_pair(random);
    for (NodeOptions* n : {&so, &co}) {
      n->endpoint.transport.mss = 1350;
      n->endpoint.transport.pacing = true;
      n->endpoint.transport.path_timeout = transport::Duration::millis(500);
      n->endpoint.runtime.snd_buf_bytes = 4 << 20;
    }
    if (options_.server_options) options_.server_options(so);
    if (options_.client_options) options_.client_options(co);
    server_key = so.endpoint.identity.public_key;
    std::string error;
    server = Node::create(so, error);
    client = Node::create(co, error);
    if (!server || !client) throw std::runtime_error(error);
    server->endpoint().runtime().set_log([](std::string_view) {});
    client->endpoint().runtime().set_log([](std::string_view) {});
    for (const std::string& a : options_.server_addresses) {
      auto addr = SocketAddress::parse(a, error, true);
      if (!addr) throw std::runtime_error(error);
      auto bound = server->listen(*addr, "", error);
      if (!bound) throw std::runtime_error(error);
      server_addresses.push_back(*bound);
    }
    if (options_.connect) connect();
  }

  std::vector<PathConfig> paths() const {
    std::vector<PathConfig> out;
    for (std::size_t i = 0; i < options_.client_locals.size(); ++i)
      out.push_back(PathConfig{options_.client_locals[i], "", server_addresses[i % server_addresses.size()], false});
    return out;
  }

  void connect() {
    std::string error;
    cconn = client->connect(paths(), server_key, error);
    if (cconn == 0) throw std::runtime_error(error);
  }

  // Runs both nodes until `done()` or `limit` passes; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      step(1);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    run_until([&] { return std::chrono::steady_clock::now() >= end; }, d + std::chrono::seconds(1));
  }

  void step(int timeout_ms) {
    pollfd fds[2] = {{server->fd(), POLLIN, 0}, {client->fd(), POLLIN, 0}};
    ::poll(fds, 2, timeout_ms);
    server->process();
    client->process();
    feed();
    events();
  }

  // Keeps `to_send` pattern bytes flowing from the client (and `to_send_back` from the server) as buffers allow.
  void feed() {
    auto push = [&](Node& n, transport::ConnHandle c, std::uint64_t& offset, std::uint64_t total) {
      while (c != 0 && offset < total) {
        const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(total - offset, 256 * 1024));
        if (chunk_.size() < chunk) chunk_.resize(chunk);
        for (std::size_t i = 0; i < chunk; ++i) chunk_[i] = pattern(offset + i);
        const std::size_t n_accepted = n.send(c, std::span<const std::byte>(chunk_.data(), chunk)).accepted;
        offset += n_accepted;
        if (n_accepted < chunk) break;
      }
    };
    push(*client, cconn, client_sent, to_send);
    push(*server, sconn, server_sent, to_send_back);
  }

  void events() {
    while (auto e = server->poll_event()) {
      server_events.push_back(*e);
      if (e->kind == transport::EventKind::Accepted) sconn = e->conn;
      if (e->kind == transport::EventKind::Readable) read(*server, sconn, at_server);
    }
    while (auto e = client->poll_event()) {
      client_events.push_back(*e);
      if (e->kind == transport::EventKind::Readable) read(*client, cconn, at_client);
    }
  }

  void read(Node& n, transport::ConnHandle c, Reader& r) {
    if (buf_.empty()) buf_.resize(256 * 1024);
    while (true) {
      const transport::RecvResult got = n.recv(c, buf_);
      for (std::size_t i = 0; i < got.bytes; ++i)
        if (buf_[i] != pattern(r.received + i)) r.intact = false;
      r.received += got.bytes;
      if (got.fin) r.fin = true;
      if (got.bytes == 0) break;
    }
  }

  bool has_event(bool server_side, transport::EventKind kind, runtime::SubflowId subflow = 0) const {
    for (const auto& e : server_side ? server_events : client_events)
      if (e.kind == kind && (subflow == 0 || e.subflow == subflow)) return true;
    return false;
  }

  NodePairOptions options_;
  transport::crypto::PublicKey server_key;
  std::unique_ptr<Node> server, client;
  std::vector<SocketAddress> server_addresses;
  transport::ConnHandle cconn = 0, sconn = 0;
  std::uint64_t to_send = 0, to_send_back = 0, client_sent = 0, server_sent = 0;
  Reader at_server, at_client;
  std::vector<transport::Event> server_events, client_events;

 private:
  std::vector<std::byte> chunk_, buf_;
};

}  // namespace progmp::net::test
