#include "receive_stream.hpp"

#include <algorithm>
#include <cstring>

namespace progmp::transport {

namespace {

// Bytes of [start, end) not yet covered by the range list.
std::uint64_t uncovered(const std::vector<SeqRange>& v, std::uint64_t start, std::uint64_t end) {
  std::uint64_t covered = 0;
  for (const SeqRange& r : v) {
    if (r.start >= end) break;
    const std::uint64_t a = std::max(r.start, start), b = std::min(r.end, end);
    if (a < b) covered += b - a;
  }
  return (end - start) - covered;
}

}  // namespace

void insert_range(std::vector<SeqRange>& v, std::uint64_t start, std::uint64_t end) {
  auto it = std::lower_bound(v.begin(), v.end(), start, [](const SeqRange& r, std::uint64_t s) { return r.end < s; });
  if (it == v.end() || it->start > end) {
    v.insert(it, SeqRange{start, end});
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

ReceiveStream::ReceiveStream(std::uint64_t capacity) {
  ring_.resize(std::max<std::uint64_t>(capacity, 1));
  have_.reserve(256);
}

bool ReceiveStream::on_data(std::uint64_t offset, std::span<const std::byte> payload) {
  const std::uint64_t end = offset + payload.size();
  if (end <= received_) {
    duplicate_bytes_ += payload.size();
    return false;
  }
  if (end > window_end()) {
    out_of_window_bytes_ += payload.size();
    return false;
  }
  if (offset < received_) {  // partly old
    duplicate_bytes_ += received_ - offset;
    payload = payload.subspan(received_ - offset);
    offset = received_;
  }
  const std::uint64_t fresh = uncovered(have_, offset, end);
  duplicate_bytes_ += payload.size() - fresh;
  if (fresh == 0) return false;
  store(offset, payload);
  insert_range(have_, offset, end);
  if (have_.front().start != received_) return false;
  received_ = have_.front().end;
  have_.erase(have_.begin());
  return true;
}

bool ReceiveStream::on_fin(std::uint64_t offset) {
  if (fin_ && *fin_ != offset) return false;
  if (offset < received_) return false;  // the peer sent bytes beyond its own end
  fin_ = offset;
  return true;
}

void ReceiveStream::store(std::uint64_t offset, std::span<const std::byte> payload) {
  const std::size_t n = ring_.size();
  const std::size_t at = offset % n;
  const std::size_t first = std::min(payload.size(), n - at);
  std::memcpy(ring_.data() + at, payload.data(), first);
  if (first < payload.size()) std::memcpy(ring_.data(), payload.data() + first, payload.size() - first);
}

std::size_t ReceiveStream::read(std::span<std::byte> out) {
  const std::size_t n = ring_.size();
  std::size_t done = 0;
  while (done < out.size() && read_ < received_) {
    const std::size_t at = read_ % n;
    const std::size_t len = static_cast<std::size_t>(
        std::min<std::uint64_t>({received_ - read_, n - at, out.size() - done}));
    std::memcpy(out.data() + done, ring_.data() + at, len);
    read_ += len;
    done += len;
  }
  return done;
}

}  // namespace progmp::transport
