// The Endpoint: demultiplexing datagrams by connection ID, the handshake messages (client and server side, retry,
// stateless reset, version mismatch), the application API and the runtime's transport interface, all routed to the
// connections (connection*.cpp).
#include "progmp/transport/endpoint.hpp"

#include <algorithm>
#include <cstring>

#include "connection.hpp"
#include "handshake_params.hpp"
#include "progmp/transport/crypto/handshake.hpp"
#include "progmp/transport/crypto/kdf.hpp"
#include "progmp/transport/crypto/sodium.hpp"
#include "progmp/transport/crypto/tokens.hpp"

namespace progmp::transport {

namespace {

constexpr std::size_t kSeenInitiations = 65536;  // replay memory of INITIATION ephemeral keys
constexpr std::size_t kAmplificationFactor = 3;

std::uint64_t digest_of(std::span<const std::byte> bytes) {
  // The first 8 bytes of the ephemeral key: uniformly random for honest clients, so a fine table key.
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < bytes.size(); ++i) v = (v << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  return v;
}

std::uint32_t millis(Duration d) { return static_cast<std::uint32_t>(std::clamp<std::int64_t>(d.ms(), 0, UINT32_MAX)); }

Duration negotiated_idle(Duration ours, std::uint32_t theirs_ms) {
  const Duration theirs = Duration::millis(theirs_ms);
  if (ours <= Duration::zero()) return theirs;
  if (theirs <= Duration::zero()) return ours;
  return std::min(ours, theirs);
}

wire::CloseCode code_of(HandshakeStatus s) {
  switch (s) {
    case HandshakeStatus::NotAllowed: return wire::CloseCode::NotAllowed;
    case HandshakeStatus::Busy: return wire::CloseCode::ServerBusy;
    case HandshakeStatus::AeadMismatch: return wire::CloseCode::ProtocolViolation;
    case HandshakeStatus::Accepted: break;
  }
  return wire::CloseCode::NoError;
}

}  // namespace

std::string_view close_reason_name(CloseReason reason) {
  switch (reason) {
    case CloseReason::Finished: return "finished";
    case CloseReason::LocalAbort: return "aborted locally";
    case CloseReason::PeerAbort: return "aborted by the peer";
    case CloseReason::IdleTimeout: return "idle timeout";
    case CloseReason::HandshakeTimeout: return "no answer from the server (handshake timeout)";
    case CloseReason::HandshakeRejected: return "the server refused the connection";
    case CloseReason::VersionMismatch: return "the server speaks another protocol version";
    case CloseReason::StatelessReset: return "the peer lost the connection (stateless reset)";
    case CloseReason::ProtocolViolation: return "protocol violation";
  }
  return "unknown";
}

Endpoint::Endpoint(EndpointConfig config, RandomSource& random) : config_(std::move(config)), random_(random) {
  crypto::sodium_ready();
  runtime_ = std::make_unique<runtime::Runtime>(static_cast<runtime::Transport&>(*this), config_.runtime);
  plain_.resize(65536);
  // Derived from the static secret, so a restarted server with the same key still recognises its tokens.
  crypto::derive(config_.identity.secret.bytes(), "progmp retry token key", token_key_);
  crypto::derive(config_.identity.secret.bytes(), "progmp stateless reset key", reset_key_);
  reset_tokens_ = config_.resets_per_second;
}

Endpoint::~Endpoint() {
  // The runtime closes its connections on destruction and calls back into the transport: it goes first.
  runtime_.reset();
}

Connection* Endpoint::find(ConnHandle conn) const {
  auto it = by_handle_.find(conn);
  return it == by_handle_.end() ? nullptr : it->second;
}

Connection* Endpoint::find_by_cid(ConnectionId cid) const {
  auto it = by_cid_.find(static_cast<std::uint64_t>(cid));
  return it == by_cid_.end() ? nullptr : it->second;
}

ConnectionId Endpoint::fresh_cid() {
  while (true) {
    const std::uint64_t v = random_.next_u64();
    if (v != 0 && !by_cid_.contains(v)) return ConnectionId{v};
  }
}

void Endpoint::register_cid(Connection& c) {
  by_cid_[static_cast<std::uint64_t>(c.local_cid)] = &c;
  by_handle_[c.handle] = &c;
}

void Endpoint::forget(Connection& c) {
  if (c.half_open) --half_open_;
  by_cid_.erase(static_cast<std::uint64_t>(c.local_cid));
  by_handle_.erase(c.handle);
  if (runtime_->has_connection(c.handle)) runtime_->close_connection(c.handle);
  auto it = std::find_if(conns_.begin(), conns_.end(), [&](const auto& p) { return p.get() == &c; });
  if (it != conns_.end()) conns_.erase(it);
  if (next_conn_ >= conns_.size()) next_conn_ = 0;
}

// ---- client ----

ConnHandle Endpoint::connect(Instant now, const PathSpec& first, const crypto::PublicKey& server_key) {
  now_ = now;
  if (conns_.size() >= config_.max_connections) return 0;
  const ConnHandle handle = next_handle_++;
  auto c = std::make_unique<Connection>(*this, handle, Connection::Role::Client, fresh_cid());
  Connection& conn = *c;
  conns_.push_back(std::move(c));
  register_cid(conn);
  runtime_->open_connection(handle);
  conn.announced = true;
  conn.peer_key = server_key;
  conn.initial_dcid = ConnectionId{random_.next_u64()};
  conn.handshake_started = now;
  Subflow& s = conn.new_subflow(now, first.route, first.backup);
  s.reset_path(PathId{1});
  conn.next_path_id = 2;

  ClientParams params;
  for (crypto::Aead a : config_.aeads) params.aeads |= aead_bit(a);
  params.idle_timeout_ms = millis(config_.idle_timeout);
  params.receive_window = config_.transport.rcv_buf_bytes;
  params.reset_token = crypto::stateless_reset_token(reset_key_, static_cast<std::uint64_t>(conn.local_cid));
  const auto payload = encode(params);
  const auto prologue = packet::initiation_prologue(conn.initial_dcid, conn.local_cid);
  conn.initiator = std::make_unique<crypto::Initiator>(config_.identity, server_key, prologue);
  std::array<std::byte, kClientParamsSize + crypto::kInitiationOverhead> message{};
  const auto written = conn.initiator->write_initiation(random_, payload, message);
  conn.initiation.resize(max_datagram_size(config_.transport.mss));
  const std::size_t size =
      written ? packet::write_initiation(conn.initiation, conn.initial_dcid, conn.local_cid, {},
                                         std::span<const std::byte>(message.data(), *written))
              : 0;
  conn.initiation.resize(size);
  if (size == 0) {
    conn.enter_closed(now, CloseReason::HandshakeRejected, wire::CloseCode::Internal);  // a bad server key
    return handle;
  }
  conn.initiation_due = now;
  return handle;
}

runtime::SubflowId Endpoint::add_path(ConnHandle conn, Instant now, const PathSpec& path) {
  now_ = now;
  Connection* c = find(conn);
  if (!c || c->role != Connection::Role::Client) return 0;
  return c->add_path(now, path);
}

bool Endpoint::remove_path(ConnHandle conn, Instant now, runtime::SubflowId subflow) {
  now_ = now;
  Connection* c = find(conn);
  return c && c->phase != Connection::Phase::Closed && c->remove_path(now, subflow);
}

bool Endpoint::set_backup(ConnHandle conn, Instant now, runtime::SubflowId subflow, bool backup) {
  now_ = now;
  Connection* c = find(conn);
  return c && c->phase != Connection::Phase::Closed && c->set_backup(now, subflow, backup);
}

void Endpoint::set_throttled(ConnHandle conn, Instant now, runtime::SubflowId subflow, bool throttled) {
  now_ = now;
  if (Connection* c = find(conn); c && c->phase != Connection::Phase::Closed) c->set_throttled(now, subflow, throttled);
}

// ---- application ----

runtime::SendResult Endpoint::send(ConnHandle conn, Instant now, std::span<const std::byte> data,
                                   runtime::SendOptions options) {
  now_ = now;
  Connection* c = find(conn);
  if (!c) return runtime::SendResult{runtime::Status::UnknownConnection, 0};
  return c->send(now, data, options);
}

RecvResult Endpoint::recv(ConnHandle conn, Instant now, std::span<std::byte> out) {
  now_ = now;
  Connection* c = find(conn);
  return c ? c->recv(now, out) : RecvResult{};
}

std::size_t Endpoint::readable_bytes(ConnHandle conn) const {
  Connection* c = find(conn);
  return c ? static_cast<std::size_t>(c->rx.readable()) : 0;
}

bool Endpoint::close(ConnHandle conn, Instant now) {
  now_ = now;
  Connection* c = find(conn);
  return c && c->close(now);
}

void Endpoint::abort(ConnHandle conn, Instant now, wire::CloseCode code) {
  now_ = now;
  if (Connection* c = find(conn)) c->abort(now, code);
}

void Endpoint::release(ConnHandle conn) {
  if (Connection* c = find(conn)) forget(*c);
}

runtime::Status Endpoint::set_scheduler(ConnHandle conn, Instant now, std::string_view name) {
  now_ = now;
  return runtime_->set_scheduler(conn, name);
}

runtime::Status Endpoint::set_register(ConnHandle conn, Instant now, int k, std::int64_t value) {
  now_ = now;
  return runtime_->set_register(conn, k, value);
}

std::optional<Event> Endpoint::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = events_.front();
  events_.pop_front();
  return e;
}

// ---- sans-IO ----

void Endpoint::handle_datagram(Instant now, const Route& from, std::span<const std::byte> datagram) {
  now_ = now;
  ++counters_.datagrams_in;
  counters_.bytes_in += datagram.size();
  const packet::Parsed parsed = packet::parse(datagram);
  if (!parsed) {
    packet::ForeignInitiation foreign;
    if (parsed.error().code == packet::ErrorCode::UnknownVersion) {
      ++counters_.dropped_version;
      if (config_.accept_connections && packet::parse_foreign_initiation(datagram, foreign)) {
        std::array<std::byte, 16> out{};
        const std::size_t n = packet::write_version_mismatch(out, foreign.scid);
        queue_stateless(from, std::span<const std::byte>(out.data(), n));
        ++counters_.version_mismatches_sent;
      }
      return;
    }
    ++counters_.dropped_malformed;
    return;
  }
  const packet::Packet& p = parsed.packet();
  if (const auto* h = std::get_if<packet::ProtectedHeader>(&p)) {
    Connection* c = find_by_cid(h->dcid);
    if (!c) {
      ++counters_.dropped_unknown_connection;
      on_unknown_connection(from, datagram.size(), h->dcid);
      return;
    }
    c->handle_protected(now, from, *h, datagram, plain_);
  } else if (const auto* ini = std::get_if<packet::Initiation>(&p)) {
    if (!config_.accept_connections) {
      ++counters_.dropped_handshake;
      return;
    }
    on_initiation(now, from, datagram, *ini);
  } else if (const auto* r = std::get_if<packet::Response>(&p)) {
    on_response(now, from, r->handshake, r->dcid);
  } else if (const auto* retry = std::get_if<packet::Retry>(&p)) {
    Connection* c = find_by_cid(retry->dcid);
    if (!c || c->role != Connection::Role::Client || c->phase != Connection::Phase::Handshaking ||
        retry->original_dcid != c->initial_dcid || !c->retry_token.empty() || retry->token.empty()) {
      ++counters_.dropped_handshake;
      return;
    }
    // Repeat the same handshake message with the token: the server kept nothing, so it reads it afresh.
    const packet::Parsed old = packet::parse(c->initiation);
    if (!old) return;
    const auto& ini = std::get<packet::Initiation>(old.packet());
    std::vector<std::byte> message(ini.handshake.begin(), ini.handshake.end());
    c->retry_token.assign(retry->token.begin(), retry->token.end());
    c->initiation.resize(max_datagram_size(config_.transport.mss));
    const std::size_t size =
        packet::write_initiation(c->initiation, c->initial_dcid, c->local_cid, c->retry_token, message);
    c->initiation.resize(size);
    c->initiation_due = now;
    c->initiations_sent = 0;  // answered (by the RETRY): the resent one starts the count, and its RTT is exact
  } else if (const auto* reset = std::get_if<packet::StatelessReset>(&p)) {
    // It names the ID we write on our datagrams to the peer (the one whose state the peer lost).
    Connection* c = nullptr;
    for (const auto& x : conns_)
      if (x->remote_cid == reset->dcid && x->phase != Connection::Phase::Handshaking) c = x.get();
    if (!c) {
      ++counters_.dropped_unknown_connection;
      return;
    }
    if (!c->peer_reset_token || !crypto::equal_tokens(*c->peer_reset_token, reset->token)) {
      ++counters_.dropped_authentication;
      return;
    }
    ++counters_.resets_received;
    c->on_stateless_reset(now);
  } else if (const auto* vm = std::get_if<packet::VersionMismatch>(&p)) {
    Connection* c = find_by_cid(vm->dcid);
    if (!c || c->role != Connection::Role::Client || c->phase != Connection::Phase::Handshaking) {
      ++counters_.dropped_handshake;
      return;
    }
    c->enter_closed(now, CloseReason::VersionMismatch, wire::CloseCode::NoError);
  }
}

void Endpoint::on_initiation(Instant now, const Route& from, std::span<const std::byte> datagram,
                             const packet::Initiation& p) {
  // 1. Under load, a client must first prove it receives at its address (a RETRY round trip), before we spend any
  //    Diffie-Hellman work or memory on it. The RETRY is smaller than the INITIATION (no amplification).
  const bool demand_token = config_.retry_threshold == 0 || half_open_ >= config_.retry_threshold;
  if (!p.token.empty()) {
    const crypto::AddressTokens tokens(token_key_);
    const auto original = tokens.validate(p.token, from.remote.bytes(), now.ns_since_epoch(),
                                          config_.token_lifetime.ns());
    if (!original || *original != static_cast<std::uint64_t>(p.dcid)) {
      ++counters_.dropped_token;
      return;
    }
  } else if (demand_token) {
    const crypto::AddressTokens tokens(token_key_);
    const auto token = tokens.issue(from.remote.bytes(), static_cast<std::uint64_t>(p.dcid), now.ns_since_epoch());
    std::array<std::byte, 128> out{};
    const std::size_t n = packet::write_retry(out, p.scid, p.dcid, token);
    queue_stateless(from, std::span<const std::byte>(out.data(), n));
    ++counters_.retries_sent;
    return;
  }

  // 2. A repeated INITIATION (our RESPONSE was lost) gets the same RESPONSE again; a replay of an old one nothing.
  if (p.handshake.size() < 32) {
    ++counters_.dropped_handshake;
    return;
  }
  const std::uint64_t digest = digest_of(p.handshake.first(32));
  if (auto seen = seen_initiations_.find(digest); seen != seen_initiations_.end()) {
    Connection* c = find(seen->second);
    if (c && c->role == Connection::Role::Server && c->phase == Connection::Phase::Handshaking) {
      // The client repeats it (on every path after the first try): answer on the path we chose, within its budget.
      if (c->subflows.front()->route == from) {
        c->subflows.front()->bytes_in += datagram.size();
        c->response_pending = true;
      }
      return;
    }
    ++counters_.dropped_replayed_initiation;
    return;
  }

  // 3. The handshake message: authenticates nothing about the client yet but that it knows our public key; failure
  //    leaves no state.
  crypto::Responder responder(config_.identity, p.prologue);
  std::array<std::byte, 256> payload{};
  const auto n = responder.read_initiation(p.handshake, payload);
  const auto client = n ? decode_client_params(std::span<const std::byte>(payload.data(), *n)) : std::nullopt;
  if (!client) {
    ++counters_.dropped_handshake;
    return;
  }
  // 4. Admission.
  ServerParams params;
  // Our preference among what the client offers; none in common: refused (never a downgrade to Null).
  const auto chosen = std::find_if(config_.aeads.begin(), config_.aeads.end(),
                                   [&](crypto::Aead a) { return (client->aeads & aead_bit(a)) != 0; });
  params.aead = chosen != config_.aeads.end() ? *chosen : crypto::Aead::Null;
  params.idle_timeout_ms = millis(config_.idle_timeout);
  params.receive_window = config_.transport.rcv_buf_bytes;
  if (chosen == config_.aeads.end()) {
    params.status = HandshakeStatus::AeadMismatch;
  } else if (!config_.allowed_clients.empty() &&
             std::find(config_.allowed_clients.begin(), config_.allowed_clients.end(),
                       responder.initiator_static()) == config_.allowed_clients.end()) {
    params.status = HandshakeStatus::NotAllowed;
  } else if (conns_.size() >= config_.max_connections) {
    params.status = HandshakeStatus::Busy;
  }
  std::array<std::byte, kServerParamsSize + crypto::kResponseOverhead> message{};
  if (params.status != HandshakeStatus::Accepted) {
    // Refused with an authenticated answer (the client learns why, an attacker learns nothing new); no state.
    ++counters_.rejected_clients;
    const auto m = responder.write_response(random_, encode(params), message);
    if (!m) return;
    std::array<std::byte, 160> out{};
    const std::size_t size = packet::write_response(out, p.scid, std::span<const std::byte>(message.data(), *m));
    if (size <= kAmplificationFactor * datagram.size()) queue_stateless(from, std::span<const std::byte>(out.data(), size));
    return;
  }

  // 5. A new connection, half-open until the client's first protected packet confirms it.
  const ConnHandle handle = next_handle_++;
  auto c = std::make_unique<Connection>(*this, handle, Connection::Role::Server, fresh_cid());
  Connection& conn = *c;
  conns_.push_back(std::move(c));
  register_cid(conn);
  runtime_->open_connection(handle);
  conn.remote_cid = p.scid;
  conn.peer_key = responder.initiator_static();
  conn.peer_reset_token = client->reset_token;
  conn.idle_timeout = negotiated_idle(config_.idle_timeout, client->idle_timeout_ms);
  conn.peer_window_end = static_cast<std::int64_t>(std::min<std::uint64_t>(client->receive_window, wire::kMaxStreamOffset));
  conn.start_server(now, from, datagram.size());
  params.connection = conn.local_cid;
  params.reset_token = crypto::stateless_reset_token(reset_key_, static_cast<std::uint64_t>(conn.local_cid));
  const auto m = responder.write_response(random_, encode(params), message);
  if (!m) {
    forget(conn);
    return;
  }
  conn.tx_key.emplace(params.aead, responder.secrets().responder_to_initiator);
  conn.rx_key.emplace(params.aead, responder.secrets().initiator_to_responder);
  conn.response.resize(12 + *m);
  conn.response.resize(packet::write_response(conn.response, p.scid, std::span<const std::byte>(message.data(), *m)));
  conn.half_open = true;
  ++half_open_;
  conn.initiation_digest = digest;
  seen_initiations_[digest] = handle;
  seen_initiations_order_.push_back(digest);
  if (seen_initiations_order_.size() > kSeenInitiations) {
    seen_initiations_.erase(seen_initiations_order_.front());
    seen_initiations_order_.pop_front();
  }
}

void Endpoint::on_response(Instant now, const Route& from, std::span<const std::byte> handshake, ConnectionId dcid) {
  Connection* c = find_by_cid(dcid);
  if (!c || c->role != Connection::Role::Client || c->phase != Connection::Phase::Handshaking || !c->initiator) {
    ++counters_.dropped_handshake;
    return;
  }
  std::array<std::byte, 256> payload{};
  const auto n = c->initiator->read_response(handshake, payload);
  const auto server = n ? decode_server_params(std::span<const std::byte>(payload.data(), *n)) : std::nullopt;
  if (!server) {
    ++counters_.dropped_handshake;
    return;
  }
  if (server->status != HandshakeStatus::Accepted) {
    c->enter_closed(now, CloseReason::HandshakeRejected, code_of(server->status));
    return;
  }
  if (std::find(config_.aeads.begin(), config_.aeads.end(), server->aead) == config_.aeads.end()) {
    ++counters_.dropped_handshake;  // a cipher we did not offer
    return;
  }
  ++counters_.handshakes_completed;
  c->tx_key.emplace(server->aead, c->initiator->secrets().initiator_to_responder);
  c->rx_key.emplace(server->aead, c->initiator->secrets().responder_to_initiator);
  c->initiator.reset();
  c->peer_reset_token = server->reset_token;
  c->idle_timeout = negotiated_idle(config_.idle_timeout, server->idle_timeout_ms);
  c->peer_window_end = static_cast<std::int64_t>(std::min<std::uint64_t>(server->receive_window, wire::kMaxStreamOffset));
  c->on_handshake_complete(now, server->connection, from);
  runtime_->poll(c->handle);
}

void Endpoint::on_unknown_connection(const Route& from, std::size_t size, ConnectionId dcid) {
  // A peer still talking to a connection we lost (restart): tell it, with a token only we can compute, so it
  // stops at once instead of waiting for its idle timeout. Smaller than what triggered it and rate-limited, so it
  // cannot amplify or loop.
  if (size <= packet::kResetSize || size < packet::kProtectedHeaderSize + crypto::kTagBytes) return;
  reset_tokens_ = std::min<double>(config_.resets_per_second,
                                   reset_tokens_ + (now_ - reset_refilled_).as_seconds() * config_.resets_per_second);
  reset_refilled_ = now_;
  if (reset_tokens_ < 1) return;
  reset_tokens_ -= 1;
  const auto token = crypto::stateless_reset_token(reset_key_, static_cast<std::uint64_t>(dcid));
  std::array<std::byte, packet::kResetSize> out{};
  const std::size_t n = packet::write_stateless_reset(out, dcid, token);
  queue_stateless(from, std::span<const std::byte>(out.data(), n));
  ++counters_.resets_sent;
}

void Endpoint::queue_stateless(const Route& to, std::span<const std::byte> bytes) {
  if (stateless_.size() >= 1024) return;  // a flood: answer what we can, drop the rest
  StatelessOut out;
  out.to = to;
  out.size = std::min(bytes.size(), out.bytes.size());
  std::memcpy(out.bytes.data(), bytes.data(), out.size);
  stateless_.push_back(out);
}

void Endpoint::handle_timeout(Instant now) {
  now_ = now;
  for (std::size_t i = 0; i < conns_.size(); ++i) conns_[i]->handle_timeout(now);
  // Forget connections whose time is up (iterating backwards: forget() erases).
  for (std::size_t i = conns_.size(); i-- > 0;) {
    Connection& c = *conns_[i];
    if (c.phase == Connection::Phase::Closed && c.release_at && *c.release_at <= now && !c.drain_until) forget(c);
  }
}

std::optional<Instant> Endpoint::next_timeout() const {
  std::optional<Instant> t;
  auto take = [&](const std::optional<Instant>& x) {
    if (x && (!t || *x < *t)) t = x;
  };
  if (!stateless_.empty()) take(now_);
  for (const auto& c : conns_) {
    take(c->next_timeout());
    if (c->phase == Connection::Phase::Closed) {
      take(c->release_at);
      take(c->drain_until);
    }
  }
  return t;
}

std::optional<Transmit> Endpoint::poll_transmit(Instant now, std::span<std::byte> buffer) {
  now_ = now;
  if (!stateless_.empty()) {
    const StatelessOut& out = stateless_.front();
    std::memcpy(buffer.data(), out.bytes.data(), out.size);
    Transmit t{out.to, out.size};
    stateless_.pop_front();
    ++counters_.datagrams_out;
    counters_.bytes_out += t.size;
    return t;
  }
  const std::size_t n = conns_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t index = (next_conn_ + i) % n;
    if (auto t = conns_[index]->poll_transmit(now, buffer)) {
      next_conn_ = (index + 1) % n;
      ++counters_.datagrams_out;
      counters_.bytes_out += t->size;
      return t;
    }
  }
  return std::nullopt;
}

// ---- runtime::Transport ----

runtime::EnqueueResult Endpoint::enqueue(runtime::ConnId conn, runtime::SubflowId subflow,
                                         const PacketMeta& packet) {
  Connection* c = find(conn);
  return c ? c->enqueue(subflow, packet) : runtime::EnqueueResult::Deduplicated;
}

void Endpoint::arm_timer(runtime::ConnId conn, std::int64_t at_us) {
  if (Connection* c = find(conn)) c->idle_timer = Instant::from_nanos(at_us * 1000);
}

void Endpoint::cancel_timer(runtime::ConnId conn) {
  if (Connection* c = find(conn)) c->idle_timer.reset();
}

void Endpoint::subflow_values(runtime::ConnId conn, runtime::SubflowId subflow, runtime::SubflowValues& out) {
  if (Connection* c = find(conn)) c->subflow_values(subflow, out);
  else out = {};
}

std::int64_t Endpoint::window_end(runtime::ConnId conn) {
  Connection* c = find(conn);
  return c ? c->peer_window_end : 0;
}

// ---- inspection ----

ConnectionInfo Endpoint::info(ConnHandle conn) const {
  ConnectionInfo i;
  Connection* c = find(conn);
  if (!c) return i;
  i.state = c->phase == Connection::Phase::Handshaking   ? ConnectionState::Handshaking
            : c->phase == Connection::Phase::Established ? ConnectionState::Established
                                                         : ConnectionState::Closed;
  i.bytes_sent = static_cast<std::uint64_t>(c->stream_end);
  i.bytes_acked = static_cast<std::uint64_t>(c->data_una);
  i.bytes_received = c->rx.received();
  i.bytes_read = c->rx.read_offset();
  i.peer_finished = c->rx.finished();
  i.finished = c->fin_acked;
  i.close_reason = c->close_reason;
  i.close_code = c->close_code;
  i.peer_key = c->peer_key;
  if (c->tx_key) i.aead = c->tx_key->aead();
  return i;
}

bool Endpoint::path_info(ConnHandle conn, runtime::SubflowId subflow, PathInfo& out) const {
  Connection* c = find(conn);
  if (!c || subflow == 0 || subflow > c->subflows.size() || !c->subflows[subflow - 1]) return false;
  const Subflow& s = *c->subflows[subflow - 1];
  out = PathInfo{};
  out.id = s.id;
  out.route = s.route;
  out.available = s.available();
  out.backup = s.backup;
  out.validated = s.validated;
  out.srtt = s.rtt.srtt();
  out.rttvar = s.rtt.rttvar();
  out.cwnd = s.cwnd_segments(config_.transport.mss);
  out.in_flight = static_cast<std::int64_t>(s.board.pipe());
  out.counters = s.counters;
  return true;
}

std::vector<runtime::SubflowId> Endpoint::subflow_ids(ConnHandle conn) const {
  std::vector<runtime::SubflowId> ids;
  if (Connection* c = find(conn))
    for (const auto& s : c->subflows)
      if (s) ids.push_back(s->id);
  return ids;
}

std::size_t Endpoint::seal_for_peer(ConnHandle conn, PathId path, std::span<const std::byte> frames,
                                   std::span<std::byte> out) {
  Connection* c = find(conn);
  if (!c || !c->tx_key || out.size() < kPacketOverhead + frames.size()) return 0;
  Subflow* s = c->find_path(path);
  const std::uint64_t pn = s ? s->next_packet_number++ : 0;
  const std::size_t header = packet::write_protected_header(out, packet::ProtectedHeader{c->remote_cid, path, pn});
  std::copy(frames.begin(), frames.end(), out.begin() + static_cast<std::ptrdiff_t>(header));
  return c->tx_key->seal(static_cast<std::uint32_t>(path), pn, out, header, frames.size());
}

bool Endpoint::scheduler_values(ConnHandle conn, runtime::SubflowId subflow, runtime::SubflowValues& out) {
  Connection* c = find(conn);
  if (!c || !c->find_subflow(subflow)) return false;
  c->subflow_values(subflow, out);
  return true;
}

}  // namespace progmp::transport
