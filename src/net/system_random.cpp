#include "progmp/net/system_random.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "progmp/transport/crypto/sodium.hpp"

namespace progmp::net {

namespace {

void require_sodium() {
  if (!progmp::transport::crypto::sodium_ready()) {
    std::fputs("progmp: libsodium cannot be initialised (no secure random source); aborting\n", stderr);
    std::abort();
  }
}

}  // namespace

SystemRandom::SystemRandom() { require_sodium(); }

void SystemRandom::fill(std::span<std::byte> out) {
  require_sodium();  // a function-local static after the first call: one load and a branch
  if (!out.empty()) randombytes_buf(out.data(), out.size());  // an empty span may have a null data()
}

}  // namespace progmp::net
