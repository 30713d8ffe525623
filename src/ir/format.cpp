// The IR listing printed by `progmp dump`: instructions numbered by pc, each expression printed as an indented
// tree below its instruction, chains as `source | FILTER(x => ...) | ...`.
#include <algorithm>
#include <string>

#include "progmp/ir/nodes.hpp"

namespace progmp::ir {

namespace {

constexpr const char* kExprNames[] = {
#define X(name, operands, meaning) #name,
#include "progmp/ir/expr_ops.def"
#undef X
};
constexpr const char* kStmtNames[] = {
#define X(name, operands, step, meaning) #name,
#include "progmp/ir/stmt_ops.def"
#undef X
};
constexpr bool kStmtSteps[] = {
#define X(name, operands, step, meaning) step != 0,
#include "progmp/ir/stmt_ops.def"
#undef X
};

const char* source_name(Source s) {
  switch (s) {
    case Source::Q: return "Q";
    case Source::QU: return "QU";
    case Source::RQ: return "RQ";
    case Source::Subflows: return "SUBFLOWS";
    case Source::Snapshot: return "snapshot";
  }
  return "?";
}

const char* origin_name(Origin o) {
  switch (o) {
    case Origin::Q: return "Q";
    case Origin::QU: return "QU";
    case Origin::RQ: return "RQ";
    case Origin::None: return "-";
  }
  return "?";
}

class Printer {
 public:
  explicit Printer(const Module& m) : m_(m) {}

  std::string run() {
    out_ += "; scheduler " + (m_.header_name.empty() ? std::string("<unnamed>") : m_.header_name) + "\n";
    out_ += "; " + std::to_string(m_.code.size()) + " instructions, " + std::to_string(m_.nodes.size()) +
            " nodes, " + std::to_string(m_.chains.size()) + " chains, " + std::to_string(m_.slots.size()) +
            " slots, " + std::to_string(m_.n_regions) + " snapshot regions\n";
    for (std::size_t pc = 0; pc < m_.code.size(); ++pc) instr(static_cast<std::uint32_t>(pc));
    return std::move(out_);
  }

 private:
  std::string slot(std::uint32_t s) const {
    if (s == kNoIndex || s >= m_.slots.size()) return "%?";
    return "%" + std::to_string(s) + ":" + m_.slots[s].name;
  }

  void instr(std::uint32_t pc) {
    const Instr& in = m_.code[pc];
    std::string line = std::to_string(pc);
    line.resize(std::max<std::size_t>(line.size(), 4), ' ');
    line += kStmtNames[static_cast<int>(in.op)];
    switch (in.op) {
      case StmtOp::VarScalar:
      case StmtOp::Bind: line += " " + slot(in.a); break;
      case StmtOp::VarList: line += " " + slot(in.a) + " <- " + chain(in.b); break;
      case StmtOp::IfNot: line += " else -> " + std::to_string(in.b); break;
      case StmtOp::Jump: line += " -> " + std::to_string(in.a); break;
      case StmtOp::Steps: line += " " + std::to_string(in.a); break;
      case StmtOp::ForeachChain: line += " loop" + std::to_string(in.a) + " <- " + chain(in.b); break;
      case StmtOp::ForeachSlot: line += " loop" + std::to_string(in.a) + " <- " + slot(in.b); break;
      case StmtOp::ForeachNext:
        line += " loop" + std::to_string(in.a) + " " + slot(in.b) + " end -> " + std::to_string(in.c);
        break;
      case StmtOp::Set: line += " R" + std::to_string(in.aux + 1); break;
      case StmtOp::Drop:
      case StmtOp::Push: line += " origin=" + std::string(origin_name(static_cast<Origin>(in.aux))); break;
      case StmtOp::PrintList: line += " " + chain(in.b); break;
      case StmtOp::VoidList: line += " " + chain(in.a); break;
      default: break;
    }
    out_ += line + "\n";
    filter_bodies(2);
    switch (in.op) {
      case StmtOp::VarScalar:
      case StmtOp::Bind: expr(in.b, 2); break;
      case StmtOp::IfNot:
      case StmtOp::Set:
      case StmtOp::Drop:
      case StmtOp::Void: expr(in.a, 2); break;
      case StmtOp::Push:
      case StmtOp::SetUser:
      case StmtOp::Print:
        expr(in.a, 2);
        expr(in.b, 2);
        break;
      case StmtOp::PrintList: expr(in.a, 2); break;
      default: break;
    }
  }

  std::string chain(std::uint32_t c) {
    const Chain& ch = m_.chains[c];
    std::string s = ch.source == Source::Snapshot ? slot(ch.slot) : source_name(ch.source);
    // Late materialisation: `| fetch` marks where an element's fetch step is counted, after the member filters.
    for (std::uint32_t i = 0; i < ch.n_filters; ++i) {
      if (i == ch.member_filters && i > 0) s += " | fetch";
      s += " | FILTER(" + slot(m_.lambdas[ch.first_filter + i].param) + " => #" +
           std::to_string(m_.lambdas[ch.first_filter + i].body) + ")";
    }
    if (ch.member_filters > 0 && ch.member_filters == ch.n_filters) s += " | fetch";
    if (ch.member_filters == kNoIndex) s += " | no steps";
    pending_chains_.push_back(c);
    return s;
  }

  void expr(std::uint32_t n, int depth) {
    if (n == kNoIndex) return;
    const Node& node = m_.nodes[n];
    std::string line(static_cast<std::size_t>(depth) * 2 + 4, ' ');
    line += "#" + std::to_string(n) + " " + kExprNames[static_cast<int>(node.op)];
    switch (node.op) {
      case ExprOp::ConstInt:
      case ExprOp::ConstBool: line += " " + std::to_string(node.imm); break;
      case ExprOp::ConstString: {
        const auto id = static_cast<std::size_t>(node.imm);
        line += id < m_.strings.size() ? " \"" + escape(m_.strings[id]) + "\"" : " <string ?>";
        break;
      }
      case ExprOp::Reg: line += " R" + std::to_string(node.imm + 1); break;
      case ExprOp::Local:
      case ExprOp::LocalFetched: line += " " + slot(node.a); break;
      case ExprOp::SfField:
      case ExprOp::SfFlag:
      case ExprOp::PktField:
      case ExprOp::PktFlag: line += " " + property(node); break;
      case ExprOp::SfFieldLocal:
      case ExprOp::SfFlagLocal:
      case ExprOp::PktFieldLocal:
      case ExprOp::PktFlagLocal: line += " " + property(node) + " of " + slot(node.a); break;
      case ExprOp::SourceEmpty:
      case ExprOp::SourceCount: line += std::string(" ") + source_name(static_cast<Source>(node.imm)); break;
      case ExprOp::ListEmpty:
      case ExprOp::ListCount:
      case ExprOp::ListTop:
      case ExprOp::ListPop:
      case ExprOp::ListGet: line += " " + chain(node.a); break;
      case ExprOp::ListMin:
      case ExprOp::ListMax:
      case ExprOp::ListSum:
        line += " " + chain(node.a) + " key(" + slot(m_.lambdas[node.b].param) + " => #" +
                std::to_string(m_.lambdas[node.b].body) + ")";
        break;
      default: break;
    }
    out_ += line + "\n";
    filter_bodies(depth + 1);  // lambda bodies of the chains named on this line, then the operands
    switch (node.op) {
      case ExprOp::ListMin:
      case ExprOp::ListMax:
      case ExprOp::ListSum: expr(m_.lambdas[node.b].body, depth + 1); break;
      case ExprOp::ListGet: expr(node.b, depth + 1); break;
      case ExprOp::Local:
      case ExprOp::LocalFetched:
      case ExprOp::SfFieldLocal:
      case ExprOp::SfFlagLocal:
      case ExprOp::PktFieldLocal:
      case ExprOp::PktFlagLocal:
      case ExprOp::ListEmpty:
      case ExprOp::ListCount:
      case ExprOp::ListTop:
      case ExprOp::ListPop: break;
      default:
        if (node.a != kNoIndex) expr(node.a, depth + 1);
        if (node.b != kNoIndex) expr(node.b, depth + 1);
    }
  }

  static std::string property(const Node& node) {
    std::string name((node.aux & kNegated) ? "!" : "");
    return name + std::string(lang::member_name(static_cast<lang::Member>(node.aux & ~kNegated)));
  }

  void filter_bodies(int depth) {
    std::vector<std::uint32_t> chains;
    chains.swap(pending_chains_);
    for (std::uint32_t c : chains) {
      const Chain& ch = m_.chains[c];
      for (std::uint32_t i = 0; i < ch.n_filters; ++i) expr(m_.lambdas[ch.first_filter + i].body, depth);
    }
  }

  static std::string escape(const std::string& s) {
    std::string o;
    for (char c : s) {
      if (c == '"' || c == '\\') {
        o += '\\';
        o += c;
      } else if (c == '\n') {
        o += "\\n";
      } else if (c == '\t') {
        o += "\\t";
      } else if (c == '\r') {
        o += "\\r";
      } else {
        o += c;
      }
    }
    return o;
  }

  const Module& m_;
  std::string out_;
  std::vector<std::uint32_t> pending_chains_;
};

}  // namespace

const char* expr_op_name(ExprOp op) { return kExprNames[static_cast<int>(op)]; }
const char* stmt_op_name(StmtOp op) { return kStmtNames[static_cast<int>(op)]; }
bool stmt_counts_step(StmtOp op) { return kStmtSteps[static_cast<int>(op)]; }

std::string format(const Module& module) { return Printer(module).run(); }

}  // namespace progmp::ir
