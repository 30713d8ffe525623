// A client and a server Endpoint joined by N simple paths (fixed one-way delay, a serialisation rate, a drop rule)
// on a hand-rolled event loop: enough network to test the transport without the simulator component. Both
// applications read at once (unless told not to) and check every byte against a pattern of its stream offset.
// Tests may watch, alter or inject datagrams (`tap`, `inject`) to play an attacker on the path.
#pragma once

#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "progmp/transport/crypto/keys.hpp"
#include "progmp/transport/endpoint.hpp"
#include "progmp/transport/random.hpp"

namespace progmp::transport {
// Readable failure messages.
inline void PrintTo(CloseReason r, std::ostream* os) { *os << close_reason_name(r); }
inline void PrintTo(ConnectionState s, std::ostream* os) {
  constexpr const char* names[] = {"handshaking", "established", "closed", "unknown"};
  *os << names[static_cast<int>(s)];
}
}  // namespace progmp::transport

namespace progmp::transport::test {

struct PairPath {
  Duration delay = Duration::millis(10);
  std::uint64_t rate_bps = 100'000'000;
  bool backup = false;
};

struct PairOptions {
  std::vector<crypto::Aead> aeads = crypto::default_aeads();
  std::uint64_t seed = 1;
  bool connect = true;                   // start the connection (all paths) in the constructor
  bool client_reads = true, server_reads = true;
  std::function<void(EndpointConfig&)> client_config, server_config;  // last tweaks
};

// Reads a stream and checks it against the pattern.
struct StreamSink {
  std::uint64_t received = 0;
  bool intact = true;
  bool fin = false;
};

class EndpointPair {
 public:
  using DropRule = std::function<bool(std::uint32_t path, bool to_server, std::uint64_t index, Instant now)>;
  // Sees (and may change or empty) every datagram before it enters a path; an emptied one is dropped.
  using Tap = std::function<void(std::uint32_t path, bool to_server, std::vector<std::byte>& bytes)>;

  static std::byte pattern(std::uint64_t o) { return static_cast<std::byte>((o * 7 + 3) % 253); }
  static Address client_address(std::uint32_t path) { return Address::from_index(100 + path); }
  static Address server_address(std::uint32_t path) { return Address::from_index(200 + path); }

  explicit EndpointPair(std::vector<PairPath> paths, TransportConfig cfg = {}, PairOptions options = {})
      : paths_(std::move(paths)),
        options_(std::move(options)),
        client_random_(options_.seed * 2 + 1),
        server_random_(options_.seed * 2 + 2),
        client(make_config(cfg, false), client_random_),
        server(make_config(cfg, true), server_random_) {
    client.runtime().set_log([](std::string_view) {});
    server.runtime().set_log([](std::string_view) {});
    buf_.resize(max_datagram_size(cfg.mss) + 512);
    read_buf_.resize(256 * 1024);
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      busy_until_.push_back({now, now});
      counts_.push_back({0, 0});
    }
    if (options_.connect) connect();
  }

  EndpointConfig make_config(const TransportConfig& cfg, bool is_server) {
    EndpointConfig c;
    c.transport = cfg;
    SeededRandom keys(is_server ? 0x5e : 0xc1);
    c.identity = crypto::generate_key_pair(keys);
    c.accept_connections = is_server;
    c.aeads = options_.aeads;
    if (is_server && options_.server_config) options_.server_config(c);
    if (!is_server && options_.client_config) options_.client_config(c);
    return c;
  }

  PathSpec spec(std::uint32_t i) const { return PathSpec{Route{i, server_address(i)}, paths_[i].backup}; }

  void connect(const crypto::PublicKey* server_key = nullptr) {
    cconn = client.connect(now, spec(0), server_key ? *server_key : server.config().identity.public_key);
    ids.push_back(1);
    for (std::uint32_t i = 1; i < paths_.size(); ++i) ids.push_back(client.add_path(cconn, now, spec(i)));
    pump();
  }

  // Sends `n` pattern bytes from the client (or the server); returns the accepted count.
  std::size_t send(std::size_t n, std::int64_t user = 0, bool from_server = false) {
    Endpoint& e = from_server ? server : client;
    const ConnHandle c = from_server ? sconn : cconn;
    std::uint64_t& offset = from_server ? server_offset_ : client_offset_;
    std::vector<std::byte> data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = pattern(offset + i);
    const std::size_t accepted = e.send(c, now, data, runtime::SendOptions{user, true}).accepted;
    offset += accepted;
    pump();
    return accepted;
  }
  std::uint64_t client_offset() const { return client_offset_; }
  std::uint64_t server_offset() const { return server_offset_; }

  void run_until(Instant t) {
    while (true) {
      Instant next = t;
      bool have = false;
      auto consider = [&](std::optional<Instant> x) {
        if (x && *x <= next) {
          next = *x;
          have = true;
        }
      };
      if (!flights_.empty()) consider(flights_.front().at);
      consider(client.next_timeout());
      consider(server.next_timeout());
      if (!have) break;
      now = std::max(now, next);
      if (!flights_.empty() && flights_.front().at <= now) {
        std::pop_heap(flights_.begin(), flights_.end(), later);
        Flight f = std::move(flights_.back());
        flights_.pop_back();
        if (f.to_server) server.handle_datagram(now, Route{f.path, client_address(f.path)}, f.bytes);
        else client.handle_datagram(now, Route{f.path, server_address(f.path)}, f.bytes);
      } else {
        if (client.next_timeout() && *client.next_timeout() <= now) client.handle_timeout(now);
        if (server.next_timeout() && *server.next_timeout() <= now) server.handle_timeout(now);
      }
      pump();
    }
    now = std::max(now, t);
  }
  void run_for(Duration d) { run_until(now + d); }

  // A datagram from `from` arriving at the server (or client) now, as an attacker would send it.
  void inject(bool to_server, std::uint32_t path, const Address& from, std::span<const std::byte> bytes) {
    if (to_server) server.handle_datagram(now, Route{path, from}, bytes);
    else client.handle_datagram(now, Route{path, from}, bytes);
    pump();
  }

  // Drains both endpoints' output and events; call after an API call on either endpoint.
  void pump() {
    bool any = true;
    while (any) {
      any = false;
      while (auto t = client.poll_transmit(now, buf_)) emit(true, *t), any = true;
      while (auto t = server.poll_transmit(now, buf_)) emit(false, *t), any = true;
      while (auto e = client.poll_event()) on_event(false, *e), any = true;
      while (auto e = server.poll_event()) on_event(true, *e), any = true;
    }
  }

  // Reads everything readable on one side into its sink.
  void read_all(bool server_side) {
    Endpoint& e = server_side ? server : client;
    const ConnHandle c = server_side ? sconn : cconn;
    StreamSink& sink = server_side ? at_server : at_client;
    while (true) {
      const RecvResult r = e.recv(c, now, read_buf_);
      for (std::size_t i = 0; i < r.bytes; ++i)
        if (read_buf_[i] != pattern(sink.received + i)) sink.intact = false;
      sink.received += r.bytes;
      if (r.fin) sink.fin = true;
      if (r.bytes == 0) break;
    }
  }

  bool has_event(bool server_side, EventKind kind, runtime::SubflowId subflow = 0) const {
    const auto& v = server_side ? server_events : client_events;
    return std::any_of(v.begin(), v.end(),
                       [&](const Event& e) { return e.kind == kind && (subflow == 0 || e.subflow == subflow); });
  }

  // The datagrams each side sent on each path so far, and what arrived where (for amplification checks).
  std::uint64_t sent_datagrams(std::uint32_t path, bool to_server) const {
    return to_server ? counts_[path].first : counts_[path].second;
  }

  DropRule drop;
  Tap tap;
  // Sees every datagram an endpoint emits (to any address), before routing: amplification checks.
  std::function<void(bool to_server, const Transmit& t)> on_transmit;
  Instant now;
  std::vector<PairPath> paths_;
  PairOptions options_;
  SeededRandom client_random_, server_random_;
  Endpoint client, server;
  ConnHandle cconn = 0, sconn = 0;
  std::vector<runtime::SubflowId> ids;
  StreamSink at_server, at_client;
  std::vector<Event> client_events, server_events;
  std::uint64_t dropped = 0;
  // Every datagram that entered a path, in order (for replay attacks): path, direction, bytes.
  struct Captured {
    std::uint32_t path;
    bool to_server;
    std::vector<std::byte> bytes;
  };
  std::vector<Captured> captured;
  bool capture = false;

 private:
  struct Flight {
    Instant at;
    std::uint64_t order;
    bool to_server;
    std::uint32_t path;
    std::vector<std::byte> bytes;
  };
  static bool later(const Flight& a, const Flight& b) { return a.at != b.at ? a.at > b.at : a.order > b.order; }

  void on_event(bool server_side, const Event& e) {
    (server_side ? server_events : client_events).push_back(e);
    if (server_side && e.kind == EventKind::Accepted) sconn = e.conn;
    if (e.kind == EventKind::Readable && (server_side ? options_.server_reads : options_.client_reads))
      read_all(server_side);
  }

  void emit(bool to_server, const Transmit& t) {
    if (on_transmit) on_transmit(to_server, t);
    const std::uint32_t path = t.route.interface;
    if (path >= paths_.size()) return;
    // Only datagrams to the peer's own address reach it (an answer to a spoofed address goes elsewhere).
    if (t.route.remote != (to_server ? server_address(path) : client_address(path))) return;
    std::vector<std::byte> bytes(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(t.size));
    if (capture) captured.push_back(Captured{path, to_server, bytes});
    auto& count = to_server ? counts_[path].first : counts_[path].second;
    const std::uint64_t index = count++;
    const PairPath& p = paths_[path];
    Instant& busy = to_server ? busy_until_[path].first : busy_until_[path].second;
    const Instant start = std::max(now, busy);
    busy = start + Duration::nanos(static_cast<std::int64_t>((t.size + 28) * 8 * 1'000'000'000ULL / p.rate_bps));
    if (drop && drop(path, to_server, index, now)) {
      ++dropped;
      return;
    }
    if (tap) tap(path, to_server, bytes);
    if (bytes.empty()) {
      ++dropped;
      return;
    }
    flights_.push_back(Flight{busy + p.delay, order_++, to_server, path, std::move(bytes)});
    std::push_heap(flights_.begin(), flights_.end(), later);
  }

  std::vector<Flight> flights_;
  std::vector<std::pair<Instant, Instant>> busy_until_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> counts_;
  std::vector<std::byte> buf_, read_buf_;
  std::uint64_t order_ = 0;
  std::uint64_t client_offset_ = 0, server_offset_ = 0;
};

}  // namespace progmp::transport::test
