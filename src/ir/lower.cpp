// Lowering of the checked syntax tree to the IR of progmp/ir/nodes.hpp: names are already resolved, so this pass
// only picks specialised opcodes, turns list expressions into chains (source + FILTER run) and linearises
// statements into instructions with jumps.
#include <cassert>
#include <cstddef>

#include "progmp/exec/view.hpp"
#include "progmp/ir/nodes.hpp"

namespace progmp::ir {
namespace {

using lang::ExprId;
using lang::ExprKind;
using lang::Member;
using lang::Type;

bool is_list(Type t) { return t == Type::SubflowList || t == Type::PacketList; }

Origin origin_of(lang::Origin o) {
  switch (o) {
    case lang::Origin::Q: return Origin::Q;
    case lang::Origin::QU: return Origin::QU;
    case lang::Origin::RQ: return Origin::RQ;
    case lang::Origin::None: return Origin::None;
  }
  return Origin::None;
}

class Lowerer {
 public:
  explicit Lowerer(const lang::Program& p) : p_(p) {}

  std::shared_ptr<Module> run() {
    m_->header_name = p_.header_name;
    m_->strings = p_.strings;
    m_->slots.reserve(p_.slots.size());
    for (const auto& s : p_.slots) {
      SlotInfo info{s.name, is_list(s.type), kNoIndex};
      if (info.is_list) info.region = m_->n_regions++;
      m_->slots.push_back(std::move(info));
    }
    block(p_.body);
    line_ = 0;
    emit({StmtOp::End});
    return m_;
  }

 private:
  std::uint32_t emit(Instr in) {
    m_->code.push_back(in);
    m_->lines.push_back(line_);
    return static_cast<std::uint32_t>(m_->code.size() - 1);
  }
  std::uint32_t here() const { return static_cast<std::uint32_t>(m_->code.size()); }

  std::uint32_t node(ExprOp op, std::uint32_t a = kNoIndex, std::uint32_t b = kNoIndex, std::int64_t imm = 0) {
    m_->nodes.push_back(Node{op, 0, a, b, imm});
    return static_cast<std::uint32_t>(m_->nodes.size() - 1);
  }

  // ---- list expressions -------------------------------------------------------------------------------------
  // A list expression is a source (Q, QU, RQ, SUBFLOWS or a list variable) followed by FILTERs, applied in order.
  std::uint32_t chain(ExprId id) {
    std::vector<Lambda> filters;
    Chain c = chain_source(id, filters);
    c.first_filter = static_cast<std::uint32_t>(m_->lambdas.size());
    c.n_filters = static_cast<std::uint32_t>(filters.size());
    for (const auto& f : filters) m_->lambdas.push_back(f);
    m_->chains.push_back(c);
    return static_cast<std::uint32_t>(m_->chains.size() - 1);
  }

  Chain chain_source(ExprId id, std::vector<Lambda>& filters) {
    const lang::Expr& e = p_.expr(id);
    Chain c;
    c.packets = e.type == Type::PacketList;
    if (e.kind == ExprKind::Member) {
      assert(static_cast<Member>(e.op) == Member::Filter);
      c = chain_source(e.a, filters);
      filters.push_back(Lambda{e.slot, expr(e.b)});
      return c;
    }
    if (e.kind == ExprKind::Local) {
      c.source = Source::Snapshot;
      c.slot = e.slot;
      return c;
    }
    assert(e.kind == ExprKind::Builtin);
    switch (static_cast<lang::Builtin>(e.op)) {
      case lang::Builtin::Q: c.source = Source::Q; break;
      case lang::Builtin::QU: c.source = Source::QU; break;
      case lang::Builtin::RQ: c.source = Source::RQ; break;
      default: c.source = Source::Subflows; break;
    }
    return c;
  }

  // An unfiltered built-in list: EMPTY and COUNT on it cost one step (runtime.md §7.2).
  bool is_plain_source(ExprId id, Source& out) {
    const lang::Expr& e = p_.expr(id);
    if (e.kind != ExprKind::Builtin) return false;
    switch (static_cast<lang::Builtin>(e.op)) {
      case lang::Builtin::Q: out = Source::Q; return true;
      case lang::Builtin::QU: out = Source::QU; return true;
      case lang::Builtin::RQ: out = Source::RQ; return true;
      case lang::Builtin::Subflows: out = Source::Subflows; return true;
      default: return false;
    }
  }

  std::uint32_t lambda(const lang::Expr& e) {
    Lambda l{e.slot, expr(e.b)};
    m_->lambdas.push_back(l);
    return static_cast<std::uint32_t>(m_->lambdas.size() - 1);
  }

  // ---- scalar expressions -----------------------------------------------------------------------------------
  std::uint32_t expr(ExprId id) {
    const lang::Expr& e = p_.expr(id);
    switch (e.kind) {
      case ExprKind::IntLit: return node(ExprOp::ConstInt, kNoIndex, kNoIndex, e.value);
      case ExprKind::BoolLit: return node(ExprOp::ConstBool, kNoIndex, kNoIndex, e.value ? 1 : 0);
      case ExprKind::NullLit: return node(ExprOp::ConstNull);
      case ExprKind::StringLit: return node(ExprOp::ConstString, kNoIndex, kNoIndex, e.value);
      case ExprKind::Register: return node(ExprOp::Reg, kNoIndex, kNoIndex, e.op);
      case ExprKind::Local: return node(ExprOp::Local, e.slot);
      case ExprKind::Builtin:
        switch (static_cast<lang::Builtin>(e.op)) {
          case lang::Builtin::CurrentTimeMs: return node(ExprOp::NowMs);
          case lang::Builtin::Random: return node(ExprOp::Random);
          case lang::Builtin::WindowEnd: return node(ExprOp::WindowEnd);
          case lang::Builtin::Mss: return node(ExprOp::Mss);
          default: break;  // lists are lowered as chains by their consumer
        }
        assert(false && "list used as a scalar");
        return node(ExprOp::ConstNull);
      case ExprKind::Neg: return node(ExprOp::Neg, expr(e.a));
      case ExprKind::Not: {
        std::uint32_t fused = kNoIndex;
        if (negated_flag(e, fused)) return fused;
        return node(ExprOp::Not, expr(e.a));
      }
      case ExprKind::Arith: {
        static constexpr ExprOp ops[] = {ExprOp::Add, ExprOp::Sub, ExprOp::Mul, ExprOp::Div, ExprOp::Mod};
        const std::uint32_t a = expr(e.a);
        return node(ops[e.op], a, expr(e.b));
      }
      case ExprKind::Compare: {
        static constexpr ExprOp ops[] = {ExprOp::Eq, ExprOp::Ne, ExprOp::Lt, ExprOp::Le, ExprOp::Gt, ExprOp::Ge};
        const std::uint32_t a = expr(e.a);
        return node(ops[e.op], a, expr(e.b));
      }
      case ExprKind::NullTest: {
        const bool eq = static_cast<lang::CmpOp>(e.op) == lang::CmpOp::Eq;
        // A list is never NULL and a list operand of a NULL test is not evaluated (language.md §13.1).
        if (is_list(p_.expr(e.a).type)) return node(ExprOp::ConstBool, kNoIndex, kNoIndex, eq ? 0 : 1);
        return node(eq ? ExprOp::IsNull : ExprOp::NotNull, expr(e.a));
      }
      case ExprKind::And: {
        const std::uint32_t a = expr(e.a);
        return node(ExprOp::And, a, expr(e.b));
      }
      case ExprKind::Or: {
        const std::uint32_t a = expr(e.a);
        return node(ExprOp::Or, a, expr(e.b));
      }
      case ExprKind::Member: return member(e);
    }
    return node(ExprOp::ConstNull);
  }

  // Plain properties are reads of one field of the view's records: lowered to field opcodes carrying the byte
  // offset, fused with the receiver when it is a variable or lambda parameter (the common case in lambdas).
  std::uint32_t field(const lang::Expr& e, bool subflow, bool flag, std::size_t offset, bool negate = false) {
    const lang::Expr& recv = p_.expr(e.a);
    const bool local = recv.kind == ExprKind::Local;
    ExprOp op;
    if (subflow) {
      op = flag ? (local ? ExprOp::SfFlagLocal : ExprOp::SfFlag) : (local ? ExprOp::SfFieldLocal : ExprOp::SfField);
    } else {
      op = flag ? (local ? ExprOp::PktFlagLocal : ExprOp::PktFlag) : (local ? ExprOp::PktFieldLocal : ExprOp::PktField);
    }
    const std::uint32_t a = local ? recv.slot : expr(e.a);
    const std::uint32_t n = node(op, a, kNoIndex, static_cast<std::int64_t>(offset));
    m_->nodes[n].aux = static_cast<std::uint8_t>(e.op | (negate ? kNegated : 0));
    return n;
  }

  // `!x.FLAG` folds into the flag read (NULL stays NULL either way).
  bool negated_flag(const lang::Expr& e, std::uint32_t& out) {
    const lang::Expr& inner = p_.expr(e.a);
    if (inner.kind != ExprKind::Member) return false;
    switch (static_cast<Member>(inner.op)) {
      case Member::IsBackup: out = field(inner, true, true, offsetof(SubflowSnapshot, is_backup), true); return true;
      case Member::Throttled: out = field(inner, true, true, offsetof(SubflowSnapshot, throttled), true); return true;
      case Member::Lossy: out = field(inner, true, true, offsetof(SubflowSnapshot, lossy), true); return true;
      case Member::Psh: out = field(inner, false, true, offsetof(PacketMeta, psh), true); return true;
      default: return false;
    }
  }

  std::uint32_t member(const lang::Expr& e) {
    const auto m = static_cast<Member>(e.op);
    auto prop = [&](ExprOp op) { return node(op, expr(e.a)); };
    auto call = [&](ExprOp op) {
      const std::uint32_t a = expr(e.a);
      return node(op, a, expr(e.b));
    };
    auto sf_int = [&](std::size_t off) { return field(e, true, false, off); };
    auto sf_flag = [&](std::size_t off) { return field(e, true, true, off); };
    auto pkt_int = [&](std::size_t off) { return field(e, false, false, off); };
    switch (m) {
      case Member::Id: return sf_int(offsetof(SubflowSnapshot, id));
      case Member::Rtt:
      case Member::RttUs: return sf_int(offsetof(SubflowSnapshot, rtt_us));
      case Member::RttMs: return prop(ExprOp::SfRttMs);
      case Member::RttVar: return sf_int(offsetof(SubflowSnapshot, rtt_var_us));
      case Member::Cwnd: return sf_int(offsetof(SubflowSnapshot, cwnd));
      case Member::Ssthresh: return sf_int(offsetof(SubflowSnapshot, ssthresh));
      case Member::SkbsInFlight: return sf_int(offsetof(SubflowSnapshot, skbs_in_flight));
      case Member::Queued: return sf_int(offsetof(SubflowSnapshot, queued));
      case Member::LostSkbs: return sf_int(offsetof(SubflowSnapshot, lost_skbs));
      case Member::BwOutSend: return sf_int(offsetof(SubflowSnapshot, bw_out_send));
      case Member::BwOutAck: return sf_int(offsetof(SubflowSnapshot, bw_out_ack));
      case Member::SfUser: return sf_int(offsetof(SubflowSnapshot, user));
      case Member::DelayIn: return prop(ExprOp::SfDelayIn);
      case Member::DelayOut: return prop(ExprOp::SfDelayOut);
      case Member::Bw: return sf_int(offsetof(SubflowSnapshot, bw));
      case Member::LossRate: return sf_int(offsetof(SubflowSnapshot, loss_rate));
      case Member::IsBackup: return sf_flag(offsetof(SubflowSnapshot, is_backup));
      case Member::Throttled: return sf_flag(offsetof(SubflowSnapshot, throttled));
      case Member::Lossy: return sf_flag(offsetof(SubflowSnapshot, lossy));
      case Member::HasWindowFor: return call(ExprOp::SfHasWindow);
      case Member::Seq: return pkt_int(offsetof(PacketMeta, seq));
      case Member::Length:
      case Member::Size: return pkt_int(offsetof(PacketMeta, length));
      case Member::PktUser: return pkt_int(offsetof(PacketMeta, user));
      case Member::Psh: return field(e, false, true, offsetof(PacketMeta, psh));
      case Member::AgeMs: return prop(ExprOp::PktAgeMs);
      case Member::SentOnAll: return prop(ExprOp::PktSentOnAll);
      case Member::SentOn: return call(ExprOp::PktSentOn);
      case Member::Empty:
      case Member::Count: {
        Source s{};
        if (is_plain_source(e.a, s))
          return node(m == Member::Empty ? ExprOp::SourceEmpty : ExprOp::SourceCount, kNoIndex, kNoIndex,
                      static_cast<std::int64_t>(s));
        return node(m == Member::Empty ? ExprOp::ListEmpty : ExprOp::ListCount, chain(e.a));
      }
      case Member::Top: return node(ExprOp::ListTop, chain(e.a));
      case Member::Pop: return node(ExprOp::ListPop, chain(e.a));
      case Member::Get: {
        const std::uint32_t c = chain(e.a);
        return node(ExprOp::ListGet, c, expr(e.b));
      }
      case Member::Min:
      case Member::Max:
      case Member::Sum: {
        const std::uint32_t c = chain(e.a);
        const std::uint32_t l = lambda(e);
        const ExprOp op = m == Member::Min ? ExprOp::ListMin : m == Member::Max ? ExprOp::ListMax : ExprOp::ListSum;
        return node(op, c, l);
      }
      case Member::Filter: break;  // only as part of a chain
    }
    assert(false && "unexpected member");
    return node(ExprOp::ConstNull);
  }

  // ---- statements -------------------------------------------------------------------------------------------
  void block(lang::Block b) {
    for (const lang::StmtId* it = p_.begin(b); it != p_.end(b); ++it) stmt(p_.stmt(*it));
  }

  void stmt(const lang::Stmt& s) {
    // Everything this statement emits carries its line, also the jumps it emits after a nested block.
    struct LineScope {
      std::uint32_t& line;
      std::uint32_t saved;
      ~LineScope() { line = saved; }
    } scope{line_, line_};
    line_ = s.loc.line;
    switch (s.kind) {
      case lang::StmtKind::Var:
        if (is_list(p_.expr(s.a).type)) {
          emit({StmtOp::VarList, 0, s.slot, chain(s.a)});
        } else {
          emit({StmtOp::VarScalar, 0, s.slot, expr(s.a)});
        }
        break;
      case lang::StmtKind::If: {
        const std::uint32_t test = emit({StmtOp::IfNot, 0, expr(s.a)});
        block(s.then_block);
        if (s.has_else) {
          const std::uint32_t skip = emit({StmtOp::Jump});
          m_->code[test].b = here();
          block(s.else_block);
          m_->code[skip].a = here();
        } else {
          m_->code[test].b = here();
        }
        break;
      }
      case lang::StmtKind::Foreach: {
        const std::uint32_t loop = m_->n_loops++;
        const lang::Expr& list = p_.expr(s.a);
        if (list.kind == ExprKind::Local) {
          // A list variable is iterated in place, without a new snapshot (runtime.md §7.2).
          m_->loop_region.push_back(kNoIndex);
          emit({StmtOp::ForeachSlot, 0, loop, list.slot});
        } else {
          m_->loop_region.push_back(m_->n_regions++);
          emit({StmtOp::ForeachChain, 0, loop, chain(s.a)});
        }
        const std::uint32_t next = emit({StmtOp::ForeachNext, 0, loop, s.slot});
        block(s.then_block);
        emit({StmtOp::Jump, 0, next});
        m_->code[next].c = here();
        break;
      }
      case lang::StmtKind::Set: emit({StmtOp::Set, s.op, expr(s.a)}); break;
      case lang::StmtKind::Drop: {
        const lang::Expr& p = p_.expr(s.a);
        emit({StmtOp::Drop, static_cast<std::uint8_t>(origin_of(p.origin)), expr(s.a)});
        break;
      }
      case lang::StmtKind::Push: {
        const std::uint32_t target = expr(s.a);
        const auto origin = static_cast<std::uint8_t>(origin_of(p_.expr(s.b).origin));
        emit({StmtOp::Push, origin, target, expr(s.b)});
        break;
      }
      case lang::StmtKind::SetUser: {
        const std::uint32_t target = expr(s.a);
        emit({StmtOp::SetUser, 0, target, expr(s.b)});
        break;
      }
      case lang::StmtKind::Print: {
        const std::uint32_t fmt =
            s.b != lang::kNone ? expr(s.b) : node(ExprOp::ConstString, kNoIndex, kNoIndex, s.value);
        if (s.a == lang::kNone) {
          emit({StmtOp::Print, static_cast<std::uint8_t>(Type::Error), fmt});
        } else {
          const lang::Expr& arg = p_.expr(s.a);
          const auto t = static_cast<std::uint8_t>(arg.type);
          if (is_list(arg.type)) {
            emit({StmtOp::PrintList, t, fmt, chain(s.a)});
          } else {
            emit({StmtOp::Print, t, fmt, expr(s.a)});
          }
        }
        break;
      }
      case lang::StmtKind::Void:
        if (s.a == lang::kNone) {
          emit({StmtOp::Void});
        } else if (is_list(p_.expr(s.a).type)) {
          emit({StmtOp::VoidList, 0, chain(s.a)});
        } else {
          emit({StmtOp::Void, 0, expr(s.a)});
        }
        break;
      case lang::StmtKind::Return: emit({StmtOp::Return}); break;
    }
  }

  const lang::Program& p_;
  std::shared_ptr<Module> m_ = std::make_shared<Module>();
  std::uint32_t line_ = 0;  // source line of the statement being lowered
};

}  // namespace

std::shared_ptr<const Module> lower(const lang::Program& program) { return Lowerer(program).run(); }

const std::vector<std::string>& strings(const Module& module) { return module.strings; }

}  // namespace progmp::ir
