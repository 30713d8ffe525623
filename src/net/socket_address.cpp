#include "progmp/net/socket_address.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace progmp::net {

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

// A decimal port; 0 only if allowed. Messages name the port as written.
std::optional<std::uint16_t> parse_port(std::string_view text, std::string_view whole, bool allow_port_zero,
                                        std::string& error) {
  if (text.empty()) {
    error = quoted(whole) + " has an empty port (expected HOST:PORT)";
    return std::nullopt;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      error = "port " + quoted(text) + " is not a decimal number";
      return std::nullopt;
    }
  }
  const char* range = allow_port_zero ? " is not in 0..65535" : " is not in 1..65535";
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535 || (value == 0 && !allow_port_zero)) {
    error = "port " + quoted(text) + range;
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// The textual form split into host and port, without interpreting the host.
struct Split {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
};

std::optional<Split> split_host_port(std::string_view text, std::string& error) {
  if (text.empty()) {
    error = "empty address (expected HOST:PORT)";
    return std::nullopt;
  }
  Split s;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      error = quoted(text) + " lacks ']'";
      return std::nullopt;
    }
    s.host = text.substr(1, close - 1);
    s.bracketed = true;
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) {
      error = quoted(text) + " has no port (expected [HOST]:PORT)";
      return std::nullopt;
    }
    if (rest.front() != ':') {
      error = quoted(text) + " has " + quoted(rest) + " after ']' (expected ':PORT')";
      return std::nullopt;
    }
    s.port = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      error = quoted(text) + " has no port (expected HOST:PORT)";
      return std::nullopt;
    }
    s.host = text.substr(0, colon);
    if (s.host.find(':') != std::string_view::npos) {
      error = quoted(text) + " is an IPv6 address without brackets (expected [HOST]:PORT)";
      return std::nullopt;
    }
    s.port = text.substr(colon + 1);
  }
  if (s.host.empty()) {
    error = quoted(text) + " has no host (expected HOST:PORT)";
    return std::nullopt;
  }
  return s;
}

}  // namespace

SocketAddress::SocketAddress() {
  std::memset(&storage_, 0, sizeof storage_);
  storage_.ss_family = AF_UNSPEC;
}

SocketAddress::SocketAddress(const sockaddr* address, socklen_t length) : SocketAddress() {
  if (address == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t))) return;
  sa_family_t family;
  std::memcpy(&family, reinterpret_cast<const char*>(address) + offsetof(sockaddr, sa_family), sizeof family);
  if (family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, address, sizeof in);
    sockaddr_in clean{};
    clean.sin_family = AF_INET;
    clean.sin_port = in.sin_port;
    clean.sin_addr = in.sin_addr;
    std::memcpy(&storage_, &clean, sizeof clean);
    length_ = sizeof clean;
  } else if (family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    sockaddr_in6 clean{};
    clean.sin6_family = AF_INET6;
    clean.sin6_port = in6.sin6_port;
    clean.sin6_addr = in6.sin6_addr;
    clean.sin6_scope_id = in6.sin6_scope_id;
    std::memcpy(&storage_, &clean, sizeof clean);
    length_ = sizeof clean;
  } else {
    return;
  }
  build_key();
}

SocketAddress SocketAddress::from_key_bytes(std::span<const std::byte> key) {
  if (key.size() == 7 && key[0] == std::byte{4}) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    std::memcpy(&in.sin_port, key.data() + 1, 2);
    std::memcpy(&in.sin_addr, key.data() + 3, 4);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&in), sizeof in);
  }
  if (key.size() == 23 && key[0] == std::byte{6}) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    std::memcpy(&in6.sin6_port, key.data() + 1, 2);
    std::memcpy(&in6.sin6_addr, key.data() + 3, 16);
    std::uint32_t scope = 0;
    std::memcpy(&scope, key.data() + 19, 4);
    in6.sin6_scope_id = ntohl(scope);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  }
  return SocketAddress();
}

void SocketAddress::build_key() {
  key_.fill(std::byte{0});
  key_length_ = 0;
  auto put = [this](const void* p, std::size_t n) {
    std::memcpy(key_.data() + key_length_, p, n);
    key_length_ = static_cast<std::uint8_t>(key_length_ + n);
  };
  if (storage_.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage_);
    const std::uint8_t tag = 4;
    put(&tag, 1);
    put(&in->sin_port, 2);  // already big-endian
    put(&in->sin_addr, 4);
  } else if (storage_.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    const std::uint8_t tag = 6;
    put(&tag, 1);
    put(&in6->sin6_port, 2);
    put(&in6->sin6_addr, 16);
    const std::uint32_t scope = htonl(in6->sin6_scope_id);
    put(&scope, 4);
  }
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text, std::string& error, bool allow_port_zero) {
  const auto split = split_host_port(text, error);
  if (!split) return std::nullopt;
  const auto port = parse_port(split->port, text, allow_port_zero, error);
  if (!port) return std::nullopt;

  if (!split->bracketed) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(*port);
    const std::string host(split->host);
    if (inet_pton(AF_INET, host.c_str(), &in.sin_addr) != 1) {
      error = quoted(host) + " is not a numeric IPv4 address (write IPv6 as [HOST]:PORT)";
      return std::nullopt;
    }
    return SocketAddress(reinterpret_cast<const sockaddr*>(&in), sizeof in);
  }

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(*port);
  std::string_view address = split->host;
  const auto percent = address.find('%');
  if (percent != std::string_view::npos) {
    const std::string zone(address.substr(percent + 1));
    address = address.substr(0, percent);
    if (zone.empty()) {
      error = quoted(text) + " has an empty scope after '%'";
      return std::nullopt;
    }
    unsigned index = if_nametoindex(zone.c_str());
    if (index == 0) {
      std::uint32_t number = 0;
      auto [end, ec] = std::from_chars(zone.data(), zone.data() + zone.size(), number);
      if (ec == std::errc{} && end == zone.data() + zone.size() && number != 0) {
        index = number;
      } else {
        error = quoted(text) + " names interface " + quoted(zone) + ", which does not exist";
        return std::nullopt;
      }
    }
    in6.sin6_scope_id = index;
  }
  const std::string host(address);
  if (inet_pton(AF_INET6, host.c_str(), &in6.sin6_addr) != 1) {
    error = quoted(host) + " is not a numeric IPv6 address";
    return std::nullopt;
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
}

std::optional<SocketAddress> SocketAddress::resolve(std::string_view host_port, std::string& error,
                                                    bool allow_port_zero) {
  if (auto numeric = parse(host_port, error, allow_port_zero)) return numeric;
  // Not numeric. Only "NAME:PORT" with a valid port goes to DNS; any other failure keeps parse()'s message.
  const auto split = split_host_port(host_port, error);
  if (!split || split->bracketed) return std::nullopt;
  std::string port_error;
  const auto port = parse_port(split->port, host_port, allow_port_zero, port_error);
  if (!port) return std::nullopt;

  const std::string host(split->host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    error = "cannot resolve " + quoted(host) + ": " + gai_strerror(rc);
    if (rc == EAI_SYSTEM) error += std::string(" (") + std::strerror(errno) + ")";
    return std::nullopt;
  }
  std::optional<SocketAddress> found;
  for (const addrinfo* ai = result; ai != nullptr && !found; ai = ai->ai_next) {
    SocketAddress a(ai->ai_addr, ai->ai_addrlen);
    if (!a.is_unspecified()) found = a.with_port(*port);
  }
  freeaddrinfo(result);
  if (!found) error = "cannot resolve " + quoted(host) + ": no IPv4 or IPv6 address";
  return found;
}

SocketAddress SocketAddress::any(int family, std::uint16_t port) {
  if (family == AF_INET6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_addr = in6addr_any;
    in6.sin6_port = htons(port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  }
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_ANY);
  in.sin_port = htons(port);
  return SocketAddress(reinterpret_cast<const sockaddr*>(&in), sizeof in);
}

SocketAddress SocketAddress::with_port(std::uint16_t port) const {
  SocketAddress copy = *this;
  if (storage_.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&copy.storage_)->sin_port = htons(port);
  } else if (storage_.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&copy.storage_)->sin6_port = htons(port);
  } else {
    return copy;
  }
  copy.build_key();
  return copy;
}

std::uint16_t SocketAddress::port() const {
  if (storage_.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (storage_.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (storage_.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage_);
    inet_ntop(AF_INET, &in->sin_addr, buffer, sizeof buffer);
    return std::string(buffer) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (storage_.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    inet_ntop(AF_INET6, &in6->sin6_addr, buffer, sizeof buffer);
    std::string out = "[";
    out += buffer;
    if (in6->sin6_scope_id != 0) {
      char name[IF_NAMESIZE] = {};
      out += '%';
      out +=
          if_indextoname(in6->sin6_scope_id, name) != nullptr ? std::string(name) : std::to_string(in6->sin6_scope_id);
    }
    out += "]:" + std::to_string(ntohs(in6->sin6_port));
    return out;
  }
  return "(unspecified)";
}

std::size_t SocketAddress::hash() const {
  // FNV-1a over the canonical key, then a final avalanche so that nearby ports spread over buckets.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::byte b : key_bytes()) h = (h ^ static_cast<std::uint8_t>(b)) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

}  // namespace progmp::net
