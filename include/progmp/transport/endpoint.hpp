// One side of the multipath transport (sans-IO): an Endpoint holds any number of connections, each carrying one
// byte stream in each direction over up to 32 subflows, and the scheduler runtime that decides which packet goes
// on which subflow. Both drivers — the simulator (sim/) and the UDP driver (net/) — run this same object.
//
// Driving it:
//   * inputs carry `now`: handle_datagram(now, route, bytes), handle_timeout(now), and every application call.
//     After processing an input completely the endpoint runs at most one scheduling round per connection that the
//     input concerned (runtime.md §15.3).
//   * after any input, call poll_transmit() until it returns nothing, re-arm one timer at next_timeout(), and take
//     the application events with poll_event() (readable, writable, paths up/down, connected, accepted, closed).
// Nothing reads a clock, a socket or a random generator: time and datagrams are arguments, randomness comes from
// the RandomSource given at construction.
//
// Security (docs/security.md): a connection starts with a Noise-IK-like handshake (X25519, ChaCha20-Poly1305,
// BLAKE2b; crypto/) that authenticates the server by its pinned static key and, optionally, the client by an allow
// list. Every later datagram is encrypted and authenticated; packet numbers are per path and form the nonce;
// replays, forgeries and datagrams of unknown connections are dropped and counted. A server keeps no state for an
// INITIATION it cannot authenticate, answers at most 3× the bytes it received from an unvalidated address, and asks
// for a retry token under load. New paths join under the connection's keys and are validated with a
// PATH_CHALLENGE before they carry more than the 3× budget.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "progmp/runtime/runtime.hpp"
#include "progmp/runtime/transport.hpp"
#include "progmp/transport/address.hpp"
#include "progmp/transport/config.hpp"
#include "progmp/transport/crypto/keys.hpp"
#include "progmp/transport/crypto/packet_protection.hpp"
#include "progmp/transport/ids.hpp"
#include "progmp/transport/packet.hpp"
#include "progmp/transport/random.hpp"
#include "progmp/transport/ring.hpp"
#include "progmp/transport/transmit.hpp"
#include "progmp/transport/units.hpp"
#include "progmp/transport/wire.hpp"

namespace progmp::transport {

// The application's handle of a connection (also the runtime's ConnId): 1, 2, 3, … per endpoint, never reused.
using ConnHandle = runtime::ConnId;

struct EndpointConfig {
  TransportConfig transport;
  runtime::RuntimeConfig runtime;
  crypto::KeyPair identity;                        // this side's static key pair (the server's is pinned by clients)
  bool accept_connections = false;                 // a server: answers INITIATIONs
  std::vector<crypto::PublicKey> allowed_clients;  // server: client keys it accepts; empty = any
  // Ciphers in order of preference: a client offers them all, a server takes the first of its own list that the
  // client offers (and refuses a client that offers none of them). Null authenticates nothing: simulations only,
  // and only when both ends list it, so a server never downgrades to it.
  std::vector<crypto::Aead> aeads = crypto::default_aeads();
  Duration idle_timeout = Duration::seconds(30);   // close after this long without any datagram from the peer
  Duration handshake_timeout = Duration::seconds(10);
  std::size_t max_connections = 4096;
  // Half-open handshakes (server) above which an INITIATION must carry a retry token (0: always demand one).
  std::size_t retry_threshold = 64;
  Duration token_lifetime = Duration::seconds(10);
  // At most this many STATELESS_RESET datagrams per second (each smaller than what triggered it).
  std::uint32_t resets_per_second = 100;
};

// Counters of one subflow, for metrics (bytes are payload bytes of DATA frames).
struct SubflowCounters {
  std::uint64_t bytes_sent = 0;           // first transmissions and retransmissions
  std::uint64_t retransmitted_bytes = 0;  // retransmissions only
  std::uint64_t segments_sent = 0;
  std::uint64_t segments_lost = 0;        // declared lost (SACK or timeout)
  std::uint64_t timeouts = 0;
  std::uint64_t failures = 0;             // RTO- or silence-detected failures
  std::uint64_t bytes_received = 0;       // payload bytes of the peer's DATA frames on this subflow (duplicates too)
  double rtt_sum_ms = 0;                  // over RTT samples
  std::uint64_t rtt_samples = 0;
};

// What the endpoint refused or dropped, by reason (docs/security.md: every attack in the threat model ends in one
// of these counters and changes nothing else).
struct EndpointCounters {
  std::uint64_t datagrams_in = 0, datagrams_out = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::uint64_t dropped_malformed = 0;          // not a packet of this format (header does not parse)
  std::uint64_t dropped_version = 0;            // another version (answered with VERSION_MISMATCH if an INITIATION)
  std::uint64_t dropped_unknown_connection = 0; // no connection has this ID (a STATELESS_RESET may answer)
  std::uint64_t dropped_unknown_path = 0;       // a path ID that is neither known nor a valid new JOIN
  std::uint64_t dropped_authentication = 0;     // AEAD check failed: forged, tampered, truncated, wrong key
  std::uint64_t dropped_replay = 0;             // packet number already seen or below the replay window
  std::uint64_t dropped_frames = 0;             // authenticated, but the frames are malformed (closes the connection)
  std::uint64_t dropped_handshake = 0;          // INITIATION / RESPONSE that fails the handshake or arrives unasked
  std::uint64_t dropped_replayed_initiation = 0;// an INITIATION whose ephemeral key was seen before
  std::uint64_t dropped_token = 0;              // INITIATION with an invalid or expired retry token
  std::uint64_t rejected_clients = 0;           // handshakes refused: key not allowed, server busy
  std::uint64_t retries_sent = 0;
  std::uint64_t resets_sent = 0;
  std::uint64_t resets_received = 0;
  std::uint64_t version_mismatches_sent = 0;
  std::uint64_t amplification_limited = 0;      // times a datagram was held back by the 3× limit
  std::uint64_t handshakes_completed = 0;
  std::uint64_t data_rto_reinjections = 0;
};

enum class EventKind : std::uint8_t {
  Connected,     // client: the handshake completed; data flows
  Accepted,      // server: a new connection completed its handshake (its handle is new)
  Readable,      // stream bytes (or the peer's end of stream) became available: call recv() until it returns 0
  Writable,      // send() accepted less than asked earlier and the send buffer has room again
  PeerFinished,  // the peer ended its stream and every byte of it arrived (recv() reports fin)
  PathUp,        // a subflow became available (joined or recovered)
  PathDown,      // a subflow failed or was removed
  Closed,        // the connection ended; see reason and code. The handle stays valid until release().
};

enum class CloseReason : std::uint8_t {
  Finished,           // both directions ended and were acknowledged
  LocalAbort,         // abort() on this side
  PeerAbort,          // CONNECTION_CLOSE from the peer (code says why)
  IdleTimeout,        // nothing from the peer for idle_timeout
  HandshakeTimeout,   // no answer to the INITIATION within handshake_timeout
  HandshakeRejected,  // the server refused (code: NotAllowed, ServerBusy)
  VersionMismatch,    // the server speaks another version
  StatelessReset,     // the peer lost the connection's state
  ProtocolViolation,  // the peer sent malformed frames
};
std::string_view close_reason_name(CloseReason reason);

struct Event {
  EventKind kind = EventKind::Readable;
  ConnHandle conn = 0;
  runtime::SubflowId subflow = 0;  // PathUp, PathDown
  CloseReason reason = CloseReason::Finished;
  wire::CloseCode code = wire::CloseCode::NoError;
};

enum class ConnectionState : std::uint8_t { Handshaking, Established, Closed, Unknown };

struct PathSpec {
  Route route;
  bool backup = false;
};

struct RecvResult {
  std::size_t bytes = 0;  // copied into the buffer
  bool fin = false;       // the peer's stream ended and everything was read
};

// A subflow as the application sees it.
struct PathInfo {
  runtime::SubflowId id = 0;
  Route route;
  bool available = false;  // a member of SUBFLOWS now
  bool backup = false;
  bool validated = false;
  Duration srtt, rttvar;
  std::int64_t cwnd = 0;       // segments
  std::int64_t in_flight = 0;  // segments (pipe)
  SubflowCounters counters;
};

struct ConnectionInfo {
  ConnectionState state = ConnectionState::Unknown;
  std::uint64_t bytes_sent = 0;       // stream bytes the application handed over (accepted by send())
  std::uint64_t bytes_acked = 0;      // of them, acknowledged by the peer (delivered to it)
  std::uint64_t bytes_received = 0;   // stream bytes that arrived in order from the peer
  std::uint64_t bytes_read = 0;       // of them, read by the application
  bool peer_finished = false;
  bool finished = false;              // our stream ended and the peer acknowledged all of it
  std::optional<CloseReason> close_reason;
  wire::CloseCode close_code = wire::CloseCode::NoError;
  crypto::PublicKey peer_key;         // the peer's static key (server: the client's)
  crypto::Aead aead = crypto::Aead::Null;  // the cipher the handshake agreed on
};

class Connection;

class Endpoint final : private runtime::Transport {
 public:
  // `random` must outlive the endpoint; a network endpoint needs a cryptographically secure one.
  Endpoint(EndpointConfig config, RandomSource& random);
  ~Endpoint() override;
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  const EndpointConfig& config() const { return config_; }
  // The scheduler runtime of this endpoint's connections: load schedulers, set the default, statistics, trace.
  runtime::Runtime& runtime() { return *runtime_; }
  const runtime::Runtime& runtime() const { return *runtime_; }

  // ---- client ----
  // Starts a connection to the server whose static key is `server_key` over `first`. The handle is valid at once:
  // data sent now waits for the handshake; more paths can be added now (they join after it). 0 if at the limit.
  ConnHandle connect(Instant now, const PathSpec& first, const crypto::PublicKey& server_key);
  // Adds a subflow on another route (client side only; the server learns it from the JOIN). Its ID, or 0 (unknown
  // connection, server side, 32 subflows already, closed).
  runtime::SubflowId add_path(ConnHandle conn, Instant now, const PathSpec& path);
  // Removes a subflow for good and tells the peer (PATH_CLOSE). Its packets are rescheduled (runtime.md §8).
  bool remove_path(ConnHandle conn, Instant now, runtime::SubflowId subflow);
  // This side's backup preference for a subflow; the peer is told (BACKUP frame) and applies it to its sending too.
  bool set_backup(ConnHandle conn, Instant now, runtime::SubflowId subflow, bool backup);
  // Simulator: whether the subflow's local link queue is above the THROTTLED threshold (runtime.md §15.1).
  void set_throttled(ConnHandle conn, Instant now, runtime::SubflowId subflow, bool throttled);

  // ---- application data ----
  // Hands bytes to the connection's stream; accepted ≤ data.size() (the send buffer bounds unacknowledged bytes).
  // `options.user` tags every packet of the call (its USER in the scheduler), as the paper's per-send tags.
  runtime::SendResult send(ConnHandle conn, Instant now, std::span<const std::byte> data,
                           runtime::SendOptions options = {});
  // Copies in-order bytes from the peer. Reading opens the receive window again (flow control).
  RecvResult recv(ConnHandle conn, Instant now, std::span<std::byte> out);
  std::size_t readable_bytes(ConnHandle conn) const;
  // Ends this side's stream after the bytes sent so far (the peer sees fin once it has them all). False if unknown
  // or already ended.
  bool close(ConnHandle conn, Instant now);
  // Ends the connection at once in both directions (CONNECTION_CLOSE to the peer); unacknowledged data is lost and
  // reported in info().bytes_sent − bytes_acked.
  void abort(ConnHandle conn, Instant now, wire::CloseCode code = wire::CloseCode::ApplicationAbort);
  // Forgets a connection (after Closed, or to drop it silently). Its handle becomes invalid.
  void release(ConnHandle conn);

  // The scheduler API of one connection (runtime.md §11.1) with the connection clock set to `now`.
  runtime::Status set_scheduler(ConnHandle conn, Instant now, std::string_view name);
  runtime::Status set_register(ConnHandle conn, Instant now, int k, std::int64_t value);

  std::optional<Event> poll_event();
  std::size_t pending_events() const { return events_.size(); }

  // ---- sans-IO ----
  // A datagram from `from.remote` on local interface `from.interface`.
  void handle_datagram(Instant now, const Route& from, std::span<const std::byte> datagram);
  void handle_timeout(Instant now);
  std::optional<Instant> next_timeout() const;
  // Writes the next datagram into `buffer` (at least max_datagram_size(mss) bytes).
  std::optional<Transmit> poll_transmit(Instant now, std::span<std::byte> buffer);

  // ---- inspection ----
  const EndpointCounters& counters() const { return counters_; }
  ConnectionInfo info(ConnHandle conn) const;
  bool path_info(ConnHandle conn, runtime::SubflowId subflow, PathInfo& out) const;
  std::vector<runtime::SubflowId> subflow_ids(ConnHandle conn) const;  // allocates: for statistics, not hot paths
  // Writes into `out` a protected datagram carrying `frames` (any bytes) exactly as this endpoint would send it on
  // `path` of the connection: its peer authenticates it and acts on the frames. For tests and the fuzz target,
  // which play a peer that misbehaves after the handshake. Returns the size, 0 if the connection has no keys yet or
  // `out` is too small. A path this endpoint does not know is numbered from packet 0.
  std::size_t seal_for_peer(ConnHandle conn, PathId path, std::span<const std::byte> frames, std::span<std::byte> out);
  // The values a scheduler sees for a subflow now (runtime.md §15.1); false if unknown or not available.
  bool scheduler_values(ConnHandle conn, runtime::SubflowId subflow, runtime::SubflowValues& out);
  std::size_t connection_count() const { return conns_.size(); }
  std::size_t half_open() const { return half_open_; }

 private:
  friend class Connection;

  // runtime::Transport, dispatched to the connection.
  runtime::EnqueueResult enqueue(runtime::ConnId conn, runtime::SubflowId subflow,
                                 const PacketMeta& packet) override;
  void arm_timer(runtime::ConnId conn, std::int64_t at_us) override;
  void cancel_timer(runtime::ConnId conn) override;
  std::int64_t now_us(runtime::ConnId) override { return now_.ns_since_epoch() / 1000; }
  void subflow_values(runtime::ConnId conn, runtime::SubflowId subflow, runtime::SubflowValues& out) override;
  std::int64_t window_end(runtime::ConnId conn) override;
  std::int64_t mss(runtime::ConnId) override { return config_.transport.mss; }

  Connection* find(ConnHandle conn) const;
  Connection* find_by_cid(ConnectionId cid) const;
  void on_initiation(Instant now, const Route& from, std::span<const std::byte> datagram, const packet::Initiation& p);
  void on_response(Instant now, const Route& from, std::span<const std::byte> handshake, ConnectionId dcid);
  void on_unknown_connection(const Route& from, std::size_t size, ConnectionId dcid);
  void queue_stateless(const Route& to, std::span<const std::byte> bytes);
  void push_event(const Event& e) { events_.push_back(e); }
  ConnectionId fresh_cid();
  void register_cid(Connection& c);
  void forget(Connection& c);

  EndpointConfig config_;
  RandomSource& random_;
  Instant now_;
  std::unique_ptr<runtime::Runtime> runtime_;
  std::vector<std::unique_ptr<Connection>> conns_;      // in creation order (round-robin transmit)
  std::unordered_map<ConnHandle, Connection*> by_handle_;
  std::unordered_map<std::uint64_t, Connection*> by_cid_;  // our connection IDs
  ConnHandle next_handle_ = 1;
  std::size_t next_conn_ = 0;  // round-robin start for poll_transmit
  std::size_t half_open_ = 0;
  Ring<Event> events_;
  EndpointCounters counters_;
  std::vector<std::byte> plain_;  // decrypted payload scratch
  // Stateless answers (RETRY, STATELESS_RESET, VERSION_MISMATCH, rejections) waiting for poll_transmit.
  struct StatelessOut {
    Route to;
    std::array<std::byte, 1280> bytes;
    std::size_t size = 0;
  };
  Ring<StatelessOut> stateless_;
  // Keys derived from the static key: retry tokens and stateless-reset tokens survive a restart with the same key.
  std::array<std::byte, 32> token_key_{}, reset_key_{};
  // Recently seen INITIATION ephemeral keys (replay protection), as 64-bit digests in insertion order.
  std::deque<std::uint64_t> seen_initiations_order_;
  std::unordered_map<std::uint64_t, ConnHandle> seen_initiations_;
  double reset_tokens_ = 0;  // token bucket for STATELESS_RESET
  Instant reset_refilled_;
};

}  // namespace progmp::transport
