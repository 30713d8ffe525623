// The UDP driver of the transport Endpoint (node.hpp): sockets, GSO staging, the timer, the drop switch.
#include "progmp/net/node.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cstring>

#include "progmp/net/clock.hpp"
#include "progmp/net/poller.hpp"
#include "progmp/net/system_random.hpp"

namespace progmp::net {

namespace {

using transport::Instant;

constexpr std::uint64_t kTimerToken = std::uint64_t{1} << 40;
constexpr std::size_t kSlots = 16;              // GSO batches staged at once (one per path and segment size)
constexpr std::size_t kReadBatchesPerSocket = 8;  // per process(), so one busy socket does not starve the others

struct Interface {
  UdpSocket socket;
  SocketAddress local;
  std::string request;  // what the application asked to bind (local text + device): paths that ask the same share it
  std::string device;
  bool want_write = false;
};

// One GSO batch being assembled: datagrams of one route, all of `segment` bytes but possibly a shorter last one.
struct Slot {
  std::uint32_t interface = 0;
  transport::Address remote;
  SocketAddress to;
  std::size_t segment = 0;
  std::size_t count = 0;
  std::size_t bytes = 0;
  bool closed = false;  // a shorter datagram ended it
  std::size_t region = 0;
};

}  // namespace

struct Node::Impl {
  NodeOptions options;
  SystemRandom random;
  std::unique_ptr<transport::Endpoint> endpoint;
  Poller poller;
  Timer timer;
  std::vector<Interface> interfaces;
  RecvBatch batch;
  std::vector<std::byte> scratch;
  std::size_t region_bytes = 0;
  std::vector<std::byte> arena;
  std::vector<Slot> slots;           // staged, in order
  std::vector<std::size_t> free_regions;
  std::vector<UdpSocket::OutMessage> out;
  std::vector<std::size_t> out_slots;
  bool blocked = false;
  std::optional<Instant> armed;
  NodeCounters counters;
  DropFilter* drop = nullptr;

  Impl(NodeOptions o, Poller p, Timer t) : options(std::move(o)), poller(std::move(p)), timer(std::move(t)) {}

  Instant clock() const { return Instant::from_nanos(monotonic_now_ns()); }

  std::optional<std::uint32_t> add_interface(const SocketAddress& local, const std::string& device,
                                             const std::string& request, std::string& error) {
    auto s = UdpSocket::bind(local, [&] {
      UdpSocketOptions so = options.socket;
      so.device = device;
      return so;
    }(), error);
    if (!s) return std::nullopt;
    const auto index = static_cast<std::uint32_t>(interfaces.size());
    if (!poller.add(s->fd(), EPOLLIN, index)) {
      error = "epoll: cannot watch the socket of " + s->local_address().to_string();
      return std::nullopt;
    }
    Interface i{std::move(*s), {}, request, device, false};
    i.local = i.socket.local_address();
    interfaces.push_back(std::move(i));
    return index;
  }

  // The interface a client path uses: an existing socket bound as asked, or a new one.
  std::optional<std::uint32_t> interface_for(const PathConfig& p, std::string& error) {
    if (p.remote.is_unspecified()) {
      error = "a path needs a remote address";
      return std::nullopt;
    }
    const std::string request = p.local + "%" + p.device;
    for (std::uint32_t i = 0; i < interfaces.size(); ++i)
      if (interfaces[i].request == request && interfaces[i].local.family() == p.remote.family()) return i;
    SocketAddress local;
    if (p.local.empty()) {
      local = SocketAddress::any(p.remote.family(), 0);
    } else {
      std::string text = p.local;
      // A bare address binds an ephemeral port.
      const bool bracketed = !text.empty() && text.front() == '[';
      const bool has_port = bracketed ? text.find("]:") != std::string::npos
                                      : std::count(text.begin(), text.end(), ':') == 1;
      if (!has_port) {
        if (!bracketed && text.find(':') != std::string::npos) text = "[" + text + "]";
        text += ":0";
      }
      auto parsed = SocketAddress::parse(text, error, true);
      if (!parsed) {
        error = "local address '" + p.local + "': " + error;
        return std::nullopt;
      }
      local = *parsed;
    }
    if (local.family() != p.remote.family()) {
      error = "local address " + local.to_string() + " and remote address " + p.remote.to_string() +
              " are of different families (IPv4 and IPv6)";
      return std::nullopt;
    }
    return add_interface(local, p.device, request, error);
  }

  void read_socket(std::uint32_t index, Instant now) {
    Interface& i = interfaces[index];
    for (std::size_t round = 0; round < kReadBatchesPerSocket; ++round) {
      const std::size_t n = i.socket.receive(batch);
      if (n == 0) break;
      for (std::size_t m = 0; m < n; ++m) {
        const RecvBatch::Message msg = batch[m];
        if (*drop && (*drop)(index, msg.from, false)) {
          ++counters.dropped_by_filter;
          continue;
        }
        const transport::Route from{index, transport::Address(msg.from.key_bytes())};
        UdpSocket::for_each_datagram(msg, [&](std::span<const std::byte> d) {
          ++counters.datagrams_in;
          endpoint->handle_datagram(now, from, d);
        });
      }
      flush(now);  // keep the ACK clock going between batches
      if (n < batch.capacity()) break;
    }
    counters.kernel_drops = 0;
    for (const Interface& x : interfaces) counters.kernel_drops += x.socket.kernel_drops();
  }

  // Puts one datagram (in `scratch`) into a GSO batch of its route.
  void stage(const transport::Transmit& t) {
    for (Slot& s : slots) {
      if (s.closed || s.interface != t.route.interface || !(s.remote == t.route.remote)) continue;
      if (t.size > s.segment || s.count >= UdpSocket::kMaxGsoSegments ||
          s.bytes + t.size > UdpSocket::kMaxGsoBytes) {
        s.closed = true;  // a new batch for this route follows
        continue;
      }
      std::memcpy(arena.data() + s.region + s.bytes, scratch.data(), t.size);
      s.bytes += t.size;
      ++s.count;
      if (t.size < s.segment) s.closed = true;
      return;
    }
    if (free_regions.empty()) send_staged();
    if (free_regions.empty()) return;  // cannot happen: send_staged frees regions unless blocked, and then we stop
    Slot s;
    s.interface = t.route.interface;
    s.remote = t.route.remote;
    s.to = SocketAddress::from_key_bytes(t.route.remote.bytes());
    s.segment = t.size;
    s.count = 1;
    s.bytes = t.size;
    s.region = free_regions.back();
    free_regions.pop_back();
    std::memcpy(arena.data() + s.region, scratch.data(), t.size);
    slots.push_back(s);
  }

  // Sends every staged batch, socket by socket; what the kernel refuses stays staged (blocked).
  void send_staged() {
    for (std::uint32_t iface = 0; iface < interfaces.size() && !slots.empty(); ++iface) {
      out.clear();
      out_slots.clear();
      for (std::size_t k = 0; k < slots.size(); ++k) {
        const Slot& s = slots[k];
        if (s.interface != iface) continue;
        out.push_back(UdpSocket::OutMessage{&s.to, std::span<const std::byte>(arena.data() + s.region, s.bytes),
                                            static_cast<std::uint16_t>(s.count > 1 ? s.segment : 0)});
        out_slots.push_back(k);
      }
      if (out.empty()) continue;
      Interface& i = interfaces[iface];
      const std::size_t sent = i.socket.send(out);
      ++counters.send_calls;
      for (std::size_t k = 0; k < sent; ++k) {
        Slot& s = slots[out_slots[k]];
        counters.datagrams_out += s.count;
        if (s.count > 1) ++counters.gso_messages;
        free_regions.push_back(s.region);
        s.count = 0;  // sent: removed below
      }
      if (sent < out.size() && !i.want_write) {
        ++counters.blocked;
        i.want_write = true;
        poller.modify(i.socket.fd(), EPOLLIN | EPOLLOUT, iface);
      } else if (sent == out.size() && i.want_write) {
        i.want_write = false;
        poller.modify(i.socket.fd(), EPOLLIN, iface);
      }
    }
    std::erase_if(slots, [](const Slot& s) { return s.count == 0; });
    blocked = !slots.empty();
  }

  void flush(Instant now) {
    if (blocked) {
      send_staged();
      if (blocked) {
        rearm();
        return;
      }
    }
    std::size_t staged = 0;
    while (auto t = endpoint->poll_transmit(now, scratch)) {
      if (*drop) {
        const SocketAddress to = SocketAddress::from_key_bytes(t->route.remote.bytes());
        if ((*drop)(t->route.interface, to, true)) {
          ++counters.dropped_by_filter;
          continue;
        }
      }
      if (t->route.interface >= interfaces.size()) continue;
      stage(*t);
      // A bounded burst per flush: the rest goes after the kernel has taken this (and after new input).
      if (++staged >= kSlots * UdpSocket::kMaxGsoSegments / 2) {
        send_staged();
        staged = 0;
        if (blocked) break;
      }
    }
    send_staged();
    rearm();
  }

  void rearm() {
    const std::optional<Instant> next = endpoint->next_timeout();
    if (next == armed) return;
    armed = next;
    if (next) timer.arm_at(next->ns_since_epoch());
    else timer.disarm();
  }
};

std::unique_ptr<Node> Node::create(NodeOptions options, std::string& error) {
  auto poller = Poller::create(error);
  if (!poller) return nullptr;
  auto timer = Timer::create(error);
  if (!timer) return nullptr;
  if (!poller->add(timer->fd(), EPOLLIN, kTimerToken)) {
    error = "epoll: cannot watch the timer";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*poller), std::move(*timer));
  impl->endpoint = std::make_unique<transport::Endpoint>(impl->options.endpoint, impl->random);
  const std::size_t datagram = transport::max_datagram_size(impl->options.endpoint.transport.mss);
  impl->scratch.resize(datagram);
  impl->region_bytes = UdpSocket::kMaxGsoBytes + datagram;
  impl->arena.resize(kSlots * impl->region_bytes);
  for (std::size_t k = kSlots; k-- > 0;) impl->free_regions.push_back(k * impl->region_bytes);
  impl->slots.reserve(kSlots);
  impl->out.reserve(kSlots);
  impl->out_slots.reserve(kSlots);
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), endpoint_(impl_->endpoint.get()) {
  impl_->drop = &drop_;
}

Node::~Node() = default;

std::optional<SocketAddress> Node::listen(const SocketAddress& local, const std::string& device, std::string& error) {
  auto index = impl_->add_interface(local, device, local.to_string() + "%" + device, error);
  if (!index) return std::nullopt;
  return impl_->interfaces[*index].local;
}

transport::ConnHandle Node::connect(std::span<const PathConfig> paths, const transport::crypto::PublicKey& server_key,
                                    std::string& error) {
  if (paths.empty()) {
    error = "a connection needs at least one path";
    return 0;
  }
  std::vector<transport::PathSpec> specs;
  for (const PathConfig& p : paths) {
    auto iface = impl_->interface_for(p, error);
    if (!iface) return 0;
    specs.push_back(transport::PathSpec{transport::Route{*iface, transport::Address(p.remote.key_bytes())}, p.backup});
  }
  const Instant now = impl_->clock();
  const transport::ConnHandle c = endpoint_->connect(now, specs.front(), server_key);
  if (c == 0) {
    error = "too many connections";
    return 0;
  }
  for (std::size_t i = 1; i < specs.size(); ++i) endpoint_->add_path(c, now, specs[i]);
  impl_->flush(now);
  return c;
}

runtime::SubflowId Node::add_path(transport::ConnHandle conn, const PathConfig& path, std::string& error) {
  auto iface = impl_->interface_for(path, error);
  if (!iface) return 0;
  const Instant now = impl_->clock();
  const runtime::SubflowId id = endpoint_->add_path(
      conn, now, transport::PathSpec{transport::Route{*iface, transport::Address(path.remote.key_bytes())}, path.backup});
  if (id == 0) error = "the connection cannot take another path (unknown, closed, or 32 paths already)";
  impl_->flush(now);
  return id;
}

bool Node::remove_path(transport::ConnHandle conn, runtime::SubflowId subflow) {
  const Instant now = impl_->clock();
  const bool ok = endpoint_->remove_path(conn, now, subflow);
  impl_->flush(now);
  return ok;
}

bool Node::set_backup(transport::ConnHandle conn, runtime::SubflowId subflow, bool backup) {
  const Instant now = impl_->clock();
  const bool ok = endpoint_->set_backup(conn, now, subflow, backup);
  impl_->flush(now);
  return ok;
}

runtime::SendResult Node::send(transport::ConnHandle conn, std::span<const std::byte> data,
                               runtime::SendOptions options) {
  const Instant now = impl_->clock();
  const runtime::SendResult r = endpoint_->send(conn, now, data, options);
  impl_->flush(now);
  return r;
}

transport::RecvResult Node::recv(transport::ConnHandle conn, std::span<std::byte> out) {
  const Instant now = impl_->clock();
  const transport::RecvResult r = endpoint_->recv(conn, now, out);
  if (r.bytes > 0) impl_->flush(now);  // a window update may go out
  return r;
}

bool Node::close(transport::ConnHandle conn) {
  const Instant now = impl_->clock();
  const bool ok = endpoint_->close(conn, now);
  impl_->flush(now);
  return ok;
}

void Node::abort(transport::ConnHandle conn, transport::wire::CloseCode code) {
  const Instant now = impl_->clock();
  endpoint_->abort(conn, now, code);
  impl_->flush(now);
}

void Node::release(transport::ConnHandle conn) { endpoint_->release(conn); }

runtime::Status Node::set_scheduler(transport::ConnHandle conn, std::string_view name) {
  const Instant now = impl_->clock();
  const runtime::Status s = endpoint_->set_scheduler(conn, now, name);
  impl_->flush(now);
  return s;
}

runtime::Status Node::set_register(transport::ConnHandle conn, int k, std::int64_t value) {
  const Instant now = impl_->clock();
  const runtime::Status s = endpoint_->set_register(conn, now, k, value);
  impl_->flush(now);
  return s;
}

std::optional<transport::Event> Node::poll_event() { return endpoint_->poll_event(); }

std::optional<std::pair<SocketAddress, SocketAddress>> Node::path_addresses(transport::ConnHandle conn,
                                                                            runtime::SubflowId subflow) const {
  transport::PathInfo info;
  if (!endpoint_->path_info(conn, subflow, info) || info.route.interface >= impl_->interfaces.size())
    return std::nullopt;
  return std::pair{impl_->interfaces[info.route.interface].local,
                   SocketAddress::from_key_bytes(info.route.remote.bytes())};
}

int Node::fd() const { return impl_->poller.fd(); }

void Node::process() {
  Impl& m = *impl_;
  std::array<PollEvent, 64> events;
  const std::size_t n = m.poller.wait(events, 0);
  const Instant now = m.clock();
  for (std::size_t i = 0; i < n; ++i) {
    const PollEvent& e = events[i];
    if (e.token == kTimerToken) {
      m.timer.consume();
      m.armed.reset();  // fired: re-arm below whatever it is now
      continue;
    }
    if (e.token >= m.interfaces.size()) continue;
    if (e.events & EPOLLIN) m.read_socket(static_cast<std::uint32_t>(e.token), now);
  }
  const Instant later = m.clock();
  if (const auto next = endpoint_->next_timeout(); next && *next <= later) endpoint_->handle_timeout(later);
  m.flush(later);
}

void Node::wait(int timeout_ms) {
  if (endpoint_->pending_events() > 0) {
    process();
    return;
  }
  std::array<PollEvent, 1> ignored;
  // epoll reports readiness without consuming it; process() then does the work.
  impl_->poller.wait(ignored, timeout_ms);
  process();
}

transport::Instant Node::now() const { return impl_->clock(); }

const NodeCounters& Node::counters() const { return impl_->counters; }

bool Node::gso_enabled() const {
  for (const auto& i : impl_->interfaces)
    if (!i.socket.gso_enabled()) return false;
  return !impl_->interfaces.empty();
}

bool Node::gro_enabled() const {
  for (const auto& i : impl_->interfaces)
    if (!i.socket.gro_enabled()) return false;
  return !impl_->interfaces.empty();
}

}  // namespace progmp::net
