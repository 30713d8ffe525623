// A transport Endpoint on real UDP sockets: the `net` driver. One Node is one host's side of any number of
// multipath connections (a server listening on several addresses, or a client with several paths), driven on the
// caller's thread without blocking: integrate it into an event loop by watching fd() for readability and calling
// process(), or call wait(timeout) in a loop. (node_thread.hpp runs one on a background thread with blocking
// calls.) Nothing here is thread-safe.
//
// What it does per input (docs/net.md):
//   * reads datagrams with recvmmsg, splitting UDP GRO super-datagrams, into Endpoint::handle_datagram;
//   * fires the endpoint's single timer (timerfd);
//   * drains Endpoint::poll_transmit into per-path UDP GSO batches (one destination, one segment size) sent with
//     sendmmsg; when the kernel's socket buffer is full the rest waits for writability, and the endpoint is not
//     asked for more meanwhile (back-pressure, nothing is lost).
// The steady state allocates nothing per datagram: batches, buffers and the staging area are sized once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "progmp/net/socket_address.hpp"
#include "progmp/net/udp_socket.hpp"
#include "progmp/transport/endpoint.hpp"

namespace progmp::net {

// One path of a client connection.
struct PathConfig {
  std::string local;       // local address to bind ("127.0.0.2", "[::1]", "10.0.0.5:5000"); empty = any address
  std::string device;      // network interface to pin the path to (SO_BINDTODEVICE); empty = none
  SocketAddress remote;    // the server's address for this path
  bool backup = false;
};

// A path written as "LOCAL=REMOTE", "LOCAL@DEVICE=REMOTE", "LOCAL" (REMOTE = `default_remote`) or "=REMOTE":
// LOCAL may be empty (any address) and may carry a port; REMOTE is ADDR:PORT or HOST:PORT (resolved). The syntax of
// `progmp connect --path` and of the examples.
std::optional<PathConfig> parse_path_config(std::string_view spec, const std::optional<SocketAddress>& default_remote,
                                            std::string& error);

struct NodeOptions {
  transport::EndpointConfig endpoint;  // keys, transport and runtime settings, server or client
  UdpSocketOptions socket;             // GSO/GRO, socket buffers
};

struct NodeCounters {
  std::uint64_t send_calls = 0;        // sendmmsg calls
  std::uint64_t gso_messages = 0;      // messages carrying more than one segment
  std::uint64_t datagrams_out = 0, datagrams_in = 0;
  std::uint64_t blocked = 0;           // times the kernel's send buffer was full
  std::uint64_t dropped_by_filter = 0; // the test drop switch
  std::uint64_t kernel_drops = 0;      // receive-queue overflows reported by the kernel (SO_RXQ_OVFL)
};

class Node {
 public:
  static std::unique_ptr<Node> create(NodeOptions options, std::string& error);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // ---- sockets ----
  // A server socket (also usable for client paths bound to the same address). Returns its local address (the port
  // resolved if 0 was asked), or nullopt with the reason.
  std::optional<SocketAddress> listen(const SocketAddress& local, const std::string& device, std::string& error);

  // ---- client ----
  // Starts a connection over `paths` (at least one) to the server with `server_key`; 0 and `error` on bad paths.
  transport::ConnHandle connect(std::span<const PathConfig> paths, const transport::crypto::PublicKey& server_key,
                                std::string& error);
  runtime::SubflowId add_path(transport::ConnHandle conn, const PathConfig& path, std::string& error);
  bool remove_path(transport::ConnHandle conn, runtime::SubflowId subflow);
  bool set_backup(transport::ConnHandle conn, runtime::SubflowId subflow, bool backup);

  // ---- application ----
  runtime::SendResult send(transport::ConnHandle conn, std::span<const std::byte> data,
                           runtime::SendOptions options = {});
  transport::RecvResult recv(transport::ConnHandle conn, std::span<std::byte> out);
  bool close(transport::ConnHandle conn);
  void abort(transport::ConnHandle conn, transport::wire::CloseCode code = transport::wire::CloseCode::ApplicationAbort);
  void release(transport::ConnHandle conn);
  runtime::Status set_scheduler(transport::ConnHandle conn, std::string_view name);
  runtime::Status set_register(transport::ConnHandle conn, int k, std::int64_t value);
  std::optional<transport::Event> poll_event();

  // The endpoint (statistics, runtime, scheduler registry). Calls that make it send should go through the Node.
  transport::Endpoint& endpoint() { return *endpoint_; }
  const transport::Endpoint& endpoint() const { return *endpoint_; }
  // The local and remote address of a subflow, for reports.
  std::optional<std::pair<SocketAddress, SocketAddress>> path_addresses(transport::ConnHandle conn,
                                                                        runtime::SubflowId subflow) const;

  // ---- driving ----
  int fd() const;  // readable when process() has something to do (sockets, timer)
  void process();  // reads, fires timers, sends; never blocks
  // Blocks up to timeout_ms (-1: until something happens, but never past the endpoint's next timer), then
  // process(). Returns early when an event is ready for poll_event().
  void wait(int timeout_ms);
  transport::Instant now() const;

  // A test switch that makes the network silently drop datagrams: called for each datagram on interface
  // `interface` (a socket) to or from `remote`; true drops it. Simulates a path that dies without an error.
  using DropFilter = std::function<bool(std::uint32_t interface, const SocketAddress& remote, bool outgoing)>;
  void set_drop_filter(DropFilter filter) { drop_ = std::move(filter); }
  const NodeCounters& counters() const;
  bool gso_enabled() const;
  bool gro_enabled() const;

 private:
  struct Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  transport::Endpoint* endpoint_;
  DropFilter drop_;
};

}  // namespace progmp::net
