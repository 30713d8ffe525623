// `progmp connect ADDR:PORT --server-key KEY [--path LOCAL=REMOTE …] [--backup N] [--scheduler NAME|FILE]
// [--register R1=V …] [MODE] [--json]`: an encrypted multipath connection to `progmp serve`, iperf3/netcat-like.
// Modes: --time S (upload for S seconds), --bytes N (upload N bytes, SHA-256 checked by the server), --reverse (the
// server sends, with --time or --bytes), --send-file PATH (upload a file, SHA-256 checked), --requests N --size B
// (N sequential 100-byte requests, each answered by B bytes), none (netcat: stdin to the server, the server's data
// to stdout). Prints a table per path every --interval seconds and a summary; --json prints one object instead.
//
// Exit status: 0 done; 1 the transfer failed (connection lost, hash mismatch; what was not delivered is reported);
// 2 bad input: malformed address or flag, unreadable key or file, unknown scheduler, unreachable server or wrong key.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "commands.hpp"
#include "kernel_perf.hpp"
#include "net_cli.hpp"
#include "perf_protocol.hpp"
#include "progmp/net/key_file.hpp"
#include "progmp/net/system_random.hpp"
#include "progmp/runtime/builtin.hpp"

namespace progmp::tools {
namespace {

using json = nlohmann::json;
using transport::EventKind;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct ConnectOptions {
  std::string server;
  std::string server_key;
  std::string key;
  std::vector<std::string> paths;
  std::vector<int> backup;
  std::string scheduler;
  std::string server_scheduler;
  std::vector<std::string> registers;
  double time = 0;
  std::uint64_t bytes = 0;
  bool reverse = false;
  std::string send_file;
  std::uint64_t requests = 0;
  std::uint64_t size = 1000;
  bool json = false;
  double interval = 1;
  double connect_timeout = 5;
  TransportFlags transport;
};

[[noreturn]] void fail(const std::string& message, int status = 2) {
  std::cerr << "progmp connect: " << message << '\n';
  throw CLI::RuntimeError(status);
}

std::pair<int, std::int64_t> parse_register(const std::string& spec) {
  const auto eq = spec.find('=');
  std::string_view k = std::string_view(spec).substr(0, eq == std::string::npos ? 0 : eq);
  if (!k.empty() && (k[0] == 'R' || k[0] == 'r')) k.remove_prefix(1);
  int reg = 0;
  std::int64_t value = 0;
  const std::string_view v = eq == std::string::npos ? std::string_view() : std::string_view(spec).substr(eq + 1);
  const auto r1 = std::from_chars(k.data(), k.data() + k.size(), reg);
  const auto r2 = std::from_chars(v.data(), v.data() + v.size(), value);
  if (eq == std::string::npos || k.empty() || r1.ec != std::errc() || r1.ptr != k.data() + k.size() || v.empty() ||
      r2.ec != std::errc() || r2.ptr != v.data() + v.size())
    fail("--register " + spec + ": expected Rk=VALUE, e.g. R1=5000");
  if (reg < 1 || reg > 6) fail("--register " + spec + ": the registers are R1..R6");
  return {reg, value};
}

struct Totals {
  std::uint64_t sent = 0, received = 0;
};

class Client {
 public:
  Client(const ConnectOptions& o, std::unique_ptr<net::Node> node, transport::ConnHandle conn, PerfRequest request,
         std::string scheduler)
      : o_(o), node_(std::move(node)), conn_(conn), request_(std::move(request)), scheduler_(std::move(scheduler)) {
    buf_.resize(256 * 1024);
    if (!o_.send_file.empty()) {
      file_ = ::open(o_.send_file.c_str(), O_RDONLY | O_CLOEXEC);
      if (file_ < 0) fail("--send-file " + o_.send_file + ": " + std::strerror(errno));
      file_buf_.resize(1 << 20);
    }
    const std::string line = encode_request(request_);
    pending_ = std::vector<std::byte>(reinterpret_cast<const std::byte*>(line.data()),
                                      reinterpret_cast<const std::byte*>(line.data()) + line.size());
  }
  ~Client() {
    if (file_ >= 0) ::close(file_);
  }

  int run() {
    const transport::Instant started = node_->now();
    next_report_ = started + transport::Duration::nanos(static_cast<std::int64_t>(o_.interval * 1e9));
    while (!closed_) {
      if (g_stop) {
        node_->abort(conn_);
        error_ = "interrupted";
      }
      const bool stdin_ready = wait_node(*node_, stream_stdin() ? STDIN_FILENO : -1, 10);
      while (auto e = node_->poll_event()) on_event(*e);
      if (connected_) {
        feed();
        if (stdin_ready) pump_stdin();
      }
      if (node_->now() >= next_report_) report_interval();
    }
    return finish();
  }

 private:
  bool stream_stdin() const { return request_.mode == PerfRequest::Mode::Stream && connected_ && !stdin_done_; }

  void on_event(const transport::Event& e) {
    switch (e.kind) {
      case EventKind::Connected:
        connected_ = true;
        t_connected_ = node_->now();
        last_report_ = t_connected_;
        break;
      case EventKind::Readable:
      case EventKind::PeerFinished:
        read();
        break;
      case EventKind::Writable:
        break;
      case EventKind::Closed:
        closed_ = true;
        close_reason_ = e.reason;
        close_code_ = e.code;
        t_closed_ = node_->now();
        break;
      default:
        break;
    }
  }

  void read() {
    while (true) {
      const transport::RecvResult r = node_->recv(conn_, buf_);
      std::span<const std::byte> data(buf_.data(), r.bytes);
      if (!answered_ && !data.empty()) {
        // The server's answer line to our request comes first.
        const auto* begin = reinterpret_cast<const char*>(data.data());
        const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', data.size()));
        const std::size_t take = nl ? static_cast<std::size_t>(nl - begin) + 1 : data.size();
        answer_.append(begin, take);
        data = data.subspan(take);
        if (nl) {
          answered_ = true;
          const json a = json::parse(answer_, nullptr, false);
          if (!a.is_object() || a.contains("error"))
            error_ = "the server refused the request: " +
                     (a.is_object() ? a["error"].get<std::string>() : std::string("unreadable answer"));
        }
      }
      if (!data.empty()) {
        received_ += data.size();
        t_last_data_ = node_->now();
        switch (request_.mode) {
          case PerfRequest::Mode::Upload:
            report_line_.append(reinterpret_cast<const char*>(data.data()), data.size());
            break;
          case PerfRequest::Mode::Download:
            if (request_.hash) hash_.update(data);
            break;
          case PerfRequest::Mode::Requests:
            response_received_ += data.size();
            while (requests_sent_ > fct_ms_.size() && response_received_ >= request_.response_size) {
              response_received_ -= request_.response_size;
              fct_ms_.push_back((node_->now() - request_sent_at_).as_seconds() * 1e3);
            }
            break;
          case PerfRequest::Mode::Stream:
            (void)!::write(STDOUT_FILENO, data.data(), data.size());
            break;
        }
      }
      if (r.fin) peer_finished_ = true;
      if (r.bytes == 0) break;
    }
  }

  // Sends the request line, then what the mode sends, as far as the send buffer takes it.
  void feed() {
    if (!pending_.empty()) {
      const std::size_t n = node_->send(conn_, pending_).accepted;
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
      if (!pending_.empty()) return;
      if (t_data_start_ == transport::Instant{}) t_data_start_ = node_->now();
    }
    if (finished_sending_) return;
    switch (request_.mode) {
      case PerfRequest::Mode::Upload:
        if (file_ >= 0) {
          send_file();
        } else {
          const bool timed = o_.bytes == 0;
          while (true) {
            if (timed ? (node_->now() - t_data_start_).as_seconds() >= o_.time : uploaded_ >= o_.bytes) {
              end_stream();
              break;
            }
            const std::span<const std::byte> block = bulk_block();
            const std::size_t at = static_cast<std::size_t>(uploaded_ % block.size());
            const std::size_t len = static_cast<std::size_t>(
                std::min<std::uint64_t>(timed ? block.size() - at : std::min<std::uint64_t>(o_.bytes - uploaded_, block.size() - at), block.size() - at));
            const std::size_t n = node_->send(conn_, block.subspan(at, len)).accepted;
            if (request_.hash) hash_.update(block.subspan(at, n));
            uploaded_ += n;
            if (n < len) break;
          }
        }
        break;
      case PerfRequest::Mode::Download:
        end_stream();  // nothing to send after the request
        break;
      case PerfRequest::Mode::Requests:
        if (requests_sent_ == fct_ms_.size()) {
          if (requests_sent_ == o_.requests) {
            end_stream();
            break;
          }
          std::vector<std::byte> req(request_.request_size, std::byte{'q'});
          if (node_->send(conn_, req).accepted == req.size()) {
            ++requests_sent_;
            request_sent_at_ = node_->now();
          }
        }
        break;
      case PerfRequest::Mode::Stream:
        break;
    }
  }

  void send_file() {
    while (true) {
      if (file_pending_.empty()) {
        const ssize_t n = ::read(file_, file_buf_.data(), file_buf_.size());
        if (n < 0) {
          error_ = "--send-file " + o_.send_file + ": " + std::strerror(errno);
          node_->abort(conn_);
          return;
        }
        if (n == 0) {
          end_stream();
          return;
        }
        file_pending_ = std::span<const std::byte>(file_buf_.data(), static_cast<std::size_t>(n));
        hash_.update(file_pending_);
      }
      const std::size_t sent = node_->send(conn_, file_pending_).accepted;
      uploaded_ += sent;
      file_pending_ = file_pending_.subspan(sent);
      if (!file_pending_.empty()) return;
    }
  }

  void pump_stdin() {
    char chunk[16384];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n <= 0) {
      stdin_done_ = true;
      end_stream();
      return;
    }
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(n) && !closed_) {
      done += node_->send(conn_, std::as_bytes(std::span<const char>(chunk + done, static_cast<std::size_t>(n) - done)))
                  .accepted;
      uploaded_ = done;
      if (done < static_cast<std::size_t>(n)) {
        wait_node(*node_, -1, 10);
        while (auto e = node_->poll_event()) on_event(*e);
      }
    }
  }

  void end_stream() {
    if (finished_sending_) return;
    finished_sending_ = true;
    t_data_end_ = node_->now();
    node_->close(conn_);
  }

  Totals totals() const {
    Totals t;
    for (runtime::SubflowId id : node_->endpoint().subflow_ids(conn_)) {
      transport::PathInfo p;
      if (!node_->endpoint().path_info(conn_, id, p)) continue;
      t.sent += p.counters.bytes_sent;
      t.received += p.counters.bytes_received;
    }
    return t;
  }

  bool uploading() const { return request_.mode == PerfRequest::Mode::Upload; }

  void report_interval() {
    const transport::Instant now = node_->now();
    next_report_ = now + transport::Duration::nanos(static_cast<std::int64_t>(o_.interval * 1e9));
    if (!connected_) return;
    const double dt = (now - last_report_).as_seconds();
    const double from = (last_report_ - t_connected_).as_seconds(), to = (now - t_connected_).as_seconds();
    last_report_ = now;
    json rows = json::array();
    double total = 0;
    for (runtime::SubflowId id : node_->endpoint().subflow_ids(conn_)) {
      transport::PathInfo p;
      if (!node_->endpoint().path_info(conn_, id, p)) continue;
      const std::uint64_t bytes = uploading() ? p.counters.bytes_sent : p.counters.bytes_received;
      std::uint64_t& before = last_bytes_[id];
      const double rate = dt > 0 ? static_cast<double>(bytes - before) * 8 / dt : 0;
      before = bytes;
      total += rate;
      const auto addrs = node_->path_addresses(conn_, id);
      const std::string route = addrs ? addrs->first.to_string() + " > " + addrs->second.to_string() : "?";
      if (o_.json) {
        rows.push_back({{"path", id}, {"mbit", rate / 1e6}, {"rtt_ms", p.srtt.as_seconds() * 1e3}, {"cwnd", p.cwnd},
                        {"available", p.available}});
      } else {
        std::cout << fmt::format("[{:5.1f}-{:5.1f} s] path {} {:<44} {:>14}  rtt {:7.2f} ms  cwnd {:5}  {}\n", from,
                                 to, id, route, human_rate(rate), p.srtt.as_seconds() * 1e3, p.cwnd,
                                 p.available ? "" : "(down)");
      }
    }
    if (o_.json) intervals_.push_back({{"from_s", from}, {"to_s", to}, {"mbit", total / 1e6}, {"paths", rows}});
    else std::cout << fmt::format("[{:5.1f}-{:5.1f} s] total {:>60}\n", from, to, human_rate(total)) << std::flush;
  }

  int finish() {
    const transport::ConnectionInfo info = node_->endpoint().info(conn_);
    if (close_reason_ == transport::CloseReason::HandshakeTimeout)
      fail(fmt::format("no answer from the server within {} s (is it running, is the address right, is --server-key "
                       "the server's key?)",
                       o_.connect_timeout));
    if (close_reason_ == transport::CloseReason::HandshakeRejected)
      fail(close_code_ == transport::wire::CloseCode::NotAllowed ? "the server does not accept this client's key"
                                                                 : "the server refused the connection (busy)");
    if (close_reason_ == transport::CloseReason::VersionMismatch) fail("the server speaks another protocol version");
    if (error_.starts_with("the server refused")) fail(error_);  // bad input (e.g. an unknown scheduler): status 2
    int status = 0;
    std::string problem = error_;
    if (close_reason_ != transport::CloseReason::Finished && problem.empty())
      problem = std::string("connection ") + std::string(transport::close_reason_name(close_reason_));
    // What the application handed over but the server never acknowledged is reported, never silently lost.
    const std::uint64_t undelivered = info.bytes_sent - info.bytes_acked;
    if (undelivered > 0 && problem.empty()) problem = "data left unacknowledged";

    // Timing: upload from the first data byte to the last acknowledgement (the close), download to the last byte.
    const transport::Instant end = uploading() ? t_closed_ : (t_last_data_ > t_data_start_ ? t_last_data_ : t_closed_);
    const double duration = std::max(1e-9, (end - t_data_start_).as_seconds());
    std::uint64_t bytes = uploading() ? uploaded_ : received_;
    std::string sha, server_sha;
    bool hash_ok = true;
    if (uploading()) {
      if (!report_line_.empty()) {
        const auto nl = report_line_.find('\n');
        if (auto r = parse_report(std::string_view(report_line_).substr(0, nl))) {
          bytes = r->bytes;
          server_sha = r->sha256;
        }
      }
      if (request_.hash) {
        sha = hash_.hex();
        hash_ok = !server_sha.empty() && server_sha == sha;
        if (!hash_ok && problem.empty()) problem = "SHA-256 mismatch: the server received other bytes than were sent";
      }
    } else if (request_.mode == PerfRequest::Mode::Download && request_.hash) {
      sha = hash_.hex();
    }
    if (!problem.empty()) status = 1;

    const Totals t = totals();
    json paths = json::array();
    for (runtime::SubflowId id : node_->endpoint().subflow_ids(conn_)) {
      transport::PathInfo p;
      if (!node_->endpoint().path_info(conn_, id, p)) continue;
      const auto addrs = node_->path_addresses(conn_, id);
      const std::uint64_t dir_bytes = uploading() ? p.counters.bytes_sent : p.counters.bytes_received;
      const std::uint64_t dir_total = uploading() ? t.sent : t.received;
      paths.push_back({{"id", id},
                       {"local", addrs ? addrs->first.to_string() : ""},
                       {"remote", addrs ? addrs->second.to_string() : ""},
                       {"bytes_sent", p.counters.bytes_sent},
                       {"bytes_received", p.counters.bytes_received},
                       {"share", dir_total ? static_cast<double>(dir_bytes) / static_cast<double>(dir_total) : 0.0},
                       {"retransmitted_bytes", p.counters.retransmitted_bytes},
                       {"rtt_ms_avg", p.counters.rtt_samples ? p.counters.rtt_sum_ms / static_cast<double>(p.counters.rtt_samples) : 0.0},
                       {"failures", p.counters.failures}});
    }
    json out{{"mode", mode_name(request_.mode)},
             {"scheduler", scheduler_},
             {"bytes", bytes},
             {"duration_s", duration},
             {"goodput_mbit", static_cast<double>(bytes) * 8 / duration / 1e6},
             {"paths", paths},
             {"bytes_sent", info.bytes_sent},
             {"bytes_acked", info.bytes_acked},
             {"undelivered_bytes", undelivered},
             {"closed", std::string(transport::close_reason_name(close_reason_))}};
    if (!sha.empty()) {
      out["sha256"] = server_sha.empty() ? sha : server_sha;
      if (uploading()) out["sha256_ok"] = hash_ok;
    }
    if (request_.mode == PerfRequest::Mode::Requests) {
      const FctSummary f = summarize_fct(fct_ms_);
      out["requests"] = requests_json(f);
    }
    if (!problem.empty()) out["error"] = problem;
    if (o_.json) {
      out["intervals"] = intervals_;
      std::cout << out.dump() << std::endl;
    } else if (request_.mode != PerfRequest::Mode::Stream) {
      std::cout << fmt::format("{} {} in {:.2f} s = {} (scheduler {})\n",
                               uploading() ? "sent" : "received", human_bytes(static_cast<double>(bytes)), duration,
                               human_rate(static_cast<double>(bytes) * 8 / duration), scheduler_);
      print_path_table(paths, uploading(), "avg rtt");
      if (!sha.empty())
        std::cout << "sha256 " << out["sha256"].get<std::string>()
                  << (uploading() ? (hash_ok ? " (the server received exactly what was sent)" : " MISMATCH") : "")
                  << '\n';
      if (out.contains("requests")) print_requests_line(out["requests"]);
    }
    if (!problem.empty())
      std::cerr << "progmp connect: " << problem << "; " << info.bytes_acked << " of " << info.bytes_sent
                << " bytes acknowledged by the server" << (undelivered ? fmt::format(", {} not delivered", undelivered) : "")
                << '\n';
    return status;
  }

  const ConnectOptions& o_;
  std::unique_ptr<net::Node> node_;
  transport::ConnHandle conn_;
  PerfRequest request_;
  std::string scheduler_;
  std::vector<std::byte> buf_, pending_;
  int file_ = -1;
  std::vector<std::byte> file_buf_;
  std::span<const std::byte> file_pending_;
  Sha256 hash_;
  bool connected_ = false, closed_ = false, finished_sending_ = false, peer_finished_ = false, stdin_done_ = false;
  transport::CloseReason close_reason_ = transport::CloseReason::Finished;
  transport::wire::CloseCode close_code_ = transport::wire::CloseCode::NoError;
  transport::Instant t_connected_, t_data_start_, t_data_end_, t_last_data_, t_closed_, next_report_, last_report_;
  std::uint64_t uploaded_ = 0, received_ = 0;
  std::string report_line_;
  std::string answer_;
  bool answered_ = false;
  std::uint64_t requests_sent_ = 0, response_received_ = 0;
  transport::Instant request_sent_at_;
  std::vector<double> fct_ms_;
  std::map<runtime::SubflowId, std::uint64_t> last_bytes_;
  json intervals_ = json::array();
  std::string error_;
};

// --transport tcp|kernel-mptcp: the first path (or SERVER) is the first subflow; the kernel adds the others.
void run_kernel(const ConnectOptions& o, KernelTransport t, const std::vector<net::PathConfig>& paths,
                const PerfRequest& request) {
  if (!o.scheduler.empty() || !o.server_scheduler.empty() || !o.registers.empty() || !o.backup.empty())
    fail("--scheduler, --server-scheduler, --register and --backup need --transport progmp");
  KernelConnectOptions k;
  k.transport = t;
  k.server = paths.front().remote;
  std::string error;
  if (!paths.front().local.empty()) {
    std::string local = paths.front().local;
    const bool has_port = local.starts_with('[') ? local.find("]:") != std::string::npos : local.find(':') != std::string::npos;
    auto a = net::SocketAddress::parse(has_port ? local : local + ":0", error, true);
    if (!a) fail("--path " + local + ": " + error);
    k.local = *a;
  }
  k.cc = kernel_congestion_control(o.transport, error);
  if (k.cc.empty()) fail(error);
  k.request = request;
  k.seconds = o.time;
  k.bytes = o.bytes;
  k.send_file = o.send_file;
  k.requests = o.requests;
  k.json = o.json;
  k.connect_timeout = o.connect_timeout;
  const int status = run_kernel_connect(k);
  if (status != 0) throw CLI::RuntimeError(status);
}

void run_connect(const ConnectOptions& o) {
  // ---- the command line ----
  const int modes = (o.time > 0) + (o.bytes > 0) + !o.send_file.empty() + (o.requests > 0);
  if (modes > 1) fail("choose one mode: --time, --bytes, --send-file or --requests");
  if (o.reverse && o.time <= 0 && o.bytes == 0) fail("--reverse needs --time or --bytes (what the server sends)");
  if (o.reverse && !o.send_file.empty()) fail("--reverse and --send-file do not go together");
  std::string error;
  std::optional<net::SocketAddress> server;
  if (!o.server.empty()) {
    server = net::SocketAddress::resolve(o.server, error);
    if (!server) fail(o.server + ": " + error);
  }
  std::vector<net::PathConfig> paths;
  for (const std::string& spec : o.paths) {
    net::PathConfig p;
    if (!parse_path(spec, server, p, error)) fail("--path " + error);
    paths.push_back(p);
  }
  if (paths.empty()) {
    if (!server) fail("give the server's ADDR:PORT or --path LOCAL=REMOTE");
    paths.push_back(net::PathConfig{"", "", *server, false});
  }
  for (int b : o.backup) {
    if (b < 1 || static_cast<std::size_t>(b) > paths.size())
      fail(fmt::format("--backup {}: there are paths 1..{}", b, paths.size()));
    paths[static_cast<std::size_t>(b - 1)].backup = true;
  }
  PerfRequest request;
  if (o.requests > 0) {
    request.mode = PerfRequest::Mode::Requests;
    request.response_size = o.size;
  } else if (o.reverse) {
    request.mode = PerfRequest::Mode::Download;
    request.bytes = o.bytes;
    request.seconds = o.time;
    request.hash = o.bytes > 0;
  } else if (o.time > 0 || o.bytes > 0 || !o.send_file.empty()) {
    request.mode = PerfRequest::Mode::Upload;
    request.hash = o.bytes > 0 || !o.send_file.empty();
  } else {
    request.mode = PerfRequest::Mode::Stream;
  }
  if (!o.server_scheduler.empty()) {
    if (o.server_scheduler.ends_with(".progmp")) {
      auto text = read_file(o.server_scheduler, error);
      if (!text) fail(cannot_read_message(o.server_scheduler, error).substr(8));
      request.scheduler_source = *text;
    } else {
      request.scheduler = o.server_scheduler;
    }
  }

  bool known = true;
  if (const auto kernel = parse_transport_name(o.transport.transport, known)) {
    run_kernel(o, *kernel, paths, request);
    return;
  }
  if (o.server_key.empty()) fail("--server-key is required (the server's public key, printed by progmp keygen)");
  auto server_key = net::load_public_key(o.server_key, error);
  if (!server_key) fail("--server-key: " + error);
  transport::crypto::KeyPair identity;
  if (!o.key.empty()) {
    auto k = net::load_key_pair(o.key, error);
    if (!k) fail(error);
    identity = *k;
  } else {
    net::SystemRandom random;
    identity = transport::crypto::generate_key_pair(random);
  }
  std::vector<std::pair<int, std::int64_t>> registers;
  for (const std::string& r : o.registers) registers.push_back(parse_register(r));

  // ---- the node and the connection ----
  net::NodeOptions options = node_options(o.transport, identity, false);
  options.endpoint.handshake_timeout = transport::Duration::nanos(static_cast<std::int64_t>(o.connect_timeout * 1e9));
  auto node = net::Node::create(options, error);
  if (!node) fail(error);
  node->endpoint().runtime().set_log([](std::string_view line) { std::cerr << line << '\n'; });
  const std::string scheduler = use_scheduler(node->endpoint().runtime(), o.scheduler, "connect");
  const transport::ConnHandle conn = node->connect(paths, *server_key, error);
  if (conn == 0) fail(error);
  for (const auto& [k, v] : registers) node->set_register(conn, k, v);
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  ::signal(SIGPIPE, SIG_IGN);
  Client client(o, std::move(node), conn, request, scheduler);
  const int status = client.run();
  if (status != 0) throw CLI::RuntimeError(status);
}

}  // namespace

void add_connect_command(CLI::App& app) {
  auto opt = std::make_shared<ConnectOptions>();
  CLI::App* cmd = app.add_subcommand("connect", "Open an encrypted multipath connection to progmp serve and transfer data");
  cmd->add_option("SERVER", opt->server, "The server's ADDR:PORT (the remote of paths that name none)")->type_name("");
  cmd->add_option("--server-key", opt->server_key,
                  "The server's public key, or a file holding it (required but with --transport tcp|kernel-mptcp)")
      ->type_name("KEY|FILE");
  cmd->add_option("--key", opt->key, "This client's key pair file (default: a new key for this run)")->type_name("FILE");
  cmd->add_option("--path", opt->paths,
                  "A path LOCAL[@DEVICE]=REMOTE, e.g. 127.0.0.2=127.0.0.1:4433 or 10.0.0.5@wlan0=server:4433 "
                  "(repeatable; default: one path from any address to SERVER)")
      ->type_name("LOCAL=REMOTE");
  cmd->add_option("--backup", opt->backup, "Make path N (1-based, in --path order) a backup path (repeatable)")
      ->type_name("N");
  cmd->add_option("--scheduler", opt->scheduler, "Scheduler of this side's sending: a library name or a .progmp file")
      ->type_name("NAME|FILE");
  cmd->add_option("--server-scheduler", opt->server_scheduler,
                  "Scheduler of the server's sending: a library name, or a .progmp file (if the server allows it)")
      ->type_name("NAME|FILE");
  cmd->add_option("--register", opt->registers, "Set a scheduler register, e.g. R1=5000 (repeatable)")->type_name("Rk=V");
  cmd->add_option("--time", opt->time, "Upload (or with --reverse: download) for S seconds")
      ->check(CLI::Range(0.001, 86400.0))
      ->type_name("S");
  cmd->add_option("--bytes", opt->bytes, "Upload (or download) N bytes; the SHA-256 of what arrived is checked")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 50))
      ->type_name("N");
  cmd->add_flag("--reverse", opt->reverse, "The server sends (with --time or --bytes)");
  cmd->add_option("--send-file", opt->send_file, "Upload a file; the server reports its SHA-256")->type_name("PATH");
  cmd->add_option("--requests", opt->requests, "N sequential requests of 100 bytes, each answered by --size bytes")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}))
      ->type_name("N");
  cmd->add_option("--size", opt->size, "Response size of --requests (default 1000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32))
      ->type_name("B");
  cmd->add_option("--interval", opt->interval, "Seconds between the per-path reports (default 1)")
      ->check(CLI::Range(0.05, 3600.0))
      ->type_name("S");
  cmd->add_option("--connect-timeout", opt->connect_timeout, "Give up if the server does not answer within S seconds (default 5)")
      ->check(CLI::Range(0.1, 600.0))
      ->type_name("S");
  cmd->add_flag("--json", opt->json, "Print one JSON object (with the per-interval reports) instead of tables");
  add_transport_flags(cmd, opt->transport);
  cmd->callback([opt] { run_connect(*opt); });
}

}  // namespace progmp::tools
