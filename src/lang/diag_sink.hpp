// The emitter every phase reports through: typed kind + position + message, collected unsorted. compile()
// sorts, caps and filters them (language.md §14.1).
#pragma once

#include <string>
#include <vector>

#include "progmp/lang/ast.hpp"
#include "progmp/lang/diagnostic_kinds.hpp"
#include "progmp/lang/diagnostics.hpp"

namespace progmp::lang {

class DiagSink {
 public:
  void report(DiagKind kind, Loc at, std::string message, std::vector<DiagNote> notes = {});

  std::size_t error_count() const { return errors_; }
  std::vector<Diagnostic>& items() { return items_; }

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

}  // namespace progmp::lang
