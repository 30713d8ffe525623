// The member catalogue of language.md §9-§11 and §17: which names exist after '.' for each receiver type, their
// form (§3 note 3) and their result type.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "progmp/lang/ast.hpp"

namespace progmp::lang {

enum class MemberForm : std::uint8_t {
  Property,   // no argument list
  EmptyCall,  // POP()
  OneExpr,    // GET(i), SENT_ON(s), HAS_WINDOW_FOR(p)
  OneLambda,  // FILTER, MIN, MAX, SUM
};

struct MemberSpec {
  std::string_view name;
  Member member;
  MemberForm form;
  Type result;                     // Error when it depends on the receiver (TOP, GET, POP, MIN, MAX, FILTER)
  Type arg = Type::Error;          // OneExpr: argument type; OneLambda: lambda body type
  std::string_view context = {};   // E0301 context of the argument or lambda body
};

// Members of receivers of type `t` (empty for int, bool, string, null).
const std::vector<MemberSpec>& members_of(Type t);
std::optional<MemberSpec> find_member(Type t, std::string_view name);

Type element_type(Type list);  // Subflow / Packet, Error for non-lists

}  // namespace progmp::lang
