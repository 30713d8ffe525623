#include "progmp/transport/crypto/sodium.hpp"

#include <sodium.h>

namespace progmp::transport::crypto {

bool sodium_ready() {
  // C++ guarantees one thread-safe initialisation of a function-local static.
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace progmp::transport::crypto
