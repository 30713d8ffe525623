#include "progmp/transport/crypto/kdf.hpp"

#include <sodium.h>

#include "detail.hpp"

namespace progmp::transport::crypto {

static_assert(kDeriveMinBytes == crypto_generichash_KEYBYTES_MIN && kDeriveMinBytes == crypto_generichash_BYTES_MIN);
static_assert(kDeriveMaxBytes == crypto_generichash_KEYBYTES_MAX && kDeriveMaxBytes == crypto_generichash_BYTES_MAX);

void derive(std::span<const std::byte> key, std::string_view label, std::span<std::byte> out) {
  detail::ensure_sodium();
  detail::require(key.size() >= kDeriveMinBytes && key.size() <= kDeriveMaxBytes);
  detail::require(out.size() >= kDeriveMinBytes && out.size() <= kDeriveMaxBytes);
  const int rc = crypto_generichash(detail::uc(out), out.size(), reinterpret_cast<const unsigned char*>(label.data()),
                                    label.size(), detail::uc(key), key.size());
  detail::require(rc == 0);
}

}  // namespace progmp::transport::crypto
