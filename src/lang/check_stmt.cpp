// Statements (language.md §12): operand types, declarations, blocks and scopes, and unreachable code (W0101).
#include "checker.hpp"

namespace progmp::lang {

// A block is returning when one of its statements is (language.md §14.5); statements after that are unreachable
// and reported once per block, but still checked and kept.
Checker::BlockResult Checker::block(SynBlock b, bool own_scope) {
  if (own_scope) scopes_.push();
  std::vector<StmtId> ids;
  bool returns = false;
  bool warned = false;
  for (std::uint32_t i = 0; i < b.count; ++i) {
    std::uint32_t item = tree_.items[b.first + i];
    const SynStmt& s = tree_.stmts[item];
    if (returns && !warned) {
      sink_.report(DiagKind::Unreachable, loc(s.first), "unreachable statement");
      warned = true;
    }
    if (stmt(item, ids)) returns = true;
  }
  if (own_scope) scopes_.pop();
  BlockResult r;
  r.block.first = static_cast<std::uint32_t>(prog_.block_items.size());
  r.block.count = static_cast<std::uint32_t>(ids.size());
  prog_.block_items.insert(prog_.block_items.end(), ids.begin(), ids.end());
  r.returns = returns;
  return r;
}

bool Checker::stmt(std::uint32_t id, std::vector<StmtId>& out) {
  const SynStmt& s = tree_.stmts[id];
  begin_statement(s.first);
  switch (s.kind) {
    case SynStmtKind::Var: var_stmt(s, out); return false;
    case SynStmtKind::If: return if_stmt(s, out);
    case SynStmtKind::Foreach: foreach_stmt(s, out); return false;
    case SynStmtKind::Set: set_stmt(s, out); return false;
    case SynStmtKind::Drop: drop_stmt(s, out); return false;
    case SynStmtKind::Print: print_stmt(s, out); return false;
    case SynStmtKind::Call: call_stmt(s, out); return false;
    case SynStmtKind::Void: {
      Stmt st;
      st.kind = StmtKind::Void;
      st.loc = loc(s.first);
      if (s.a != kNone) st.a = expr(s.a);
      out.push_back(add_stmt(st));
      return false;
    }
    case SynStmtKind::Return: {
      Stmt st;
      st.kind = StmtKind::Return;
      st.loc = loc(s.first);
      out.push_back(add_stmt(st));
      return true;
    }
    case SynStmtKind::PoisonVar: {
      // The statement already has its error: declare the name silently so that its uses stay quiet.
      count_variable(s.name, false);
      Slot slot;
      slot.name = std::string(spelling(s.name));
      slot.loc = loc(s.name);
      prog_.slots.push_back(std::move(slot));
      reads_.push_back(0);
      slot_string_.push_back(kNone);
      scopes_.declare(spelling(s.name), static_cast<SlotId>(prog_.slots.size() - 1));
      return false;
    }
    case SynStmtKind::PoisonLoop: count_variable(s.name, false); return false;
  }
  return false;
}

// VAR x = e;  x is not in scope in e; a string variable remembers its literal for PRINT.
void Checker::var_stmt(const SynStmt& s, std::vector<StmtId>& out) {
  ExprId init = expr(s.a, true);
  const Expr ie = prog_.exprs[init];
  SlotId slot = declare(s.name, SlotKind::Var, ie.type, ie.origin, true);
  if (ie.type == Type::String) {
    if (ie.kind == ExprKind::StringLit) slot_string_[slot] = static_cast<std::uint32_t>(ie.value);
    if (ie.kind == ExprKind::Local) slot_string_[slot] = slot_string_[ie.slot];
  }
  Stmt st;
  st.kind = StmtKind::Var;
  st.slot = slot;
  st.a = init;
  st.loc = loc(s.first);
  out.push_back(add_stmt(st));
}

// IF (c) {...} [ELSE ...]: returning when both branches are.
bool Checker::if_stmt(const SynStmt& s, std::vector<StmtId>& out) {
  Stmt st;
  st.kind = StmtKind::If;
  st.loc = loc(s.first);
  st.a = expr(s.a);
  expect_type(st.a, s.a, Type::Bool, "IF condition");
  BlockResult then_r = block(s.then_block);
  st.then_block = then_r.block;
  st.has_else = s.has_else;
  bool returns = false;
  if (s.has_else) {
    BlockResult else_r = block(s.else_block);
    st.else_block = else_r.block;
    returns = then_r.returns && else_r.returns;
  }
  out.push_back(add_stmt(st));
  return returns;
}

// FOREACH (VAR x IN L) {...}: x belongs to the body's scope; never returning (L may be empty).
void Checker::foreach_stmt(const SynStmt& s, std::vector<StmtId>& out) {
  Stmt st;
  st.kind = StmtKind::Foreach;
  st.loc = loc(s.first);
  st.a = expr(s.a);
  const Expr list = prog_.exprs[st.a];
  Type elem = Type::Error;
  if (list.type == Type::SubflowList || list.type == Type::PacketList) {
    elem = element_type(list.type);
  } else if (list.type != Type::Error) {
    sink_.report(DiagKind::TypeMismatch, loc(first_tok(s.a)),
                 "type mismatch in FOREACH list: expected subflow list or packet list, found " +
                     std::string(type_name(list.type)));
  }
  scopes_.push();
  st.slot = declare(s.name, SlotKind::Loop, elem, elem == Type::Packet ? list.origin : Origin::None, true);
  st.then_block = block(s.then_block, false).block;
  scopes_.pop();
  out.push_back(add_stmt(st));
}

// SET(Rn, e);
void Checker::set_stmt(const SynStmt& s, std::vector<StmtId>& out) {
  std::string_view reg = spelling(s.name);
  Stmt st;
  st.kind = StmtKind::Set;
  st.loc = loc(s.first);
  if (reg.size() == 2 && reg[0] == 'R' && reg[1] >= '1' && reg[1] <= '6') {
    st.op = static_cast<std::uint8_t>(reg[1] - '1');
  } else {
    sink_.report(DiagKind::NotARegister, loc(s.name),
                 "'" + std::string(reg) + "' is not a register; the registers are R1 to R6");
  }
  st.a = expr(s.a);
  expect_type(st.a, s.a, Type::Int, "SET value");
  out.push_back(add_stmt(st));
}

// DROP(p);  W0202 when p comes from QU.
void Checker::drop_stmt(const SynStmt& s, std::vector<StmtId>& out) {
  Stmt st;
  st.kind = StmtKind::Drop;
  st.loc = loc(s.first);
  st.a = expr(s.a, true);
  if (expect_type(st.a, s.a, Type::Packet, "DROP argument") && prog_.exprs[st.a].origin == Origin::QU) {
    sink_.report(DiagKind::DropFromQU, loc(s.first), "DROP of a packet taken from QU has no effect");
  }
  out.push_back(add_stmt(st));
}

// PRINT(fmt [, arg]);  the format is a literal or a variable bound to one, so it is known statically.
void Checker::print_stmt(const SynStmt& s, std::vector<StmtId>& out) {
  Stmt st;
  st.kind = StmtKind::Print;
  st.loc = loc(s.first);
  ExprId fmt = expr(s.a);
  if (expect_type(fmt, s.a, Type::String, "PRINT format")) {
    const Expr& f = prog_.exprs[fmt];
    std::uint32_t index = f.kind == ExprKind::StringLit ? static_cast<std::uint32_t>(f.value) : slot_string_[f.slot];
    st.value = index == kNone ? 0 : index;
  }
  if (s.b != kNone) st.a = expr(s.b);
  out.push_back(add_stmt(st));
}

// s.PUSH(p);  s.SET_USER(v);
void Checker::call_stmt(const SynStmt& s, std::vector<StmtId>& out) {
  const SynExpr& c = tree_.exprs[s.a];
  const bool push = c.op == TokenKind::Push;
  Stmt st;
  st.kind = push ? StmtKind::Push : StmtKind::SetUser;
  st.loc = loc(s.first);
  st.a = expr(c.a);
  expect_type(st.a, c.a, Type::Subflow, push ? "PUSH target" : "SET_USER target");
  st.b = expr(c.b, push);
  expect_type(st.b, c.b, push ? Type::Packet : Type::Int, push ? "PUSH argument" : "SET_USER value");
  out.push_back(add_stmt(st));
}

}  // namespace progmp::lang
