// The application API with blocking calls: a Host runs a Node on a background I/O thread, and its Streams are
// connections an application reads and writes like sockets, from any thread. (An application with its own event
// loop uses a Node directly: node.hpp.)
//
//   auto host = progmp::net::Host::start(progmp::net::HostOptions::with_new_key(), error);
//   auto stream = host->connect({{"127.0.0.1", "", server_a}, {"127.0.0.2", "", server_b}}, server_key, error);
//   stream->set_scheduler("redundant");             // a library scheduler loaded with load_scheduler()
//   stream->set_register(1, 5000);                  // R1 for the scheduler
//   stream->write(bytes, /*tag=*/7);                // the tag is the packets' USER
//   std::size_t n = stream->read(buffer);           // 0 at the end of the peer's stream
//
// Every call is thread-safe. Blocking calls return early when the connection ends; what was written but not
// acknowledged is visible in info() (bytes_sent − bytes_acked), never silently lost.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "progmp/net/node.hpp"

namespace progmp::net {

struct HostOptions {
  NodeOptions node;
  // Settings for real networks: 1350-byte packets (with an ACK they fit an IPv6 path's 1452-byte UDP payload),
  // pacing on, a silent path fails after 500 ms. `identity` is a new random key (a client needs no fixed one).
  static HostOptions with_new_key();
  // The same with a server's key pair; such a host also accepts connections (listen()).
  static HostOptions with_key(const transport::crypto::KeyPair& identity);
};

class Host;

// One connection. Obtained from Host::connect or Host::accept; valid as long as the application holds it (the
// Host must outlive it). Dropping a Stream that is still open aborts it: close() and wait_closed() end it
// gracefully.
class Stream {
 public:
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Writes all of `data`, blocking while the send buffer is full; returns the bytes accepted (fewer only if the
  // connection ended). Every packet of the call carries `tag` as its USER.
  std::size_t write(std::span<const std::byte> data, std::int64_t tag = 0);
  // Blocks until at least one byte arrived or the peer's stream ended (then 0) or the connection closed (0).
  std::size_t read(std::span<std::byte> out);
  // Reads exactly out.size() bytes unless the stream ends first; returns what was read.
  std::size_t read_exactly(std::span<std::byte> out);
  // Ends this side's stream (the peer reads 0 after the last byte); the connection closes once both ended.
  void close();
  void abort();
  // Blocks until the connection closed (both streams ended, an abort, a timeout); false if `timeout` passed.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  // The scheduler of this connection's sending: a name loaded with Host::load_scheduler or a library name.
  bool set_scheduler(std::string_view name);
  bool set_register(int k, std::int64_t value);
  bool set_backup(runtime::SubflowId path, bool backup);
  runtime::SubflowId add_path(const PathConfig& path, std::string& error);
  bool remove_path(runtime::SubflowId path);

  transport::ConnectionInfo info() const;
  std::vector<transport::PathInfo> paths() const;
  runtime::ConnectionStats scheduler_stats() const;
  transport::ConnHandle handle() const { return conn_; }

 private:
  friend class Host;
  Stream(Host& host, transport::ConnHandle conn) : host_(host), conn_(conn) {}
  Host& host_;
  transport::ConnHandle conn_;
};

class Host {
 public:
  static std::unique_ptr<Host> start(HostOptions options, std::string& error);
  ~Host();  // stops the I/O thread; open connections are aborted
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Server: listen on an address (port 0: any); returns the bound address.
  std::optional<SocketAddress> listen(const SocketAddress& local, std::string& error);
  // The next connection a client opened; nullptr after `timeout`.
  std::unique_ptr<Stream> accept(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  // Client: connects over `paths` and blocks until the handshake completed (nullptr and `error` if it failed or
  // `timeout` passed).
  std::unique_ptr<Stream> connect(std::span<const PathConfig> paths, const transport::crypto::PublicKey& server_key,
                                  std::string& error,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Compiles a scheduler program and registers it under `name` (empty: its SCHEDULER header) for set_scheduler.
  runtime::LoadResult load_scheduler(std::string_view name, std::string_view source);
  const transport::crypto::PublicKey& public_key() const;

 private:
  friend class Stream;
  struct Impl;
  explicit Host(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace progmp::net
