// Diagnostic collection and the kind table of diagnostic_kinds.def.
#include "diag_sink.hpp"

#include <array>

namespace progmp::lang {
namespace {

constexpr std::array kKinds = {
#define DIAG(name, code, severity, meaning) DiagKindInfo{DiagKind::name, code, Severity::severity, meaning},
#include "progmp/lang/diagnostic_kinds.def"
#undef DIAG
};

}  // namespace

std::span<const DiagKindInfo> diagnostic_kinds() { return kKinds; }

const DiagKindInfo& diagnostic_kind_info(DiagKind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

void DiagSink::report(DiagKind kind, Loc at, std::string message, std::vector<DiagNote> notes) {
  const DiagKindInfo& info = diagnostic_kind_info(kind);
  Diagnostic d;
  d.severity = info.severity;
  d.code = std::string(info.code);
  d.line = at.line;
  d.col = at.col;
  d.message = std::move(message);
  d.notes = std::move(notes);
  if (d.severity == Severity::Error) ++errors_;
  items_.push_back(std::move(d));
}

}  // namespace progmp::lang
