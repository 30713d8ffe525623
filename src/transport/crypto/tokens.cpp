#include "progmp/transport/crypto/tokens.hpp"

#include <sodium.h>

#include <algorithm>

#include "detail.hpp"

namespace progmp::transport::crypto {

using detail::uc;

AddressTokens::AddressTokens(std::span<const std::byte, 32> key) {
  detail::ensure_sodium();
  std::copy(key.begin(), key.end(), key_.begin());
}

AddressTokens::~AddressTokens() { sodium_memzero(key_.data(), key_.size()); }

std::array<std::byte, 16> AddressTokens::mac(std::span<const std::byte, 16> prefix,
                                             std::span<const std::byte> address) const {
  std::array<std::byte, 16> out;
  crypto_generichash_state st;
  detail::require(crypto_generichash_init(&st, uc(key_.data()), key_.size(), out.size()) == 0);
  crypto_generichash_update(&st, uc(prefix.data()), prefix.size());
  crypto_generichash_update(&st, uc(address.data()), address.size());
  crypto_generichash_final(&st, uc(out.data()), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

std::array<std::byte, kAddressTokenBytes> AddressTokens::issue(std::span<const std::byte> address,
                                                               std::uint64_t original_cid, std::int64_t now_ns) const {
  std::array<std::byte, kAddressTokenBytes> token;
  detail::store_be64(token.data(), static_cast<std::uint64_t>(now_ns));
  detail::store_be64(token.data() + 8, original_cid);
  const auto tag = mac(std::span<const std::byte, 16>(token.data(), 16), address);
  std::copy(tag.begin(), tag.end(), token.begin() + 16);
  return token;
}

std::optional<std::uint64_t> AddressTokens::validate(std::span<const std::byte> token,
                                                     std::span<const std::byte> address, std::int64_t now_ns,
                                                     std::int64_t lifetime_ns) const {
  if (token.size() != kAddressTokenBytes || lifetime_ns < 0) return std::nullopt;
  const auto expected = mac(std::span<const std::byte, 16>(token.data(), 16), address);
  if (sodium_memcmp(uc(expected.data()), uc(token.data() + 16), expected.size()) != 0) return std::nullopt;
  const auto issued_at = static_cast<std::int64_t>(detail::load_be64(token.data()));
  // Differences in unsigned arithmetic: exact for any two int64 values in the order compared, never overflowing.
  if (issued_at > now_ns) {
    if (static_cast<std::uint64_t>(issued_at) - static_cast<std::uint64_t>(now_ns) >
        static_cast<std::uint64_t>(kAddressTokenClockSkewNs))
      return std::nullopt;
  } else if (static_cast<std::uint64_t>(now_ns) - static_cast<std::uint64_t>(issued_at) >
             static_cast<std::uint64_t>(lifetime_ns)) {
    return std::nullopt;
  }
  return detail::load_be64(token.data() + 8);
}

std::array<std::byte, 16> stateless_reset_token(std::span<const std::byte, 32> key, std::uint64_t connection_id) {
  detail::ensure_sodium();
  std::array<std::byte, 8> id;
  detail::store_be64(id.data(), connection_id);
  std::array<std::byte, 16> token;
  detail::require(crypto_generichash(uc(token.data()), token.size(), uc(id.data()), id.size(), uc(key.data()),
                                     key.size()) == 0);
  return token;
}

bool equal_tokens(std::span<const std::byte, 16> a, std::span<const std::byte, 16> b) {
  return sodium_memcmp(uc(a.data()), uc(b.data()), a.size()) == 0;
}

}  // namespace progmp::transport::crypto
