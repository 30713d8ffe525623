// Whether this test binary runs under AddressSanitizer/UBSan, and a helper to size long randomised tests for it.
//
// Sanitized builds run an order of magnitude slower, and more for the interpreter: its step-limit aborts unwind with
// longjmp, and AddressSanitizer clears the shadow of the whole thread stack at every longjmp (a few system calls
// each). The release build runs the randomised tests whole (they prove agreement); the sanitized build runs a sample
// of the same programs (it proves memory safety on them) so that the full test run stays within its time budget.
#pragma once

namespace progmp::testing {

#ifdef PROGMP_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// `full` in a release build, `full / divisor` (at least 1) in a sanitized one.
constexpr int sanitized_share(int full, int divisor) { return kSanitized ? (full / divisor > 0 ? full / divisor : 1) : full; }

}  // namespace progmp::testing
