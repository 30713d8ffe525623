// The unit types: which expressions compile (checked at compile time with requires-expressions), literal values,
// and the rate conversions, with expected values worked out by hand in the comments.
#include "progmp/transport/units.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>

namespace progmp::transport {
namespace {

using namespace progmp::literals;

// A requires-expression is only SFINAE-friendly inside a template, so the probes are concepts.
template <class A, class B>
concept Addable = requires(A a, B b) { a + b; };
template <class A, class B>
concept Subtractable = requires(A a, B b) { a - b; };
template <class A, class B>
concept Multipliable = requires(A a, B b) { a * b; };
template <class A, class B>
concept Comparable = requires(A a, B b) { a < b; };
template <class A, class B>
concept AddAssignable = requires(A a, B b) { a += b; };

// The point of the types: a time cannot be added to a byte count, nor a rate to either.
static_assert(!Addable<Duration, Bytes>);
static_assert(!Addable<Bytes, Duration>);
static_assert(!Addable<Instant, Bytes>);
static_assert(!Addable<DataRate, Duration>);
static_assert(!Addable<DataRate, Bytes>);
static_assert(!Subtractable<Bytes, Duration>);
static_assert(!Comparable<Duration, Bytes>);
static_assert(!Comparable<Instant, Duration>);
static_assert(!AddAssignable<Bytes, Duration>);
static_assert(!AddAssignable<Duration, Bytes>);
// Instants are points: their difference is a Duration, but they do not add.
static_assert(!Addable<Instant, Instant>);
static_assert(std::is_same_v<decltype(Instant{} - Instant{}), Duration>);
static_assert(std::is_same_v<decltype(Instant{} + Duration{}), Instant>);
static_assert(std::is_same_v<decltype(Duration{} + Instant{}), Instant>);
static_assert(std::is_same_v<decltype(Instant{} - Duration{}), Instant>);
static_assert(!Subtractable<Duration, Instant>);
static_assert(!Multipliable<Instant, std::int64_t>);
static_assert(!Multipliable<Duration, Duration>);
// No silent conversions from or to raw integers.
static_assert(!std::is_convertible_v<std::int64_t, Duration>);
static_assert(!std::is_convertible_v<std::uint64_t, Bytes>);
static_assert(!std::is_convertible_v<Duration, std::int64_t>);
static_assert(!std::is_convertible_v<Bytes, std::uint64_t>);
static_assert(!Addable<Bytes, int>);
static_assert(!Addable<Duration, int>);
// The operations that do make sense.
static_assert(Addable<Bytes, Bytes> && Addable<Duration, Duration>);
static_assert(std::is_same_v<decltype(Bytes{} / Bytes{1}), std::uint64_t>);
static_assert(std::is_same_v<decltype(Duration{} / Duration::nanos(1)), std::int64_t>);

// Literals are constant expressions with the expected values.
static_assert(10_ms == Duration::nanos(10'000'000));
static_assert(5_us == Duration::nanos(5'000));
static_assert(1_s == Duration::nanos(1'000'000'000));
static_assert(7_ns == Duration::nanos(7));
static_assert(1500_B == Bytes(1500));
static_assert(4_MiB == Bytes(4 * 1024 * 1024));
static_assert(64_KiB == Bytes(65536));
static_assert(50_mbps == DataRate::bits_per_second(50'000'000));
static_assert(2_gbps == DataRate::bits_per_second(2'000'000'000));
static_assert(300_kbps == DataRate::bits_per_second(300'000));
static_assert(1_s + 500_ms == 1500_ms);
// Largest representable second literal: floor((2^63 − 1) / 10^9) = 9223372036 s (≈ 292 years); one more would not
// compile (not shown: a failing static_assert cannot be tested in a passing build).
static_assert(9223372036_s > 1_s);

TEST(Units, InstantArithmetic) {
  const Instant t0 = Instant::from_nanos(1'000);
  const Instant t1 = t0 + 10_ms;
  EXPECT_EQ(t1 - t0, 10_ms);
  EXPECT_EQ(t0 - t1, -(10_ms));
  EXPECT_EQ(t1 - 10_ms, t0);
  EXPECT_LT(t0, t1);
  Instant t = t0;
  t += 1_s;
  t -= 500_ms;
  EXPECT_EQ(t - t0, 500_ms);
  EXPECT_EQ(t1.ns_since_epoch(), 10'001'000);
}

TEST(Units, DurationArithmeticAndConversions) {
  EXPECT_EQ(10_ms * 3, 30_ms);
  EXPECT_EQ(3 * 10_ms, 30_ms);
  EXPECT_EQ(30_ms / 4, 7500_us);
  EXPECT_EQ(1_s / 300_ms, 3);  // whole 300 ms periods in 1 s
  EXPECT_EQ((1_s + 1_ns).us(), 1'000'000);
  EXPECT_EQ(Duration::micros(-1'500).ms(), -1);  // truncation toward zero
  EXPECT_DOUBLE_EQ((250_ms).as_seconds(), 0.25);
  EXPECT_EQ(Duration::millis(2), 2_ms);
  EXPECT_EQ(Duration::seconds(2), 2_s);
  EXPECT_EQ(Duration::micros(2), 2_us);
}

TEST(Units, BytesArithmetic) {
  EXPECT_EQ(1500_B + 500_B, 2000_B);
  EXPECT_EQ(1500_B - 500_B, 1000_B);
  EXPECT_EQ(1500_B * 10, 15000_B);
  EXPECT_EQ(15000_B / 10, 1500_B);
  EXPECT_EQ(15000_B / 1500_B, 10u);
  EXPECT_EQ(saturating_sub(100_B, 300_B), 0_B);
  EXPECT_EQ(saturating_sub(300_B, 100_B), 200_B);
  Bytes b = 10_B;
  b += 5_B;
  b -= 3_B;
  EXPECT_EQ(b, 12_B);
}

TEST(Units, TransmissionTime) {
  // 1500 B · 8 bit/B = 12000 bit; at 50·10^6 bit/s: 12000 / 5·10^7 s = 2.4·10^-4 s = 240 µs exactly.
  EXPECT_EQ((50_mbps).transmission_time(1500_B), 240_us);
  // 1 B = 8 bit at 3 bit/s = 2.666… s, rounded up to 2666666667 ns (the last bit must have left).
  EXPECT_EQ((3_bps).transmission_time(1_B), Duration::nanos(2'666'666'667));
  // 1 Gbit/s: 1 bit per ns, so 1 B takes 8 ns.
  EXPECT_EQ((1_gbps).transmission_time(1_B), 8_ns);
  EXPECT_EQ((1_gbps).transmission_time(0_B), 0_ns);
  // Rate zero never finishes.
  EXPECT_EQ(DataRate{}.transmission_time(1_B), Duration::max());
  // 2^60 B at 1 bit/s = 2^63 · 10^9 ns, far beyond int64: saturates instead of wrapping.
  EXPECT_EQ((1_bps).transmission_time(Bytes(std::uint64_t{1} << 60)), Duration::max());
  // 10 GB (> 2.3 GB, where bytes · 8 · 10^9 leaves 64 bits) at 80 Gbit/s: 8·10^10 bit / 8·10^10 bit/s = 1 s.
  EXPECT_EQ((80_gbps).transmission_time(Bytes(10'000'000'000)), 1_s);
}

TEST(Units, BytesInDuration) {
  // 50 Mbit/s for 20 ms = 10^6 bit = 125000 B (one BDP of the calibration path).
  EXPECT_EQ((50_mbps).bytes_in(20_ms), 125000_B);
  // 1 kbit/s for 1 ms = 1 bit: rounds down to 0 B.
  EXPECT_EQ((1_kbps).bytes_in(1_ms), 0_B);
  EXPECT_EQ((1_kbps).bytes_in(-(1_s)), 0_B);
}

TEST(Units, StreamOutputKeepsValuesExact) {
  std::ostringstream os;
  os << 10_ms << ' ' << 1500_us << ' ' << 7_ns << ' ' << 2_s << ' ' << 1500_B << ' ' << 50_mbps << ' '
     << 1500_bps << ' ' << (Instant::epoch() + 3_ms);
  EXPECT_EQ(os.str(), "10ms 1500us 7ns 2s 1500B 50mbps 1500bps t+3ms");
}

}  // namespace
}  // namespace progmp::transport
