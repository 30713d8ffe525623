// The blocking application API (host.hpp): a Node behind a mutex, driven by one I/O thread; application threads
// wait on a condition variable that the I/O thread signals after each batch of events.
#include "progmp/net/host.hpp"

#include <poll.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "progmp/net/poller.hpp"
#include "progmp/net/system_random.hpp"

namespace progmp::net {

namespace {

using Clock = std::chrono::steady_clock;
using transport::ConnHandle;
using transport::EventKind;

// Deadline `timeout` from now, saturating (milliseconds::max() means "forever").
Clock::time_point deadline(std::chrono::milliseconds timeout) {
  const auto now = Clock::now();
  if (timeout > std::chrono::hours(24 * 365)) return Clock::time_point::max();
  return now + timeout;
}

}  // namespace

HostOptions HostOptions::with_new_key() {
  SystemRandom random;
  return with_key(transport::crypto::generate_key_pair(random));
}

HostOptions HostOptions::with_key(const transport::crypto::KeyPair& identity) {
  HostOptions o;
  o.node.endpoint.identity = identity;
  o.node.endpoint.accept_connections = true;
  o.node.endpoint.transport.mss = 1350;
  o.node.endpoint.transport.pacing = true;
  o.node.endpoint.transport.path_timeout = transport::Duration::millis(500);
  return o;
}

struct Host::Impl {
  std::unique_ptr<Node> node;
  Waker waker;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<ConnHandle> accepted;
  struct State {
    bool connected = false;
    bool closed = false;
  };
  std::map<ConnHandle, State> states;
  bool stop = false;
  std::thread io;

  Impl(std::unique_ptr<Node> n, Waker w) : node(std::move(n)), waker(std::move(w)) {}

  void run() {
    while (true) {
      pollfd fds[2] = {{node->fd(), POLLIN, 0}, {waker.fd(), POLLIN, 0}};
      ::poll(fds, 2, 100);
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stop) return;
        waker.drain();
        node->process();
        dispatch();
      }
      cv.notify_all();
    }
  }

  // Called with `mu` held: records what the application waits for.
  void dispatch() {
    while (auto e = node->poll_event()) {
      State& s = states[e->conn];
      switch (e->kind) {
        case EventKind::Accepted:
          s.connected = true;
          accepted.push_back(e->conn);
          break;
        case EventKind::Connected:
          s.connected = true;
          break;
        case EventKind::Closed:
          s.closed = true;
          break;
        default:
          break;
      }
    }
  }

  // Waits on the condition variable until `done()` (with `lock` held) or the deadline; the I/O thread signals.
  template <class Done>
  bool wait(std::unique_lock<std::mutex>& lock, Clock::time_point until, Done done) {
    while (!done()) {
      if (until == Clock::time_point::max()) cv.wait(lock);
      else if (cv.wait_until(lock, until) == std::cv_status::timeout) return done();
    }
    return true;
  }
};

std::unique_ptr<Host> Host::start(HostOptions options, std::string& error) {
  auto node = Node::create(std::move(options.node), error);
  if (!node) return nullptr;
  auto waker = Waker::create(error);
  if (!waker) return nullptr;
  node->endpoint().runtime().set_log([](std::string_view) {});
  auto impl = std::make_unique<Impl>(std::move(node), std::move(*waker));
  Impl* raw = impl.get();
  impl->io = std::thread([raw] { raw->run(); });
  return std::unique_ptr<Host>(new Host(std::move(impl)));
}

Host::Host(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Host::~Host() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& [conn, s] : impl_->states)
      if (!s.closed) impl_->node->abort(conn);
    impl_->stop = true;
  }
  impl_->waker.wake();
  impl_->io.join();
}

std::optional<SocketAddress> Host::listen(const SocketAddress& local, std::string& error) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto bound = impl_->node->listen(local, "", error);
  impl_->waker.wake();
  return bound;
}

std::unique_ptr<Stream> Host::accept(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (!impl_->wait(lock, deadline(timeout), [&] { return !impl_->accepted.empty(); })) return nullptr;
  const ConnHandle c = impl_->accepted.front();
  impl_->accepted.pop_front();
  return std::unique_ptr<Stream>(new Stream(*this, c));
}

std::unique_ptr<Stream> Host::connect(std::span<const PathConfig> paths,
                                      const transport::crypto::PublicKey& server_key, std::string& error,
                                      std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  const ConnHandle c = impl_->node->connect(paths, server_key, error);
  if (c == 0) return nullptr;
  impl_->states[c];
  impl_->waker.wake();
  const bool done = impl_->wait(lock, deadline(timeout), [&] {
    const Impl::State& s = impl_->states[c];
    return s.connected || s.closed;
  });
  const Impl::State s = impl_->states[c];
  if (!done || !s.connected) {
    const auto info = impl_->node->endpoint().info(c);
    error = info.close_reason ? std::string(transport::close_reason_name(*info.close_reason))
                              : "no answer from the server within the timeout";
    if (!s.closed) impl_->node->abort(c);
    impl_->node->release(c);
    impl_->states.erase(c);
    return nullptr;
  }
  return std::unique_ptr<Stream>(new Stream(*this, c));
}

runtime::LoadResult Host::load_scheduler(std::string_view name, std::string_view source) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->node->endpoint().runtime().load_scheduler(name, source);
}

const transport::crypto::PublicKey& Host::public_key() const {
  return impl_->node->endpoint().config().identity.public_key;
}

// ---- Stream ----

Stream::~Stream() {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  Host::Impl& m = *host_.impl_;
  // An application that drops a stream it did not close aborts it; a closed one is forgotten.
  if (!m.states[conn_].closed) m.node->abort(conn_);
  m.node->release(conn_);
  m.states.erase(conn_);
}

std::size_t Stream::write(std::span<const std::byte> data, std::int64_t tag) {
  Host::Impl& m = *host_.impl_;
  std::unique_lock<std::mutex> lock(m.mu);
  std::size_t done = 0;
  while (done < data.size()) {
    const runtime::SendResult r = m.node->send(conn_, data.subspan(done), runtime::SendOptions{tag, true});
    done += r.accepted;
    if (r.status != runtime::Status::Ok || m.states[conn_].closed) break;
    if (done < data.size()) m.cv.wait(lock);  // the I/O thread signals after each batch of acknowledgements
  }
  return done;
}

std::size_t Stream::read(std::span<std::byte> out) {
  Host::Impl& m = *host_.impl_;
  std::unique_lock<std::mutex> lock(m.mu);
  while (true) {
    const transport::RecvResult r = m.node->recv(conn_, out);
    if (r.bytes > 0 || r.fin || m.states[conn_].closed) return r.bytes;
    m.cv.wait(lock);
  }
}

std::size_t Stream::read_exactly(std::span<std::byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t n = read(out.subspan(done));
    if (n == 0) break;
    done += n;
  }
  return done;
}

void Stream::close() {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  host_.impl_->node->close(conn_);
}

void Stream::abort() {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  host_.impl_->node->abort(conn_);
}

bool Stream::wait_closed(std::chrono::milliseconds timeout) {
  Host::Impl& m = *host_.impl_;
  std::unique_lock<std::mutex> lock(m.mu);
  return m.wait(lock, deadline(timeout), [&] { return m.states[conn_].closed; });
}

bool Stream::set_scheduler(std::string_view name) {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  return host_.impl_->node->set_scheduler(conn_, name) == runtime::Status::Ok;
}

bool Stream::set_register(int k, std::int64_t value) {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  return host_.impl_->node->set_register(conn_, k, value) == runtime::Status::Ok;
}

bool Stream::set_backup(runtime::SubflowId path, bool backup) {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  return host_.impl_->node->set_backup(conn_, path, backup);
}

runtime::SubflowId Stream::add_path(const PathConfig& path, std::string& error) {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  return host_.impl_->node->add_path(conn_, path, error);
}

bool Stream::remove_path(runtime::SubflowId path) {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  return host_.impl_->node->remove_path(conn_, path);
}

transport::ConnectionInfo Stream::info() const {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  return host_.impl_->node->endpoint().info(conn_);
}

std::vector<transport::PathInfo> Stream::paths() const {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  std::vector<transport::PathInfo> out;
  const transport::Endpoint& e = host_.impl_->node->endpoint();
  for (runtime::SubflowId id : e.subflow_ids(conn_)) {
    transport::PathInfo p;
    if (e.path_info(conn_, id, p)) out.push_back(p);
  }
  return out;
}

runtime::ConnectionStats Stream::scheduler_stats() const {
  std::lock_guard<std::mutex> lock(host_.impl_->mu);
  runtime::ConnectionStats s;
  host_.impl_->node->endpoint().runtime().connection_stats(conn_, s);
  return s;
}

}  // namespace progmp::net
