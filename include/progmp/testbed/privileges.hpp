// Namespaces, kernel MPTCP endpoints and traffic shaping need root; tests and benchmarks skip (with the reason)
// where they do not have it.
#pragma once

namespace progmp::testbed {

bool running_as_root();

}  // namespace progmp::testbed
