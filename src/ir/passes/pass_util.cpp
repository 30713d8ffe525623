// Helpers shared by the optimisation passes (see pass_util.hpp).
#include "passes/pass_util.hpp"

namespace progmp::ir::passes {

NodeLayout node_layout(ExprOp op) {
  switch (op) {
    case ExprOp::ConstInt:
    case ExprOp::ConstBool:
    case ExprOp::ConstNull:
    case ExprOp::ConstString:
    case ExprOp::Reg:
    case ExprOp::NowMs:
    case ExprOp::Random:
    case ExprOp::WindowEnd:
    case ExprOp::Mss:
    case ExprOp::SourceEmpty:
    case ExprOp::SourceCount: return {};
    case ExprOp::Local:
    case ExprOp::LocalFetched:
    case ExprOp::SfFieldLocal:
    case ExprOp::SfFlagLocal:
    case ExprOp::PktFieldLocal:
    case ExprOp::PktFlagLocal: return {Operand::Slot, Operand::None};
    case ExprOp::Neg:
    case ExprOp::Not:
    case ExprOp::IsNull:
    case ExprOp::NotNull:
    case ExprOp::SfField:
    case ExprOp::SfFlag:
    case ExprOp::SfRttMs:
    case ExprOp::SfDelayIn:
    case ExprOp::SfDelayOut:
    case ExprOp::PktField:
    case ExprOp::PktFlag:
    case ExprOp::PktAgeMs:
    case ExprOp::PktSentOnAll: return {Operand::Node, Operand::None};
    case ExprOp::Add:
    case ExprOp::Sub:
    case ExprOp::Mul:
    case ExprOp::Div:
    case ExprOp::Mod:
    case ExprOp::Eq:
    case ExprOp::Ne:
    case ExprOp::Lt:
    case ExprOp::Le:
    case ExprOp::Gt:
    case ExprOp::Ge:
    case ExprOp::And:
    case ExprOp::Or:
    case ExprOp::SfHasWindow:
    case ExprOp::PktSentOn: return {Operand::Node, Operand::Node};
    case ExprOp::ListEmpty:
    case ExprOp::ListCount:
    case ExprOp::ListTop:
    case ExprOp::ListPop: return {Operand::Chain, Operand::None};
    case ExprOp::ListGet: return {Operand::Chain, Operand::Node};
    case ExprOp::ListMin:
    case ExprOp::ListMax:
    case ExprOp::ListSum: return {Operand::Chain, Operand::Lambda};
  }
  return {};
}

bool reads_slot(ExprOp op) { return node_layout(op).a == Operand::Slot; }

bool pure(const Module& m, std::uint32_t n) {
  if (n == kNoIndex) return true;
  const Node& node = m.nodes[n];
  switch (node.op) {
    case ExprOp::Random:
    case ExprOp::LocalFetched:
    case ExprOp::SourceEmpty:
    case ExprOp::SourceCount:
    case ExprOp::ListEmpty:
    case ExprOp::ListCount:
    case ExprOp::ListTop:
    case ExprOp::ListGet:
    case ExprOp::ListPop:
    case ExprOp::ListMin:
    case ExprOp::ListMax:
    case ExprOp::ListSum: return false;
    default: break;
  }
  const NodeLayout l = node_layout(node.op);
  if (l.a == Operand::Node && !pure(m, node.a)) return false;
  if (l.b == Operand::Node && !pure(m, node.b)) return false;
  return true;
}

std::optional<std::uint64_t> static_cost(const Module& m, std::uint32_t n) {
  if (n == kNoIndex) return 0;
  const Node& node = m.nodes[n];
  switch (node.op) {
    case ExprOp::Random:
    case ExprOp::LocalFetched:
    case ExprOp::ListEmpty:
    case ExprOp::ListCount:
    case ExprOp::ListTop:
    case ExprOp::ListGet:
    case ExprOp::ListPop:
    case ExprOp::ListMin:
    case ExprOp::ListMax:
    case ExprOp::ListSum: return std::nullopt;
    case ExprOp::SourceEmpty:
    case ExprOp::SourceCount: return 1;
    // The second operand is evaluated only for some values of the first: it must cost nothing.
    case ExprOp::And:
    case ExprOp::Or:
    case ExprOp::SfHasWindow:
    case ExprOp::PktSentOn: {
      const auto a = static_cost(m, node.a);
      const auto b = static_cost(m, node.b);
      if (!a || !b || *b != 0) return std::nullopt;
      return a;
    }
    default: break;
  }
  const NodeLayout l = node_layout(node.op);
  std::uint64_t total = 0;
  if (l.a == Operand::Node) {
    const auto a = static_cost(m, node.a);
    if (!a) return std::nullopt;
    total += *a;
  }
  if (l.b == Operand::Node) {
    const auto b = static_cost(m, node.b);
    if (!b) return std::nullopt;
    total += *b;
  }
  return total;
}

bool reads_register(const Module& m, std::uint32_t n) {
  bool found = false;
  for_each_node(m, n, [&](std::uint32_t k) { found = found || m.nodes[k].op == ExprOp::Reg; });
  return found;
}

std::size_t node_count(const Module& m, std::uint32_t n) {
  std::size_t k = 0;
  for_each_node(m, n, [&](std::uint32_t) { ++k; });
  return k;
}

bool strict_bool(const Module& m, std::uint32_t n) {
  const Node& node = m.nodes[n];
  switch (node.op) {
    case ExprOp::ConstBool: return node.imm == 0 || node.imm == 1;
    case ExprOp::IsNull:
    case ExprOp::NotNull:
    case ExprOp::And:
    case ExprOp::Or:
    case ExprOp::SourceEmpty:
    case ExprOp::ListEmpty: return true;
    default: return false;
  }
}

bool is_const(const Node& n) {
  return n.op == ExprOp::ConstInt || n.op == ExprOp::ConstBool || n.op == ExprOp::ConstNull;
}

bool is_branch(StmtOp op) { return op == StmtOp::IfNot || op == StmtOp::Jump || op == StmtOp::ForeachNext; }

std::uint32_t& target(Instr& in) {
  switch (in.op) {
    case StmtOp::IfNot: return in.b;
    case StmtOp::ForeachNext: return in.c;
    default: return in.a;
  }
}
std::uint32_t target(const Instr& in) { return target(const_cast<Instr&>(in)); }

bool falls_through(StmtOp op) { return op != StmtOp::Jump && op != StmtOp::Return && op != StmtOp::End; }

std::vector<bool> jump_targets(const Module& m) {
  std::vector<bool> t(m.code.size() + 1, false);
  for (const Instr& in : m.code)
    if (is_branch(in.op)) t[target(in)] = true;
  return t;
}

std::vector<bool> reachable(const Module& m) {
  std::vector<bool> seen(m.code.size(), false);
  std::vector<std::uint32_t> work{0};
  while (!work.empty()) {
    const std::uint32_t pc = work.back();
    work.pop_back();
    if (pc >= m.code.size() || seen[pc]) continue;
    seen[pc] = true;
    const Instr& in = m.code[pc];
    if (is_branch(in.op)) work.push_back(target(in));
    if (falls_through(in.op)) work.push_back(pc + 1);
  }
  return seen;
}

void rebuild(Module& m, const std::vector<std::vector<Instr>>& replacement) {
  const std::size_t n = m.code.size();
  std::vector<std::uint32_t> map(n + 1, 0);
  std::uint32_t count = 0;
  for (std::size_t pc = 0; pc < n; ++pc) count += static_cast<std::uint32_t>(replacement[pc].size());
  // Walking backwards: an old pc that emits nothing maps where the next one does.
  map[n] = count;
  for (std::size_t pc = n; pc-- > 0;) {
    count -= static_cast<std::uint32_t>(replacement[pc].size());
    map[pc] = replacement[pc].empty() ? map[pc + 1] : count;
  }
  std::vector<Instr> code;
  std::vector<std::uint32_t> lines;
  for (std::size_t pc = 0; pc < n; ++pc)
    for (Instr in : replacement[pc]) {
      if (is_branch(in.op)) target(in) = map[target(in)];
      code.push_back(in);
      // What replaces an instruction stands for its statement (profiles count it on that line).
      lines.push_back(pc < m.lines.size() ? m.lines[pc] : 0);
    }
  m.code = std::move(code);
  m.lines = std::move(lines);
}

void compact_loops(Module& m) {
  std::vector<bool> used(m.n_loops, false);
  for (const Instr& in : m.code)
    if ((in.op == StmtOp::ForeachChain || in.op == StmtOp::ForeachSlot || in.op == StmtOp::ForeachNext) &&
        in.a < m.n_loops)
      used[in.a] = true;
  std::vector<std::uint32_t> renumber(m.n_loops, kNoIndex);
  std::vector<std::uint32_t> regions;
  for (std::uint32_t l = 0; l < m.n_loops; ++l) {
    if (!used[l]) continue;
    renumber[l] = static_cast<std::uint32_t>(regions.size());
    regions.push_back(l < m.loop_region.size() ? m.loop_region[l] : kNoIndex);
  }
  if (regions.size() == m.n_loops) return;
  for (Instr& in : m.code)
    if (in.op == StmtOp::ForeachChain || in.op == StmtOp::ForeachSlot || in.op == StmtOp::ForeachNext)
      in.a = renumber[in.a];
  m.loop_region = std::move(regions);
  m.n_loops = static_cast<std::uint32_t>(m.loop_region.size());
}

}  // namespace progmp::ir::passes
