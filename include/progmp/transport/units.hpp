// Strong time, size and rate types for the sans-IO transport: Instant, Duration, Bytes, DataRate, and their literals
// in progmp::literals (10_ms, 5_us, 1_s, 50_mbps, 1500_B).
//
// Why strong types: a transport mixes nanoseconds, microseconds, bytes, segments and bits per second in the same
// expressions. htsim's plain typedefs let `rtt + cwnd` compile; here it does not (units_test.cpp proves it with
// requires-expressions). Time is an input (ARCHITECTURE.md "Sans-IO core"), so nothing here reads a clock.
//
// Representation and limits:
//   * Instant and Duration are signed 64-bit nanoseconds (±292 years). Instant's epoch is whatever the driver picks
//     (the simulator: scenario start; the UDP driver: a monotonic clock); only differences between Instants mean
//     anything, so there is no Instant + Instant.
//   * Bytes is an unsigned 64-bit count. Subtracting a larger count is a precondition violation (asserted), because
//     a negative size always means a bookkeeping bug in the caller; use saturating_sub where "0 at least" is meant.
//   * DataRate is unsigned 64-bit bits per second (SI prefixes: 1 Mbit/s = 10^6 bit/s, as link rates are quoted).
// Arithmetic that could overflow (literals, transmission_time) is checked: literals at compile time, conversions by
// saturation, as stated at each function.
#pragma once

#include <cassert>
#include <compare>
#include <cstdint>
#include <iosfwd>
#include <limits>

namespace progmp::transport {

class Duration {
 public:
  constexpr Duration() = default;
  // The scaled factories do not check for overflow; literals (below) do.
  static constexpr Duration nanos(std::int64_t ns) { return Duration(ns); }
  static constexpr Duration micros(std::int64_t us) { return Duration(us * 1'000); }
  static constexpr Duration millis(std::int64_t ms) { return Duration(ms * 1'000'000); }
  static constexpr Duration seconds(std::int64_t s) { return Duration(s * 1'000'000'000); }
  static constexpr Duration zero() { return Duration(0); }
  // Stands for "never" / "unbounded" (e.g. the transmission time at rate zero).
  static constexpr Duration max() { return Duration(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t ns() const { return ns_; }
  constexpr std::int64_t us() const { return ns_ / 1'000; }  // truncates toward zero
  constexpr std::int64_t ms() const { return ns_ / 1'000'000; }
  constexpr double as_seconds() const { return static_cast<double>(ns_) / 1e9; }

  constexpr Duration operator-() const { return Duration(-ns_); }
  constexpr Duration& operator+=(Duration d) { ns_ += d.ns_; return *this; }
  constexpr Duration& operator-=(Duration d) { ns_ -= d.ns_; return *this; }
  friend constexpr Duration operator+(Duration a, Duration b) { return Duration(a.ns_ + b.ns_); }
  friend constexpr Duration operator-(Duration a, Duration b) { return Duration(a.ns_ - b.ns_); }
  friend constexpr Duration operator*(Duration a, std::int64_t k) { return Duration(a.ns_ * k); }
  friend constexpr Duration operator*(std::int64_t k, Duration a) { return Duration(a.ns_ * k); }
  friend constexpr Duration operator/(Duration a, std::int64_t k) { return Duration(a.ns_ / k); }
  // How many whole b fit into a (truncating), as std::chrono does.
  friend constexpr std::int64_t operator/(Duration a, Duration b) { return a.ns_ / b.ns_; }
  friend constexpr auto operator<=>(Duration, Duration) = default;

 private:
  explicit constexpr Duration(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

class Instant {
 public:
  constexpr Instant() = default;  // the driver's epoch
  static constexpr Instant from_nanos(std::int64_t ns) { return Instant(ns); }
  static constexpr Instant epoch() { return Instant(0); }

  constexpr std::int64_t ns_since_epoch() const { return ns_; }

  constexpr Instant& operator+=(Duration d) { ns_ += d.ns(); return *this; }
  constexpr Instant& operator-=(Duration d) { ns_ -= d.ns(); return *this; }
  friend constexpr Instant operator+(Instant t, Duration d) { return Instant(t.ns_ + d.ns()); }
  friend constexpr Instant operator+(Duration d, Instant t) { return Instant(t.ns_ + d.ns()); }
  friend constexpr Instant operator-(Instant t, Duration d) { return Instant(t.ns_ - d.ns()); }
  friend constexpr Duration operator-(Instant a, Instant b) { return Duration::nanos(a.ns_ - b.ns_); }
  friend constexpr auto operator<=>(Instant, Instant) = default;

 private:
  explicit constexpr Instant(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

class Bytes {
 public:
  constexpr Bytes() = default;
  explicit constexpr Bytes(std::uint64_t n) : n_(n) {}
  static constexpr Bytes max() { return Bytes(std::numeric_limits<std::uint64_t>::max()); }

  constexpr std::uint64_t count() const { return n_; }

  constexpr Bytes& operator+=(Bytes b) { n_ += b.n_; return *this; }
  constexpr Bytes& operator-=(Bytes b) { assert(b.n_ <= n_); n_ -= b.n_; return *this; }
  friend constexpr Bytes operator+(Bytes a, Bytes b) { return Bytes(a.n_ + b.n_); }
  friend constexpr Bytes operator-(Bytes a, Bytes b) { assert(b.n_ <= a.n_); return Bytes(a.n_ - b.n_); }
  friend constexpr Bytes operator*(Bytes a, std::uint64_t k) { return Bytes(a.n_ * k); }
  friend constexpr Bytes operator*(std::uint64_t k, Bytes a) { return Bytes(a.n_ * k); }
  friend constexpr Bytes operator/(Bytes a, std::uint64_t k) { return Bytes(a.n_ / k); }
  // How many whole b fit into a, e.g. a window in segments: cwnd / mss.
  friend constexpr std::uint64_t operator/(Bytes a, Bytes b) { return a.n_ / b.n_; }
  friend constexpr auto operator<=>(Bytes, Bytes) = default;

 private:
  std::uint64_t n_ = 0;
};

// max(a − b, 0): for "what is left", where running out is normal rather than a bug.
constexpr Bytes saturating_sub(Bytes a, Bytes b) { return a > b ? a - b : Bytes(0); }

class DataRate {
 public:
  constexpr DataRate() = default;
  static constexpr DataRate bits_per_second(std::uint64_t bps) { return DataRate(bps); }
  constexpr std::uint64_t bps() const { return bps_; }

  // Time to serialise `size` at this rate, rounded up to the next nanosecond: a packet has not left the link until
  // its last bit has. Duration::max() at rate zero and when the result exceeds the Duration range.
  constexpr Duration transmission_time(Bytes size) const {
    if (bps_ == 0) return Duration::max();
    // 128-bit intermediate: bytes × 8 × 10^9 overflows 64 bits from about 2.3 GB on.
    __extension__ using u128 = unsigned __int128;
    const u128 ns = (static_cast<u128>(size.count()) * 8 * 1'000'000'000 + bps_ - 1) / bps_;
    if (ns > static_cast<u128>(std::numeric_limits<std::int64_t>::max())) return Duration::max();
    return Duration::nanos(static_cast<std::int64_t>(ns));
  }

  // Whole bytes this rate serialises in `d` (rounded down); 0 for d <= 0; Bytes::max() if it would overflow.
  constexpr Bytes bytes_in(Duration d) const {
    if (d <= Duration::zero()) return Bytes(0);
    __extension__ using u128 = unsigned __int128;
    const u128 bytes = static_cast<u128>(bps_) * static_cast<u128>(d.ns()) / (u128{8} * 1'000'000'000u);
    if (bytes > static_cast<u128>(std::numeric_limits<std::uint64_t>::max())) return Bytes::max();
    return Bytes(static_cast<std::uint64_t>(bytes));
  }

  friend constexpr auto operator<=>(DataRate, DataRate) = default;

 private:
  explicit constexpr DataRate(std::uint64_t bps) : bps_(bps) {}
  std::uint64_t bps_ = 0;
};

// For test failure messages and traces: "10ms"-style with the unit that keeps the value exact.
std::ostream& operator<<(std::ostream& os, Duration d);
std::ostream& operator<<(std::ostream& os, Instant t);
std::ostream& operator<<(std::ostream& os, Bytes b);
std::ostream& operator<<(std::ostream& os, DataRate r);

}  // namespace progmp::transport

// Literals. They are consteval so that an out-of-range literal (99999999999_s) is a compile error, not a wrap.
namespace progmp::literals {

namespace detail {
consteval std::int64_t checked_scale(unsigned long long v, std::int64_t unit) {
  if (v > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max() / unit)) {
    throw "time literal out of range";  // not a constant expression → compile error
  }
  return static_cast<std::int64_t>(v) * unit;
}
consteval std::uint64_t checked_scale_u(unsigned long long v, std::uint64_t unit) {
  if (v > std::numeric_limits<std::uint64_t>::max() / unit) throw "literal out of range";
  return v * unit;
}
}  // namespace detail

consteval transport::Duration operator""_ns(unsigned long long v) {
  return transport::Duration::nanos(detail::checked_scale(v, 1));
}
consteval transport::Duration operator""_us(unsigned long long v) {
  return transport::Duration::nanos(detail::checked_scale(v, 1'000));
}
consteval transport::Duration operator""_ms(unsigned long long v) {
  return transport::Duration::nanos(detail::checked_scale(v, 1'000'000));
}
consteval transport::Duration operator""_s(unsigned long long v) {
  return transport::Duration::nanos(detail::checked_scale(v, 1'000'000'000));
}

consteval transport::Bytes operator""_B(unsigned long long v) { return transport::Bytes(v); }
consteval transport::Bytes operator""_KiB(unsigned long long v) {
  return transport::Bytes(detail::checked_scale_u(v, 1024));
}
consteval transport::Bytes operator""_MiB(unsigned long long v) {
  return transport::Bytes(detail::checked_scale_u(v, 1024 * 1024));
}

consteval transport::DataRate operator""_bps(unsigned long long v) { return transport::DataRate::bits_per_second(v); }
consteval transport::DataRate operator""_kbps(unsigned long long v) {
  return transport::DataRate::bits_per_second(detail::checked_scale_u(v, 1'000));
}
consteval transport::DataRate operator""_mbps(unsigned long long v) {
  return transport::DataRate::bits_per_second(detail::checked_scale_u(v, 1'000'000));
}
consteval transport::DataRate operator""_gbps(unsigned long long v) {
  return transport::DataRate::bits_per_second(detail::checked_scale_u(v, 1'000'000'000));
}

}  // namespace progmp::literals
