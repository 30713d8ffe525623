// libFuzzer target for the transport Endpoint with real keys: a client and a server complete a real handshake
// (X25519, ChaCha20-Poly1305) and exchange some data over two paths; then the input plays a peer gone bad.
// Input: records of [flags][path][length, 2 bytes big-endian][bytes], where flags bit 0 picks the victim (0 =
// server, 1 = client) and bit 1 how the bytes arrive: as a raw datagram (they must survive the header parser and the
// AEAD check), or as the plaintext frames of a packet sealed with the attacker-side endpoint's real keys on path
// `path` (they reach the frame decoder and the connection logic, which is what an authenticated but malicious or
// buggy peer can reach). Time advances 1 ms per record; everything both endpoints emit is delivered at once.
// Checks: no crash, hang, leak or sanitizer report; each stream is readable contiguously from offset 0; a raw
// datagram that fails authentication changes nothing the application can see. Seeds: fuzz/corpus/endpoint/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "progmp/transport/crypto/keys.hpp"
#include "progmp/transport/endpoint.hpp"
#include "progmp/transport/random.hpp"

namespace {

using namespace progmp::transport;

void require(bool ok) {
  if (!ok) std::abort();
}

Address client_address(std::uint32_t path) { return Address::from_index(100 + path); }
Address server_address(std::uint32_t path) { return Address::from_index(200 + path); }

struct World {
  SeededRandom client_random{1}, server_random{2};
  Endpoint client, server;
  ConnHandle cconn = 0, sconn = 0;
  Instant now;
  std::vector<std::byte> buf = std::vector<std::byte>(max_datagram_size(1400) + 512);
  std::vector<std::byte> read_buf = std::vector<std::byte>(65536);
  std::uint64_t read_client = 0, read_server = 0;

  static EndpointConfig config(bool server) {
    EndpointConfig c;
    c.transport.rcv_buf_bytes = 64 * 1024;
    c.runtime.snd_buf_bytes = 64 * 1024;
    SeededRandom keys(server ? 7 : 8);
    c.identity = crypto::generate_key_pair(keys);
    c.accept_connections = server;
    return c;
  }

  World() : client(config(false), client_random), server(config(true), server_random) {
    client.runtime().set_log([](std::string_view) {});
    server.runtime().set_log([](std::string_view) {});
    // The interpreter only: a background JIT compilation per input would dominate the run time.
    client.runtime().set_default_engine("interp");
    server.runtime().set_default_engine("interp");
    cconn = client.connect(now, PathSpec{Route{0, server_address(0)}, false}, server.config().identity.public_key);
    client.add_path(cconn, now, PathSpec{Route{1, server_address(1)}, false});
    for (int i = 0; i < 50; ++i) step();
    std::vector<std::byte> data(20'000, std::byte{0x42});
    client.send(cconn, now, data);
    server.send(sconn, now, std::span<const std::byte>(data).first(5'000));
    for (int i = 0; i < 50; ++i) step();
  }

  // Delivers everything both sides emit (zero delay), reads what became readable, advances 1 ms.
  void step() {
    for (int round = 0; round < 64; ++round) {
      bool any = false;
      while (auto t = client.poll_transmit(now, buf)) {
        any = true;
        server.handle_datagram(now, Route{t->route.interface, client_address(t->route.interface)},
                               std::span<const std::byte>(buf.data(), t->size));
      }
      while (auto t = server.poll_transmit(now, buf)) {
        any = true;
        client.handle_datagram(now, Route{t->route.interface, server_address(t->route.interface)},
                               std::span<const std::byte>(buf.data(), t->size));
      }
      while (auto e = server.poll_event())
        if (e->kind == EventKind::Accepted) sconn = e->conn;
      while (client.poll_event()) {
      }
      read_all();
      if (!any) break;
    }
    now += Duration::millis(1);
    if (client.next_timeout() && *client.next_timeout() <= now) client.handle_timeout(now);
    if (server.next_timeout() && *server.next_timeout() <= now) server.handle_timeout(now);
  }

  void read_all() {
    for (auto [e, c, n] : {std::tuple{&client, cconn, &read_client}, std::tuple{&server, sconn, &read_server}}) {
      if (c == 0) continue;
      while (true) {
        const RecvResult r = e->recv(c, now, read_buf);
        *n += r.bytes;
        require(*n == e->info(c).bytes_read);  // contiguous from 0
        if (r.bytes == 0) break;
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World w;
  require(w.sconn != 0);
  std::vector<std::byte> sealed(70'000);
  std::size_t pos = 0;
  while (pos + 4 <= size) {
    const std::uint8_t flags = data[pos];
    const std::uint32_t path = data[pos + 1];
    const std::size_t len = std::min<std::size_t>((std::size_t{data[pos + 2]} << 8) | data[pos + 3], size - pos - 4);
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data + pos + 4), len);
    pos += 4 + len;
    const bool to_client = flags & 1;
    Endpoint& victim = to_client ? w.client : w.server;
    Endpoint& attacker = to_client ? w.server : w.client;
    const ConnHandle victim_conn = to_client ? w.cconn : w.sconn;
    const ConnHandle attacker_conn = to_client ? w.sconn : w.cconn;
    const Route from{path % 2, to_client ? server_address(path % 2) : client_address(path % 2)};
    if (flags & 2) {
      const std::size_t n = attacker.seal_for_peer(attacker_conn, PathId{path}, bytes, sealed);
      if (n > 0) victim.handle_datagram(w.now, from, std::span<const std::byte>(sealed.data(), n));
    } else {
      const EndpointCounters before = victim.counters();
      const std::uint64_t received = victim.info(victim_conn).bytes_received;
      victim.handle_datagram(w.now, from, bytes);
      if (victim.counters().dropped_authentication > before.dropped_authentication)
        require(victim.info(victim_conn).bytes_received == received);
    }
    w.step();
  }
  return 0;
}
