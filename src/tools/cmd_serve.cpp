// `progmp serve --listen ADDR:PORT [--listen …] --key FILE [--allow FILE] [--scheduler NAME|FILE] [--once] [--json]
// [--allow-client-schedulers]`: accepts encrypted multipath connections and does what each client asks
// (perf_protocol.hpp): count and hash uploads, send downloads, answer requests, or copy stdin/stdout. Prints one
// summary line (or JSON object) per connection.
//
// Exit status: 0 (after --once's connection, or on SIGINT/SIGTERM); 2 for bad input (address, key, allow list,
// scheduler) with a one-line message.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "kernel_perf.hpp"
#include "net_cli.hpp"
#include "perf_protocol.hpp"
#include "progmp/net/key_file.hpp"
#include "progmp/runtime/builtin.hpp"

namespace progmp::tools {
namespace {

using json = nlohmann::json;
using transport::ConnHandle;
using transport::EventKind;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct ServeOptions {
  std::vector<std::string> listen;
  std::string key;
  std::string allow;
  std::string scheduler;
  bool once = false;
  bool json = false;
  bool allow_client_schedulers = false;
  TransportFlags transport;
};

[[noreturn]] void fail(const std::string& message, int status = 2) {
  std::cerr << "progmp serve: " << message << '\n';
  throw CLI::RuntimeError(status);
}

// One connection's part of the protocol.
struct Session {
  ConnHandle conn = 0;
  std::string peer;
  std::string header;
  std::optional<PerfRequest> request;
  Sha256 hash;
  transport::Instant start, first_data, last_data;
  std::uint64_t received = 0, sent = 0;
  std::uint64_t request_bytes = 0, responses_due = 0, response_left = 0;
  std::string answer;  // the answer line to the request ({"ok":true} or {"error":…}), sent before anything else
  bool rejected = false;
  std::string report;  // upload: the report line still to send
  bool peer_finished = false;
  bool closing = false;
  std::string error;
};

class Server {
 public:
  Server(ServeOptions o, std::unique_ptr<net::Node> node, std::string scheduler)
      : o_(std::move(o)), node_(std::move(node)), default_scheduler_(std::move(scheduler)) {
    buf_.resize(256 * 1024);
  }

  int run() {
    while (!g_stop) {
      wait_node(*node_, sessions_.count(stream_owner_) ? STDIN_FILENO : -1, 100);
      while (auto e = node_->poll_event()) on_event(*e);
      for (auto& [h, s] : sessions_) feed(s);
      if (o_.once && served_ > 0 && sessions_.empty()) return 0;
    }
    return 0;
  }

 private:
  void on_event(const transport::Event& e) {
    if (e.kind == EventKind::Accepted) {
      Session s;
      s.conn = e.conn;
      s.start = node_->now();
      if (auto a = node_->path_addresses(e.conn, 1)) s.peer = a->second.to_string();
      sessions_.emplace(e.conn, std::move(s));
      return;
    }
    auto it = sessions_.find(e.conn);
    if (it == sessions_.end()) return;
    Session& s = it->second;
    switch (e.kind) {
      case EventKind::Readable:
      case EventKind::PeerFinished:
        read(s);
        break;
      case EventKind::Closed:
        finish(s, e);
        node_->release(e.conn);
        if (stream_owner_ == e.conn) stream_owner_ = 0;
        sessions_.erase(it);
        ++served_;
        break;
      default:
        break;
    }
  }

  void read(Session& s) {
    while (true) {
      const transport::RecvResult r = node_->recv(s.conn, buf_);
      std::span<const std::byte> data(buf_.data(), r.bytes);
      if (!s.request && !data.empty()) {
        // The request line first.
        const auto* begin = reinterpret_cast<const char*>(data.data());
        const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', data.size()));
        const std::size_t take = nl ? static_cast<std::size_t>(nl - begin) + 1 : data.size();
        s.header.append(begin, take);
        data = data.subspan(take);
        if (s.header.size() > kMaxRequestLine) return reject(s, "request line too long");
        if (nl) {
          std::string error;
          s.request = parse_request(std::string_view(s.header).substr(0, s.header.size() - 1), error);
          if (!s.request) return reject(s, error);
          if (!apply(s)) return;
          s.answer = "{\"ok\":true}\n";
        }
      }
      if (s.request && !s.rejected && !data.empty()) consume(s, data);
      if (r.fin && !s.peer_finished) {
        s.peer_finished = true;
        on_peer_finished(s);
      }
      if (r.bytes == 0) break;
    }
  }

  bool apply(Session& s) {
    const PerfRequest& q = *s.request;
    std::string name = q.scheduler;
    if (!q.scheduler_source.empty()) {
      if (!o_.allow_client_schedulers) {
        reject(s, "this server runs no program text from clients (start it with --allow-client-schedulers)");
        return false;
      }
      const runtime::LoadResult r = node_->endpoint().runtime().load_scheduler("client_" + std::to_string(s.conn),
                                                                              q.scheduler_source);
      if (r.status != runtime::Status::Ok) {
        reject(s, "the client's scheduler program does not compile");
        return false;
      }
      name = r.name;
    } else if (!name.empty() && !node_->endpoint().runtime().registry().find(name)) {
      std::string error;
      int status = 0;
      std::string loaded;
      if (name.find('/') != std::string::npos || name.find(".progmp") != std::string::npos ||
          !load_scheduler(node_->endpoint().runtime(), name, loaded, error, status)) {
        reject(s, "unknown scheduler '" + name + "' (the server offers its library's schedulers by name)");
        return false;
      }
      name = loaded;
    }
    if (!name.empty() && node_->set_scheduler(s.conn, name) != runtime::Status::Ok) {
      reject(s, "cannot use scheduler '" + name + "'");
      return false;
    }
    for (const auto& [k, v] : q.registers) node_->set_register(s.conn, k, v);
    if (q.mode == PerfRequest::Mode::Stream) {
      if (stream_owner_ != 0) {
        reject(s, "another client is using this server's stdin/stdout");
        return false;
      }
      stream_owner_ = s.conn;
    }
    return true;
  }

  void consume(Session& s, std::span<const std::byte> data) {
    const transport::Instant now = node_->now();
    if (s.received == 0) s.first_data = now;
    s.last_data = now;
    s.received += data.size();
    switch (s.request->mode) {
      case PerfRequest::Mode::Upload:
        if (s.request->hash) s.hash.update(data);
        break;
      case PerfRequest::Mode::Requests: {
        s.request_bytes += data.size();
        const std::uint64_t complete = s.request_bytes / s.request->request_size;
        s.request_bytes -= complete * s.request->request_size;
        s.responses_due += complete;
        break;
      }
      case PerfRequest::Mode::Stream:
        (void)!::write(STDOUT_FILENO, data.data(), data.size());
        break;
      case PerfRequest::Mode::Download:
        break;
    }
  }

  void on_peer_finished(Session& s) {
    if (!s.request) return reject(s, "the client ended its stream before its request");
    if (s.rejected) return;
    if (s.request->mode == PerfRequest::Mode::Upload) {
      PerfReport r;
      r.bytes = s.received;
      r.sha256 = s.request->hash ? s.hash.hex() : "";
      r.duration_s = (s.last_data - s.first_data).as_seconds();
      s.report = encode_report(r);
    }
  }

  // Refuses the request: the answer line says why, then the stream ends (the client prints the reason).
  void reject(Session& s, const std::string& why) {
    s.error = why;
    s.rejected = true;
    s.answer = json{{"error", why}}.dump() + "\n";
  }

  // Sends what the mode wants sent, as far as the send buffer takes it.
  void feed(Session& s) {
    if (s.closing) return;
    if (!s.answer.empty()) {
      const auto* p = reinterpret_cast<const std::byte*>(s.answer.data());
      s.answer.erase(0, node_->send(s.conn, std::span<const std::byte>(p, s.answer.size())).accepted);
      if (!s.answer.empty()) return;
      if (s.rejected) return close(s);
    }
    if (!s.request || s.rejected) return;
    const PerfRequest& q = *s.request;
    auto send_block = [&](std::uint64_t n) -> std::uint64_t {
      const std::span<const std::byte> block = bulk_block();
      const std::size_t at = static_cast<std::size_t>(s.sent % block.size());
      const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(n, block.size() - at));
      const std::size_t accepted = node_->send(s.conn, block.subspan(at, len)).accepted;
      s.sent += accepted;
      return accepted;
    };
    switch (q.mode) {
      case PerfRequest::Mode::Upload:
        if (!s.report.empty()) {
          const auto* p = reinterpret_cast<const std::byte*>(s.report.data());
          const std::size_t accepted = node_->send(s.conn, std::span<const std::byte>(p, s.report.size())).accepted;
          s.report.erase(0, accepted);
          if (s.report.empty()) close(s);
        }
        break;
      case PerfRequest::Mode::Download: {
        const bool timed = q.bytes == 0;
        while (true) {
          if (timed ? (node_->now() - s.start).as_seconds() >= q.seconds : s.sent >= q.bytes) {
            close(s);
            break;
          }
          if (send_block(timed ? bulk_block().size() : q.bytes - s.sent) == 0) break;
        }
        break;
      }
      case PerfRequest::Mode::Requests:
        while (s.responses_due > 0) {
          if (s.response_left == 0) s.response_left = q.response_size;
          const std::uint64_t n = send_block(s.response_left);
          s.response_left -= n;
          if (s.response_left > 0) break;
          --s.responses_due;
        }
        if (s.peer_finished && s.responses_due == 0) close(s);
        break;
      case PerfRequest::Mode::Stream:
        if (stream_owner_ == s.conn) pump_stdin(s);
        if (s.peer_finished && stdin_done_) close(s);
        break;
    }
  }

  void pump_stdin(Session& s) {
    if (stdin_done_) return;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0) {
      char chunk[16384];
      const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n <= 0) {
        stdin_done_ = true;
        close(s);
        return;
      }
      // Small and rare: wait here until the send buffer takes it all.
      std::size_t done = 0;
      while (done < static_cast<std::size_t>(n)) {
        done += node_->send(s.conn, std::as_bytes(std::span<const char>(chunk + done, static_cast<std::size_t>(n) - done)))
                    .accepted;
        if (done < static_cast<std::size_t>(n)) wait_node(*node_, -1, 10);
      }
    }
  }

  void close(Session& s) {
    if (s.closing) return;
    s.closing = true;
    node_->close(s.conn);
  }

  void finish(Session& s, const transport::Event& e) {
    const transport::ConnectionInfo info = node_->endpoint().info(s.conn);
    const double seconds = (node_->now() - s.start).as_seconds();
    const char* mode = s.request ? mode_name(s.request->mode).data() : "none";
    const bool ok = e.reason == transport::CloseReason::Finished && s.error.empty();
    if (o_.json) {
      json j{{"peer", s.peer},
             {"mode", mode},
             {"bytes_received", s.received},
             {"bytes_sent", info.bytes_sent},
             {"bytes_acked", info.bytes_acked},
             {"duration_s", seconds},
             {"closed", std::string(transport::close_reason_name(e.reason))}};
      if (!s.error.empty()) j["error"] = s.error;
      std::cout << j.dump() << std::endl;
    } else if (!(s.request && s.request->mode == PerfRequest::Mode::Stream)) {
      std::cerr << fmt::format("{}: {} — received {}, sent {} ({} acknowledged) in {:.2f} s; {}{}\n", s.peer, mode,
                               human_bytes(static_cast<double>(s.received)),
                               human_bytes(static_cast<double>(info.bytes_sent)),
                               human_bytes(static_cast<double>(info.bytes_acked)), seconds,
                               transport::close_reason_name(e.reason), s.error.empty() ? "" : ": " + s.error);
    }
    (void)ok;
  }

  ServeOptions o_;
  std::unique_ptr<net::Node> node_;
  std::string default_scheduler_;
  std::map<ConnHandle, Session> sessions_;
  std::vector<std::byte> buf_;
  ConnHandle stream_owner_ = 0;
  bool stdin_done_ = false;
  std::uint64_t served_ = 0;
};

void run_serve(const ServeOptions& o) {
  std::string error;
  bool known = true;
  if (const auto kernel = parse_transport_name(o.transport.transport, known)) {
    if (o.listen.size() != 1) fail("--transport " + o.transport.transport + " listens on one --listen address");
    KernelServeOptions k;
    k.transport = *kernel;
    net::SocketAddress address;
    std::string device;
    if (!parse_listen(o.listen.front(), address, device, error)) fail("--listen " + error);
    k.listen = address;
    k.cc = kernel_congestion_control(o.transport, error);
    if (k.cc.empty()) fail(error);
    k.once = o.once;
    k.json = o.json;
    const int status = run_kernel_serve(k);
    if (status != 0) throw CLI::RuntimeError(status);
    return;
  }
  if (o.key.empty()) fail("--key is required (the server's key pair, written by progmp keygen)");
  auto keys = net::load_key_pair(o.key, error);
  if (!keys) fail(error);
  net::NodeOptions options = node_options(o.transport, *keys, true);
  if (!o.allow.empty()) {
    auto allowed = net::load_allow_list(o.allow, error);
    if (!allowed) fail(error);
    options.endpoint.allowed_clients = *allowed;
  }
  std::vector<std::pair<net::SocketAddress, std::string>> listen;
  for (const std::string& spec : o.listen) {
    net::SocketAddress a;
    std::string device;
    if (!parse_listen(spec, a, device, error)) fail("--listen " + spec + ": " + error);
    listen.emplace_back(a, device);
  }
  auto node = net::Node::create(options, error);
  if (!node) fail(error);
  node->endpoint().runtime().set_log([](std::string_view line) { std::cerr << line << '\n'; });
  const std::string scheduler = use_scheduler(node->endpoint().runtime(), o.scheduler, "serve");
  for (const auto& [a, device] : listen) {
    auto bound = node->listen(a, device, error);
    if (!bound) fail(error);
    std::cerr << "listening on " << bound->to_string() << (device.empty() ? "" : " (" + device + ")") << '\n';
  }
  std::cerr << "server key " << transport::crypto::to_text(keys->public_key) << ", scheduler " << scheduler << '\n';
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  ::signal(SIGPIPE, SIG_IGN);
  Server server(o, std::move(node), scheduler);
  server.run();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto opt = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Accept encrypted multipath connections (the other end of progmp connect)");
  cmd->add_option("--listen", opt->listen, "Address to listen on, ADDR:PORT or ADDR:PORT@DEVICE (repeatable)")
      ->required()
      ->type_name("ADDR:PORT");
  cmd->add_option("--key", opt->key, "The server's key pair file (progmp keygen; not with --transport tcp|kernel-mptcp)")
      ->type_name("FILE");
  cmd->add_option("--allow", opt->allow, "Accept only the client public keys listed in FILE (one per line)")
      ->type_name("FILE");
  cmd->add_option("--scheduler", opt->scheduler,
                  "Scheduler of the server's own sending: a library name or a .progmp file (default builtin_minrtt); "
                  "a client may name another library scheduler")
      ->type_name("NAME|FILE");
  cmd->add_flag("--allow-client-schedulers", opt->allow_client_schedulers,
                "Run scheduler programs that clients send (they are sandboxed, but cost CPU)");
  cmd->add_flag("--once", opt->once, "Exit after the first connection ends");
  cmd->add_flag("--json", opt->json, "One JSON object per connection on stdout");
  add_transport_flags(cmd, opt->transport);
  cmd->callback([opt] { run_serve(*opt); });
}

}  // namespace progmp::tools
