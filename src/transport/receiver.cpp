#include "progmp/transport/receiver.hpp"

#include <algorithm>
#include <cstring>

#include "progmp/transport/wire.hpp"

namespace progmp::transport {

namespace {

constexpr std::size_t kMaxPaths = 64;  // JOINs beyond this are ignored (runtime.md §3.2 allows 32 available)

// Inserts [start, end) into an ascending, disjoint, non-adjacent range list, merging neighbours.
template <class Range>
void insert_range(std::vector<Range>& v, std::uint64_t start, std::uint64_t end) {
  auto it = std::lower_bound(v.begin(), v.end(), start, [](const Range& r, std::uint64_t s) { return r.end < s; });
  if (it == v.end() || it->start > end) {
    v.insert(it, Range{start, end});
    return;
  }
  it->start = std::min(it->start, start);
  it->end = std::max(it->end, end);
  auto next = it + 1;
  while (next != v.end() && next->start <= it->end) {
    it->end = std::max(it->end, next->end);
    ++next;
  }
  v.erase(it + 1, next);
}

// Bytes of [start, end) not yet covered by the range list.
template <class Range>
std::uint64_t uncovered(const std::vector<Range>& v, std::uint64_t start, std::uint64_t end) {
  std::uint64_t covered = 0;
  for (const Range& r : v) {
    if (r.start >= end) break;
    const std::uint64_t a = std::max(r.start, start), b = std::min(r.end, end);
    if (a < b) covered += b - a;
  }
  return (end - start) - covered;
}

}  // namespace

Receiver::Receiver(ConnectionId connection, std::uint64_t token, TransportConfig config)
    : connection_(connection), token_(token), config_(std::move(config)) {
  ring_.resize(std::max<std::uint64_t>(config_.rcv_buf_bytes, config_.mss));
  have_.reserve(256);
  paths_.reserve(8);
}

Receiver::PathState* Receiver::find_path(PathId id) {
  for (auto& p : paths_)
    if (p.id == id) return &p;
  return nullptr;
}

bool Receiver::set_backup(PathId path, bool backup) {
  PathState* p = find_path(path);
  if (!p) return false;
  p->backup_to_send = backup;
  p->ack_now = true;
  return true;
}

bool Receiver::handle_datagram(Instant now, std::uint32_t interface, std::span<const std::byte> bytes) {
  ++counters_.datagrams_in;
  const wire::Decoded d = wire::decode(bytes);
  if (!d || d.datagram().header.connection != connection_) {
    ++counters_.datagrams_rejected;
    return false;
  }
  const PathId path_id = d.datagram().header.path;
  PathState* p = find_path(path_id);
  // A new path must open with a valid JOIN; validate before changing anything.
  if (!p) {
    bool join_ok = false;
    for (const wire::Frame& f : d.datagram().frames)
      if (const auto* j = std::get_if<wire::Join>(&f)) join_ok = j->token == token_;
    if (!join_ok || paths_.size() >= kMaxPaths) {
      ++counters_.datagrams_rejected;
      return false;
    }
    paths_.push_back(PathState{});
    p = &paths_.back();
    p->id = path_id;
    p->sacked.reserve(32);
  }
  p->interface = interface;  // answer where the path's datagrams come from
  std::optional<Instant> ts;
  for (const wire::Frame& f : d.datagram().frames) {
    if (const auto* t = std::get_if<wire::Timestamp>(&f)) {
      ts = t->sent;
    } else if (std::holds_alternative<wire::Join>(f) || std::holds_alternative<wire::Ping>(f)) {
      p->ack_now = true;
    } else if (const auto* data = std::get_if<wire::Data>(&f)) {
      if (data->fin) {
        fin_offset_ = data->data_offset + data->payload.size();
        p->ack_now = true;
      }
      on_data(*p, data->subflow_seq, data->data_offset, data->payload, now);
    }
  }
  if (ts) {
    p->echo = *ts;
    p->echo_arrival = now;
  }
  deliver();
  return true;
}

void Receiver::on_data(PathState& p, std::uint64_t seq, std::uint64_t offset, std::span<const std::byte> payload,
                       Instant now) {
  // Subflow level: cumulative + SACK; anything but the next expected segment is acknowledged at once
  // (RFC 5681 §4.2: out-of-order and hole-filling segments).
  if (seq < p.cumulative) {
    p.ack_now = true;  // duplicate
  } else if (seq == p.cumulative) {
    ++p.cumulative;
    if (!p.sacked.empty() && p.sacked.front().start == p.cumulative) {
      p.cumulative = p.sacked.front().end;
      p.sacked.erase(p.sacked.begin());
      p.ack_now = true;
    } else if (!p.sacked.empty()) {
      p.ack_now = true;
    }
    if (++p.unacked >= config_.ack_every) p.ack_now = true;
    if (!p.ack_now && !p.ack_deadline) p.ack_deadline = now + config_.ack_delay;
  } else {
    insert_range(p.sacked, seq, seq + 1);
    p.ack_now = true;
  }

  // Data level.
  const std::uint64_t end = offset + payload.size();
  const std::uint64_t window_end = data_ack_ + ring_.size();
  if (end <= data_ack_) {
    counters_.duplicate_bytes += payload.size();
    return;
  }
  if (end > window_end) {
    counters_.out_of_window_bytes += payload.size();
    return;
  }
  if (offset < data_ack_) {  // partly old
    counters_.duplicate_bytes += data_ack_ - offset;
    payload = payload.subspan(data_ack_ - offset);
    offset = data_ack_;
  }
  const std::uint64_t fresh = uncovered(have_, offset, end);
  counters_.duplicate_bytes += payload.size() - fresh;
  if (fresh == 0) return;
  store(offset, payload);
  insert_range(have_, offset, end);
}

void Receiver::store(std::uint64_t offset, std::span<const std::byte> payload) {
  const std::size_t n = ring_.size();
  const std::size_t at = offset % n;
  const std::size_t first = std::min(payload.size(), n - at);
  std::memcpy(ring_.data() + at, payload.data(), first);
  if (first < payload.size()) std::memcpy(ring_.data(), payload.data() + first, payload.size() - first);
}

void Receiver::deliver() {
  if (have_.empty() || have_.front().start != data_ack_) return;
  const std::uint64_t end = have_.front().end;
  have_.erase(have_.begin());
  const std::size_t n = ring_.size();
  while (data_ack_ < end) {
    const std::size_t at = data_ack_ % n;
    const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(end - data_ack_, n - at));
    if (sink_) sink_->on_data(data_ack_, std::span<const std::byte>(ring_.data() + at, len));
    data_ack_ += len;
  }
  // A new, larger data ACK and window: tell every path soon (piggybacked on the next ACK of each).
}

void Receiver::handle_timeout(Instant now) {
  for (auto& p : paths_)
    if (p.ack_deadline && *p.ack_deadline <= now) {
      p.ack_deadline.reset();
      p.ack_now = true;
    }
}

std::optional<Instant> Receiver::next_timeout() const {
  std::optional<Instant> t;
  for (const auto& p : paths_)
    if (p.ack_deadline && (!t || *p.ack_deadline < *t)) t = p.ack_deadline;
  return t;
}

std::optional<Transmit> Receiver::poll_transmit(Instant now, std::span<std::byte> buffer) {
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const std::size_t index = (next_path_ + i) % paths_.size();
    PathState& p = paths_[index];
    if (!p.ack_now) continue;
    auto w = wire::Writer::begin(buffer, wire::Header{connection_, p.id});
    if (!w) return std::nullopt;
    w->append(wire::Timestamp{now});
    wire::Ack ack;
    ack.cumulative = p.cumulative;
    ack.data_ack = data_ack_;
    ack.window_end = data_ack_ + ring_.size();
    ack.timestamp_echo = p.echo;
    const std::int64_t held = (now - p.echo_arrival).ns() / 1000;
    ack.ack_delay_us = static_cast<std::uint32_t>(std::clamp<std::int64_t>(held, 0, UINT32_MAX));
    for (const Range& r : p.sacked)
      if (!ack.add_sack(r.start, r.end)) break;  // the lowest holes first; later ACKs report the rest
    w->append(ack);
    if (p.backup_to_send) {
      w->append(wire::Backup{*p.backup_to_send});
      p.backup_to_send.reset();
    }
    p.ack_now = false;
    p.unacked = 0;
    p.ack_deadline.reset();
    next_path_ = (index + 1) % paths_.size();
    ++counters_.acks_sent;
    return Transmit{p.interface, w->size()};
  }
  return std::nullopt;
}

}  // namespace progmp::transport
