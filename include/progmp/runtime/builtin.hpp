// The built-in scheduler (runtime.md §2.4): always present, version 1, the initial default and the fallback.
#pragma once

#include <string_view>

namespace progmp::runtime {

inline constexpr std::string_view kBuiltinMinRttName = "builtin_minrtt";
inline constexpr std::string_view kBuiltinPrefix = "builtin_";

// The program text exactly as in §2.4.
std::string_view builtin_minrtt_source();

}  // namespace progmp::runtime
