// libsodium must be initialised once per process before any of its functions is used; every entry point of the
// crypto component calls sodium_ready() first.
#pragma once

namespace progmp::transport::crypto {

// Initialises libsodium on first use (thread-safe); false if it cannot be (no usable random source).
bool sodium_ready();

}  // namespace progmp::transport::crypto
