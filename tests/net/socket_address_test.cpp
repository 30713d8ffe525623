// SocketAddress: numeric parsing of every accepted form and a precise message for every malformed one, printing,
// identity (equality, hash, key_bytes) that ignores padding and flow labels, and name resolution.
#include "progmp/net/socket_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>

#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

namespace progmp::net {
namespace {

SocketAddress must_parse(std::string_view text, bool allow_port_zero = false) {
  std::string error;
  auto a = SocketAddress::parse(text, error, allow_port_zero);
  EXPECT_TRUE(a.has_value()) << text << ": " << error;
  return a.value_or(SocketAddress());
}

std::string parse_error(std::string_view text, bool allow_port_zero = false) {
  std::string error;
  auto a = SocketAddress::parse(text, error, allow_port_zero);
  EXPECT_FALSE(a.has_value()) << text << " parsed as " << (a ? a->to_string() : "");
  return error;
}

std::vector<std::byte> key(const SocketAddress& a) { return {a.key_bytes().begin(), a.key_bytes().end()}; }

TEST(SocketAddress, ParsesAndPrintsIpv4) {
  const SocketAddress a = must_parse("127.0.0.1:443");
  EXPECT_EQ(a.family(), AF_INET);
  EXPECT_FALSE(a.is_ipv6());
  EXPECT_EQ(a.port(), 443);
  EXPECT_EQ(a.size(), sizeof(sockaddr_in));
  EXPECT_EQ(a.to_string(), "127.0.0.1:443");
  const auto* in = reinterpret_cast<const sockaddr_in*>(a.data());
  EXPECT_EQ(ntohl(in->sin_addr.s_addr), 0x7f000001u);
  EXPECT_EQ(must_parse("1.2.3.4:65535").to_string(), "1.2.3.4:65535");
}

TEST(SocketAddress, ParsesAndPrintsIpv6) {
  const SocketAddress a = must_parse("[::1]:443");
  EXPECT_EQ(a.family(), AF_INET6);
  EXPECT_TRUE(a.is_ipv6());
  EXPECT_EQ(a.port(), 443);
  EXPECT_EQ(a.size(), sizeof(sockaddr_in6));
  EXPECT_EQ(a.to_string(), "[::1]:443");
  EXPECT_EQ(must_parse("[2001:DB8:0:0::7]:1").to_string(), "[2001:db8::7]:1");
}

TEST(SocketAddress, ParsesScopedIpv6ByInterfaceName) {
  const SocketAddress scoped = must_parse("[fe80::1%lo]:443");
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(scoped.data());
  EXPECT_EQ(in6->sin6_scope_id, if_nametoindex("lo"));
  EXPECT_NE(in6->sin6_scope_id, 0u);
  EXPECT_EQ(scoped.to_string(), "[fe80::1%lo]:443");
  const SocketAddress unscoped = must_parse("[fe80::1]:443");
  EXPECT_NE(scoped, unscoped);
  EXPECT_NE(key(scoped), key(unscoped));
  // A numeric scope is accepted too and printed by name.
  EXPECT_EQ(must_parse("[fe80::1%" + std::to_string(if_nametoindex("lo")) + "]:443"), scoped);
}

TEST(SocketAddress, PortZeroOnlyWhenAllowed) {
  EXPECT_EQ(parse_error("127.0.0.1:0"), "port '0' is not in 1..65535");
  const SocketAddress a = must_parse("127.0.0.1:0", true);
  EXPECT_EQ(a.port(), 0);
  EXPECT_EQ(must_parse("[::1]:0", true).port(), 0);
  EXPECT_EQ(parse_error("127.0.0.1:65536", true), "port '65536' is not in 0..65535");
}

TEST(SocketAddress, EveryMalformedFormHasItsMessage) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", "empty address (expected HOST:PORT)"},
      {"1.2.3.4", "'1.2.3.4' has no port (expected HOST:PORT)"},
      {"1.2.3.4:99999", "port '99999' is not in 1..65535"},
      {"1.2.3.4:99999999999999999999", "port '99999999999999999999' is not in 1..65535"},
      {"1.2.3.4:", "'1.2.3.4:' has an empty port (expected HOST:PORT)"},
      {"1.2.3.4:8x", "port '8x' is not a decimal number"},
      {"1.2.3.4:-1", "port '-1' is not a decimal number"},
      {":80", "':80' has no host (expected HOST:PORT)"},
      {"1.2.3:80", "'1.2.3' is not a numeric IPv4 address (write IPv6 as [HOST]:PORT)"},
      {"localhost:80", "'localhost' is not a numeric IPv4 address (write IPv6 as [HOST]:PORT)"},
      {"::1:80", "'::1:80' is an IPv6 address without brackets (expected [HOST]:PORT)"},
      {"[::1:80", "'[::1:80' lacks ']'"},
      {"[::1]", "'[::1]' has no port (expected [HOST]:PORT)"},
      {"[::1]80", "'[::1]80' has '80' after ']' (expected ':PORT')"},
      {"[]:80", "'[]:80' has no host (expected HOST:PORT)"},
      {"[1.2.3.4]:80", "'1.2.3.4' is not a numeric IPv6 address"},
      {"[fe80::1%]:80", "'[fe80::1%]:80' has an empty scope after '%'"},
      {"[fe80::1%nosuchif0]:80", "'[fe80::1%nosuchif0]:80' names interface 'nosuchif0', which does not exist"},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_error(c.text), c.error) << c.text;
}

TEST(SocketAddress, EqualityAndHashIgnorePaddingAndFlowLabel) {
  sockaddr_in in;
  std::memset(&in, 0xab, sizeof in);  // garbage in sin_zero
  in.sin_family = AF_INET;
  in.sin_port = htons(9000);
  inet_pton(AF_INET, "10.0.0.7", &in.sin_addr);
  const SocketAddress from_kernel(reinterpret_cast<const sockaddr*>(&in), sizeof in);
  const SocketAddress parsed = must_parse("10.0.0.7:9000");
  EXPECT_EQ(from_kernel, parsed);
  EXPECT_EQ(from_kernel.hash(), parsed.hash());
  EXPECT_EQ(key(from_kernel), key(parsed));

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(9000);
  in6.sin6_flowinfo = htonl(0x12345);
  inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
  const SocketAddress v6(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  EXPECT_EQ(v6, must_parse("[2001:db8::1]:9000"));
  EXPECT_EQ(v6.hash(), must_parse("[2001:db8::1]:9000").hash());

  EXPECT_NE(parsed, must_parse("10.0.0.7:9001"));
  EXPECT_NE(parsed, must_parse("10.0.0.8:9000"));

  std::unordered_set<SocketAddress> set;
  set.insert(parsed);
  set.insert(from_kernel);
  set.insert(v6);
  set.insert(must_parse("10.0.0.7:9001"));
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.contains(must_parse("[2001:db8::1]:9000")));
}

TEST(SocketAddress, KeyBytesAreCanonical) {
  const SocketAddress a = must_parse("192.0.2.1:443");
  EXPECT_EQ(a.key_bytes().size(), 7u);
  const std::vector<std::byte> expected = {std::byte{4}, std::byte{0x01}, std::byte{0xbb}, std::byte{192},
                                           std::byte{0}, std::byte{2},    std::byte{1}};
  EXPECT_EQ(key(a), expected);

  // Stable across copies, and the copy's key lives in the copy.
  SocketAddress copy = a;
  EXPECT_EQ(key(copy), key(a));
  EXPECT_NE(copy.key_bytes().data(), a.key_bytes().data());
  const SocketAddress moved = std::move(copy);
  EXPECT_EQ(key(moved), expected);

  EXPECT_NE(key(a), key(a.with_port(444)));
  EXPECT_NE(key(a), key(must_parse("192.0.2.2:443")));
  // Same 32 bits, different families.
  const SocketAddress mapped = must_parse("[::ffff:192.0.2.1]:443");
  EXPECT_EQ(mapped.key_bytes().size(), 23u);
  EXPECT_NE(key(a), key(mapped));
  EXPECT_NE(a, mapped);
  EXPECT_EQ(key(must_parse("[::1]:443")), key(must_parse("[0:0::1]:443")));
  EXPECT_NE(key(must_parse("[::1]:443")), key(must_parse("[::2]:443")));
  EXPECT_LE(mapped.key_bytes().size(), SocketAddress::kMaxKeyBytes);
}

TEST(SocketAddress, WithPortAndAny) {
  const SocketAddress a = must_parse("127.0.0.1:1");
  const SocketAddress b = a.with_port(2);
  EXPECT_EQ(b.to_string(), "127.0.0.1:2");
  EXPECT_EQ(b, must_parse("127.0.0.1:2"));
  EXPECT_EQ(a.port(), 1);
  EXPECT_EQ(must_parse("[::1]:1").with_port(7).to_string(), "[::1]:7");
  EXPECT_EQ(SocketAddress::any(AF_INET, 53).to_string(), "0.0.0.0:53");
  EXPECT_EQ(SocketAddress::any(AF_INET6, 0).to_string(), "[::]:0");
  EXPECT_EQ(SocketAddress::any(AF_INET6, 0), must_parse("[::]:0", true));
}

TEST(SocketAddress, UnspecifiedAndForeignFamilies) {
  const SocketAddress none;
  EXPECT_TRUE(none.is_unspecified());
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.to_string(), "(unspecified)");
  EXPECT_TRUE(none.key_bytes().empty());
  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_TRUE(SocketAddress(&unix_like, sizeof unix_like).is_unspecified());
  sockaddr_in short_in{};
  short_in.sin_family = AF_INET;
  EXPECT_TRUE(SocketAddress(reinterpret_cast<const sockaddr*>(&short_in), 4).is_unspecified());
}

TEST(SocketAddress, ResolvesNamesAndNumbers) {
  std::string error;
  const auto local = SocketAddress::resolve("localhost:80", error);
  ASSERT_TRUE(local.has_value()) << error;
  EXPECT_EQ(local->port(), 80);
  EXPECT_TRUE(local->to_string() == "127.0.0.1:80" || local->to_string() == "[::1]:80") << local->to_string();

  const auto numeric = SocketAddress::resolve("[::1]:53", error);
  ASSERT_TRUE(numeric.has_value()) << error;
  EXPECT_EQ(numeric->to_string(), "[::1]:53");

  EXPECT_FALSE(SocketAddress::resolve("localhost", error));
  EXPECT_EQ(error, "'localhost' has no port (expected HOST:PORT)");
  EXPECT_FALSE(SocketAddress::resolve("localhost:99999", error));
  EXPECT_EQ(error, "port '99999' is not in 1..65535");
  EXPECT_FALSE(SocketAddress::resolve("[::1:80", error));
  EXPECT_EQ(error, "'[::1:80' lacks ']'");
  EXPECT_FALSE(SocketAddress::resolve("no-such-host.invalid:80", error));
  EXPECT_EQ(error.rfind("cannot resolve 'no-such-host.invalid': ", 0), 0u) << error;
}

}  // namespace
}  // namespace progmp::net
