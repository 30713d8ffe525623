// The payload of the unacknowledged part of the stream (runtime.md §3.3): one ring of bytes per connection,
// appended by send, released from the front by data acknowledgements, read by the transport when it transmits a
// copy. It grows (only in send) up to the send buffer size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

namespace progmp::runtime {

class PayloadBuffer {
 public:
  std::size_t size() const { return size_; }

  // Appends `n` bytes from `data`, or zeros when `data` is null.
  void append(const std::byte* data, std::size_t n) {
    if (size_ + n > buf_.size()) grow(size_ + n);
    std::size_t tail = (head_ + size_) % buf_.size();
    std::size_t done = 0;
    while (done < n) {
      const std::size_t chunk = std::min(n - done, buf_.size() - tail);
      if (data) std::memcpy(buf_.data() + tail, data + done, chunk);
      else std::memset(buf_.data() + tail, 0, chunk);
      done += chunk;
      tail = (tail + chunk) % buf_.size();
    }
    size_ += n;
  }

  void release_front(std::size_t n) {
    n = std::min(n, size_);
    if (n == 0) return;
    head_ = (head_ + n) % buf_.size();
    size_ -= n;
  }

  // Copies bytes [offset, offset + out.size()) of the buffered data, clipped; returns the count.
  std::size_t read(std::size_t offset, std::span<std::byte> out) const {
    if (offset >= size_) return 0;
    const std::size_t n = std::min(out.size(), size_ - offset);
    std::size_t pos = (head_ + offset) % buf_.size();
    std::size_t done = 0;
    while (done < n) {
      const std::size_t chunk = std::min(n - done, buf_.size() - pos);
      std::memcpy(out.data() + done, buf_.data() + pos, chunk);
      done += chunk;
      pos = (pos + chunk) % buf_.size();
    }
    return n;
  }

 private:
  void grow(std::size_t need) {
    std::size_t cap = std::max<std::size_t>(buf_.size() * 2, 4096);
    while (cap < need) cap *= 2;
    std::vector<std::byte> fresh(cap);
    read(0, std::span<std::byte>(fresh.data(), size_));
    buf_.swap(fresh);
    head_ = 0;
  }

  std::vector<std::byte> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace progmp::runtime
