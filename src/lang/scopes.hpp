// Lexical scopes of language.md §6.2: a stack of scopes over one name → declarations index, so lookup is O(1)
// and leaving a scope costs what it declared.
#pragma once

#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "progmp/lang/ast.hpp"

namespace progmp::lang {

class Scopes {
 public:
  void push();
  void pop();
  void declare(std::string_view name, SlotId slot);
  std::optional<SlotId> lookup(std::string_view name) const;
  // The declaration of `name` in the innermost scope, if any (for E0203).
  std::optional<SlotId> in_current(std::string_view name) const;
  // Every name with a visible declaration (candidates of §14.3).
  void visible_names(std::vector<std::string_view>& out) const;

 private:
  struct Decl {
    SlotId slot;
    std::uint32_t scope;
  };
  std::unordered_map<std::string_view, std::vector<Decl>> by_name_;
  std::vector<std::vector<std::string_view>> declared_;  // per open scope, names declared in it
};

}  // namespace progmp::lang
