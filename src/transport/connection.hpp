// One connection of an Endpoint (private to src/transport): both directions of one byte stream over its subflows,
// its keys, its handshake state and its timers. The Endpoint parses datagram headers, runs the handshake messages
// and routes protected packets here by connection ID; everything after that happens in this class:
//   connection.cpp         life cycle: handshake completion, paths (join, validate, fail, remove), close, timers
//   connection_input.cpp   a decrypted packet's frames: ACK processing (loss recovery, congestion control), DATA
//                          reception, path and connection control frames
//   connection_output.cpp  assembling, sealing and pacing the next datagram
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "progmp/runtime/runtime.hpp"
#include "progmp/transport/crypto/handshake.hpp"
#include "progmp/transport/crypto/packet_protection.hpp"
#include "progmp/transport/endpoint.hpp"
#include "progmp/transport/packet.hpp"
#include "progmp/transport/wire.hpp"
#include "receive_stream.hpp"
#include "subflow.hpp"

namespace progmp::transport {

class Connection {
 public:
  enum class Role : std::uint8_t { Client, Server };
  enum class Phase : std::uint8_t { Handshaking, Established, Closed };

  Connection(Endpoint& endpoint, ConnHandle handle, Role role, ConnectionId local_cid);
  ~Connection();

  // ---- identity ----
  ConnHandle handle;
  Role role;
  Phase phase = Phase::Handshaking;
  ConnectionId local_cid{};   // what the peer puts on datagrams to us
  ConnectionId remote_cid{};  // what we put on datagrams to the peer
  crypto::PublicKey peer_key;
  std::optional<std::array<std::byte, packet::kResetTokenSize>> peer_reset_token;
  std::optional<crypto::PacketKey> tx_key, rx_key;

  // ---- handshake: client ----
  std::unique_ptr<crypto::Initiator> initiator;
  ConnectionId initial_dcid{};
  std::vector<std::byte> initiation;  // the INITIATION datagram, resent until answered
  std::vector<std::byte> retry_token;
  std::optional<Instant> initiation_due;
  Instant handshake_started, initiation_sent_at;
  int initiations_sent = 0;     // rounds: the first goes on the first path, later ones on every path
  std::size_t initiation_cursor = 0;  // next subflow of the current round
  // ---- handshake: server ----
  std::vector<std::byte> response;  // the RESPONSE datagram, resent when the same INITIATION comes again
  bool response_pending = false;
  Instant response_sent_at;
  int responses_sent = 0;
  std::uint64_t initiation_digest = 0;
  bool half_open = false;  // counted in Endpoint::half_open_

  // ---- life cycle (connection.cpp) ----
  // Client: the RESPONSE was authenticated (it arrived on `route`); keys and the server's connection ID are known.
  void on_handshake_complete(Instant now, ConnectionId server_cid, const Route& route);
  // Server: the INITIATION was accepted; the RESPONSE goes out on `route`.
  void start_server(Instant now, const Route& route, std::size_t initiation_bytes);
  runtime::SubflowId add_path(Instant now, const PathSpec& path);
  bool remove_path(Instant now, runtime::SubflowId id);
  bool set_backup(Instant now, runtime::SubflowId id, bool backup);
  void set_throttled(Instant now, runtime::SubflowId id, bool throttled);
  bool close(Instant now);  // ends our stream
  void abort(Instant now, wire::CloseCode code);
  void enter_closed(Instant now, CloseReason reason, wire::CloseCode code);
  void handle_timeout(Instant now);
  std::optional<Instant> next_timeout() const;

  // ---- input (connection_input.cpp) ----
  // A protected datagram for this connection. Returns false if it was dropped (counted by the endpoint).
  bool handle_protected(Instant now, const Route& from, const packet::ProtectedHeader& header,
                        std::span<const std::byte> datagram, std::span<std::byte> plain);
  void on_stateless_reset(Instant now);

  // ---- output (connection_output.cpp) ----
  std::optional<Transmit> poll_transmit(Instant now, std::span<std::byte> buffer);

  // ---- application ----
  runtime::SendResult send(Instant now, std::span<const std::byte> data, runtime::SendOptions options);
  RecvResult recv(Instant now, std::span<std::byte> out);

  // ---- runtime::Transport (dispatched by the endpoint) ----
  runtime::EnqueueResult enqueue(runtime::SubflowId id, const PacketMeta& packet);
  void subflow_values(runtime::SubflowId id, runtime::SubflowValues& out);

  // ---- state ----
  std::vector<std::unique_ptr<Subflow>> subflows;  // index = runtime ID − 1
  std::uint32_t next_path_id = 1;  // client: the next path ID to use
  std::uint32_t highest_path = 0;  // server: a JOIN must name a path ID above every one seen
  std::size_t next_subflow = 0;    // round-robin start for poll_transmit

  // Sending stream (data level).
  std::int64_t stream_end = 0;        // bytes accepted from the application
  std::int64_t data_una = 0;          // data-level cumulative ACK from the peer
  std::int64_t peer_window_end = 0;   // until the first ACK: our own receive window size (both ends use the config)
  std::int64_t pushed_end = 0;        // highest SEQ + LENGTH ever enqueued
  std::optional<Instant> idle_timer;  // the runtime's (arm_timer)
  std::optional<Instant> data_timer;  // data-level retransmission timer
  Duration data_backoff = Duration::zero();
  std::optional<std::int64_t> fin_offset;  // set by close()
  bool fin_in_flight = false;         // a subflow holds the FIN segment
  bool fin_acked = false;
  bool want_writable = false;         // send() was short: emit Writable when space frees
  std::optional<Instant> window_probe_due;  // the peer's window is closed: PING to learn when it opens

  // Receiving stream.
  ReceiveStream rx;
  std::uint64_t advertised_window_end = 0;  // largest window end sent in an ACK
  bool readable_signalled = false;
  bool peer_finished_signalled = false;

  // Liveness and closing.
  Instant last_rx_any;
  Duration idle_timeout;                 // the smaller of both ends' (0 = none)
  bool announced = false;                // the application saw Connected/Accepted (server half-opens are not)
  std::optional<Instant> release_at;     // forgotten automatically then, if the application has not released it
  std::optional<CloseReason> close_reason;
  wire::CloseCode close_code = wire::CloseCode::NoError;
  std::optional<Instant> drain_until;    // Finished: still acknowledge the peer's retransmissions until then
  bool finished_signalled = false;

  Subflow* find_subflow(runtime::SubflowId id) const;
  Subflow* find_by_wire_id(std::uint32_t wire_id) const;
  Subflow* find_path(PathId path) const;
  Endpoint& endpoint() { return ep_; }

 private:
  friend class Endpoint;
  runtime::Runtime& rt();
  const TransportConfig& cfg() const;
  void emit(EventKind kind, runtime::SubflowId subflow = 0);

  // connection.cpp
  Subflow& new_subflow(Instant now, const Route& route, bool backup);
  void establish(Subflow& s, Instant now, std::optional<Duration> rtt_sample);
  void fail(Subflow& s, Instant now);
  void take_affected(Subflow& s);
  void check_finished(Instant now);
  Duration data_rto() const;
  Duration silence_bound(const Subflow& s) const;

  // connection_input.cpp
  bool process_ack(Subflow& s, const wire::Ack& ack, std::optional<Instant> peer_time, Instant now);
  void on_rto(Subflow& s, Instant now);
  void on_data(Subflow& s, const wire::Data& data, Instant now);
  void after_read(Instant now);

  // connection_output.cpp
  bool may_send(Subflow& s, std::size_t bytes, Instant now);
  void write_ack(Subflow& s, wire::FrameWriter& w, Instant now);

  Endpoint& ep_;
  Phase phase_before_close_ = Phase::Handshaking;
  std::vector<std::int64_t> seq_scratch_;
  struct Acked {
    Instant sent_at;
    std::uint32_t length;
  };
  std::vector<Acked> acked_scratch_;
};

}  // namespace progmp::transport
