// Declarations (language.md §6): reserved names, redeclaration in one scope, the variable limit, and the
// never-read warning W0201.
#include "checker.hpp"

#include <array>

namespace progmp::lang {
namespace {

bool is_reserved(std::string_view n) {
  static constexpr std::array<std::string_view, 16> kReserved = {
      "Q", "QU", "RQ", "SUBFLOWS", "CURRENT_TIME_MS", "RANDOM", "R0", "R1",
      "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9"};
  for (std::string_view r : kReserved) {
    if (r == n) return true;
  }
  return false;
}

}  // namespace

// Every VAR and FOREACH variable counts, in source order; only the first one beyond the limit is reported.
void Checker::count_variable(std::uint32_t name_tok, bool report) {
  ++variables_;
  if (report && variables_ > kMaxVariables && !limit_reported_) {
    limit_reported_ = true;
    sink_.report(DiagKind::TooManyVariables, loc(name_tok),
                 "too many variables (at most 256 VAR and FOREACH variables)");
  }
}

SlotId Checker::declare(std::uint32_t name_tok, SlotKind kind, Type type, Origin origin, bool counts) {
  std::string_view n = spelling(name_tok);
  if (counts) count_variable(name_tok, true);
  if (is_reserved(n)) {
    sink_.report(DiagKind::ReservedName, loc(name_tok),
                 "'" + std::string(n) + "' is a reserved name and cannot be declared");
    // Declared anyway, poisoned, so that its uses do not report again.
    type = Type::Error;
    origin = Origin::None;
  } else if (auto prev = scopes_.in_current(n)) {
    const Slot& p = prog_.slots[*prev];
    sink_.report(DiagKind::Redeclared, loc(name_tok), "'" + std::string(n) + "' is already declared in this scope",
                 {DiagNote{p.loc.line, p.loc.col, "previous declaration of '" + std::string(n) + "'"}});
  }
  Slot s;
  s.name = std::string(n);
  s.type = type;
  s.origin = origin;
  s.kind = kind;
  s.loc = loc(name_tok);
  prog_.slots.push_back(std::move(s));
  reads_.push_back(0);
  slot_string_.push_back(kNone);
  SlotId id = static_cast<SlotId>(prog_.slots.size() - 1);
  scopes_.declare(n, id);
  return id;
}

void Checker::report_unused() {
  for (std::size_t i = 0; i < prog_.slots.size(); ++i) {
    const Slot& s = prog_.slots[i];
    if (s.kind != SlotKind::Var || reads_[i] != 0 || s.type == Type::Error) continue;
    if (!s.name.empty() && s.name[0] == '_') continue;
    sink_.report(DiagKind::UnusedVariable, s.loc, "variable '" + s.name + "' is never used");
  }
}

}  // namespace progmp::lang
