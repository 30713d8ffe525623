// Helpers private to the crypto component: libsodium takes unsigned char pointers, the component speaks std::byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "progmp/transport/crypto/sodium.hpp"

namespace progmp::transport::crypto::detail {

inline unsigned char* uc(std::byte* p) { return reinterpret_cast<unsigned char*>(p); }
inline const unsigned char* uc(const std::byte* p) { return reinterpret_cast<const unsigned char*>(p); }
inline unsigned char* uc(std::span<std::byte> s) { return uc(s.data()); }
inline const unsigned char* uc(std::span<const std::byte> s) { return uc(s.data()); }

// Fail closed: without libsodium nothing in this component may pretend to work.
inline void ensure_sodium() {
  if (!sodium_ready()) std::abort();
}

// A violated precondition that would otherwise produce a wrong key: abort rather than continue.
inline void require(bool condition) {
  if (!condition) std::abort();
}

inline void store_be64(std::byte* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<std::byte>(v & 0xff);
}
inline std::uint64_t load_be64(const std::byte* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}

}  // namespace progmp::transport::crypto::detail
