// The vocabulary of compile-time diagnostics (language.md §14.4, §14.5), generated from diagnostic_kinds.def.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "progmp/lang/diagnostics.hpp"

namespace progmp::lang {

enum class DiagKind : std::uint8_t {
#define DIAG(name, code, severity, meaning) name,
#include "progmp/lang/diagnostic_kinds.def"
#undef DIAG
};

struct DiagKindInfo {
  DiagKind kind;
  std::string_view code;  // "E0201"
  Severity severity;
  std::string_view meaning;
};

// One entry per DiagKind, in table order.
std::span<const DiagKindInfo> diagnostic_kinds();
const DiagKindInfo& diagnostic_kind_info(DiagKind kind);

}  // namespace progmp::lang
