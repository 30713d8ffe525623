#include "handshake_params.hpp"

#include <algorithm>

namespace progmp::transport {

namespace {

constexpr std::uint8_t kLayoutVersion = 1;

template <class T>
void put(std::span<std::byte> out, std::size_t& at, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out[at + i] = std::byte(v >> (8 * (sizeof(T) - 1 - i)) & 0xFF);
  at += sizeof(T);
}

template <class T>
T get(std::span<const std::byte> in, std::size_t& at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | std::to_integer<T>(in[at + i]));
  at += sizeof(T);
  return v;
}

bool known_aead(std::uint8_t a) {
  return a == static_cast<std::uint8_t>(crypto::Aead::Null) ||
         a == static_cast<std::uint8_t>(crypto::Aead::ChaCha20Poly1305) ||
         a == static_cast<std::uint8_t>(crypto::Aead::Aes256Gcm);
}

}  // namespace

std::array<std::byte, kClientParamsSize> encode(const ClientParams& p) {
  std::array<std::byte, kClientParamsSize> out{};
  std::size_t at = 0;
  put(out, at, kLayoutVersion);
  put(out, at, p.aeads);
  put(out, at, p.idle_timeout_ms);
  put(out, at, p.receive_window);
  std::copy(p.reset_token.begin(), p.reset_token.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
  return out;
}

std::array<std::byte, kServerParamsSize> encode(const ServerParams& p) {
  std::array<std::byte, kServerParamsSize> out{};
  std::size_t at = 0;
  put(out, at, kLayoutVersion);
  put(out, at, static_cast<std::uint8_t>(p.status));
  put(out, at, static_cast<std::uint8_t>(p.aead));
  put(out, at, static_cast<std::uint64_t>(p.connection));
  put(out, at, p.idle_timeout_ms);
  put(out, at, p.receive_window);
  std::copy(p.reset_token.begin(), p.reset_token.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
  return out;
}

std::optional<ClientParams> decode_client_params(std::span<const std::byte> in) {
  if (in.size() != kClientParamsSize) return std::nullopt;
  std::size_t at = 0;
  if (get<std::uint8_t>(in, at) != kLayoutVersion) return std::nullopt;
  ClientParams p;
  p.aeads = get<std::uint8_t>(in, at);
  if (p.aeads == 0 || (p.aeads & ~0x07) != 0) return std::nullopt;  // bits of Null, ChaCha20-Poly1305, AES-256-GCM
  p.idle_timeout_ms = get<std::uint32_t>(in, at);
  p.receive_window = get<std::uint64_t>(in, at);
  std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(at), p.reset_token.size(), p.reset_token.begin());
  return p;
}

std::optional<ServerParams> decode_server_params(std::span<const std::byte> in) {
  if (in.size() != kServerParamsSize) return std::nullopt;
  std::size_t at = 0;
  if (get<std::uint8_t>(in, at) != kLayoutVersion) return std::nullopt;
  ServerParams p;
  const auto status = get<std::uint8_t>(in, at);
  if (status > static_cast<std::uint8_t>(HandshakeStatus::AeadMismatch)) return std::nullopt;
  p.status = static_cast<HandshakeStatus>(status);
  const auto aead = get<std::uint8_t>(in, at);
  if (!known_aead(aead)) return std::nullopt;
  p.aead = static_cast<crypto::Aead>(aead);
  p.connection = ConnectionId{get<std::uint64_t>(in, at)};
  p.idle_timeout_ms = get<std::uint32_t>(in, at);
  p.receive_window = get<std::uint64_t>(in, at);
  std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(at), p.reset_token.size(), p.reset_token.begin());
  return p;
}

}  // namespace progmp::transport
