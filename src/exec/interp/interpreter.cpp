// The reference interpreter over the IR (progmp/ir/nodes.hpp). One execution = one Machine on the stack: the
// statement loop dispatches on Instr::op, expressions are evaluated by a recursive switch over Node::op, and list
// chains are walked by the operation that consumes them (lazy lists, language.md §7.5). Hot state (step counter,
// allowance, scratch pointers) lives in the Machine; nothing is allocated during run().
//
// Profiling: with ExecState::instr_counts set, a second instantiation of the statement loop counts every executed
// instruction; expressions are evaluated by the same code either way.
//
// Aborts (step allowance, action limit) unwind with longjmp: every frame between run() and the abort point holds
// only trivially destructible locals, which keeps the jump well-defined and spares every evaluation a status check.
#include <csetjmp>
#include <cstring>

#include "progmp/exec/interp.hpp"
#include "progmp/ir/nodes.hpp"
#include "scratch_layout.hpp"

namespace progmp::interp {
namespace {

using ir::ExprOp;
using ir::kNoIndex;
using ir::Source;
using ir::StmtOp;

struct Val {
  std::int64_t v;
  bool null;
};
constexpr Val kNull{0, true};
inline Val of(std::int64_t v) { return Val{v, false}; }
inline Val of_bool(bool b) { return Val{b ? 1 : 0, false}; }
inline bool is_true(Val v) { return !v.null && v.v != 0; }

inline std::int64_t wrap_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t wrap_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
inline std::int64_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

QueueId queue_of(Source s) {
  return s == Source::Q ? QueueId::Q : s == Source::QU ? QueueId::QU : QueueId::RQ;
}
QueueId queue_of_origin(std::uint8_t origin) {
  switch (static_cast<ir::Origin>(origin)) {
    case ir::Origin::QU: return QueueId::QU;
    case ir::Origin::RQ: return QueueId::RQ;
    default: return QueueId::Q;
  }
}

class Machine {
 public:
  Machine(const ir::Module& m, const SchedulerView& view, ExecState& state, EffectLog& log, const Layout& layout,
          std::uint64_t* words)
      : m_(m), nodes_(m.nodes.data()), view_(view), state_(state), log_(log), allowance_(state.allowance) {
    values_ = reinterpret_cast<std::int64_t*>(words + layout.values);
    nulls_ = words + layout.nulls;
    regions_ = reinterpret_cast<std::int64_t*>(words + layout.regions);
    stride_ = layout.region_stride;
    loops_ = words + layout.loops;
    popped_[0] = words + layout.popped[0];
    popped_[1] = words + layout.popped[1];
    popped_[2] = words + layout.popped[2];
    // A program without variables over empty queues has an empty arena (and memset must not see a null pointer).
    if (layout.total > layout.popped[0]) {
      std::memset(words + layout.popped[0], 0, (layout.total - layout.popped[0]) * sizeof(std::uint64_t));
    }
    queues_[0] = view.q;
    queues_[1] = view.qu;
    queues_[2] = view.rq;
  }

  ExecResult run() {
    ExecResult r;
    if (setjmp(abort_) != 0) {
      r.end = abort_cause_;
      r.steps = steps_;
      r.prints_suppressed = prints_suppressed_;
      return r;
    }
    // Decided once per execution: the loop without counters is the one that always ran, unchanged.
    const bool counting = !state_.instr_counts.empty() && state_.instr_counts.size() >= m_.code.size();
    r.end = counting ? exec<true>() : exec<false>();
    r.steps = steps_;
    r.prints_suppressed = prints_suppressed_;
    return r;
  }

 private:
  // ---- steps and aborts -------------------------------------------------------------------------------------
  [[noreturn]] void abort(EndCause cause) {
    abort_cause_ = cause;
    std::longjmp(abort_, 1);
  }
  // One reference step (a statement or a fetched list element, runtime.md §7.2).
  inline void step() {
    if (++steps_ > allowance_) abort(EndCause::StepLimit);
  }
  void action(const Effect& e) {
    if (!log_.try_action(e)) abort(EndCause::ActionLimit);
  }

  // ---- slots and snapshots ----------------------------------------------------------------------------------
  void bind(std::uint32_t slot, Val v) {
    values_[slot] = v.v;
    nulls_[slot] = v.null;
  }
  Val load(std::uint32_t slot) const { return Val{values_[slot], nulls_[slot] != 0}; }
  // Region layout: [length, elements...].
  std::int64_t* region(std::uint32_t r) const { return regions_ + static_cast<std::size_t>(r) * stride_; }

  // ---- chains -----------------------------------------------------------------------------------------------
  // True if element e passes every FILTER of the chain (predicates evaluated in order, stopping at the first that
  // is not exactly true).
  bool passes(const ir::Chain& ch, std::int64_t e) {
    for (std::uint32_t i = 0; i < ch.n_filters; ++i) {
      if (i == ch.member_filters) step();  // the fetch (ir::Chain::member_filters)
      const ir::Lambda& f = m_.lambdas[ch.first_filter + i];
      bind(f.param, of(e));
      if (!is_true(eval(f.body))) return false;
    }
    if (ch.n_filters == ch.member_filters) step();
    return true;
  }

  // Walks the chain from its start over the current state of its source, one step per fetched element (in passes),
  // calling
  // visit(element, source_position) for each element that passes the filters until visit returns false.
  template <class Visit>
  void walk(const ir::Chain& ch, Visit&& visit) {
    switch (ch.source) {
      case Source::Q:
      case Source::QU:
      case Source::RQ: {
        const int k = static_cast<int>(queue_of(ch.source));
        const auto span = queues_[k];
        const std::uint64_t* popped = popped_[k];
        const bool any_popped = pops_[k] != 0;
        for (std::size_t i = 0; i < span.size(); ++i) {
          if (any_popped && ((popped[i >> 6] >> (i & 63)) & 1u)) continue;
          const auto e = reinterpret_cast<std::int64_t>(span[i]);
          if (!passes(ch, e)) continue;
          if (!visit(e, i)) return;
        }
        return;
      }
      case Source::Subflows: {
        const std::size_t n = view_.subflows.size();
        for (std::size_t i = 0; i < n; ++i) {
          const auto e = static_cast<std::int64_t>(i);
          if (!passes(ch, e)) continue;
          if (!visit(e, i)) return;
        }
        return;
      }
      case Source::Snapshot: {
        const std::int64_t* r = region(m_.slots[ch.slot].region);
        const auto n = static_cast<std::size_t>(r[0]);
        for (std::size_t i = 0; i < n; ++i) {
          const std::int64_t e = r[1 + i];
          if (!passes(ch, e)) continue;
          if (!visit(e, i)) return;
        }
        return;
      }
    }
  }

  // Materialises a chain into a region (VAR snapshots and FOREACH lists).
  void materialise(const ir::Chain& ch, std::int64_t* r) {
    std::int64_t n = 0;
    walk(ch, [&](std::int64_t e, std::size_t) {
      r[1 + n++] = e;
      return true;
    });
    r[0] = n;
  }

  // ---- expressions ------------------------------------------------------------------------------------------
  const SubflowSnapshot& sf(Val v) const { return view_.subflows[static_cast<std::size_t>(v.v)]; }
  static const PacketMeta& pkt(Val v) { return *reinterpret_cast<const PacketMeta*>(v.v); }

  Val eval(std::uint32_t n) {
    const ir::Node& node = nodes_[n];
    switch (node.op) {
      case ExprOp::ConstInt:
      case ExprOp::ConstBool:
      case ExprOp::ConstString: return of(node.imm);
      case ExprOp::ConstNull: return kNull;
      case ExprOp::Reg: return of(state_.registers[static_cast<std::size_t>(node.imm)]);
      case ExprOp::Local: return load(node.a);
      case ExprOp::LocalFetched: {
        const Val v = load(node.a);
        if (!v.null) step();  // the fetch the hoisted TOP made here
        return v;
      }
      case ExprOp::NowMs: return of(view_.now_us / 1000);
      case ExprOp::Random: return of(random_draw(state_.rng));
      case ExprOp::WindowEnd: return of(view_.window_end);
      case ExprOp::Mss: return of(view_.mss);
      case ExprOp::Neg: {
        const Val a = eval(node.a);
        return a.null ? kNull : of(wrap_sub(0, a.v));
      }
      case ExprOp::Not: {
        const Val a = eval(node.a);
        return a.null ? kNull : of_bool(a.v == 0);
      }
#define PROGMP_BINARY(OP, EXPR)                 \
  case ExprOp::OP: {                            \
    const Val a = eval(node.a);                 \
    const Val b = eval(node.b);                 \
    if (a.null || b.null) return kNull;         \
    return EXPR;                                \
  }
        PROGMP_BINARY(Add, of(wrap_add(a.v, b.v)))
        PROGMP_BINARY(Sub, of(wrap_sub(a.v, b.v)))
        PROGMP_BINARY(Mul, of(wrap_mul(a.v, b.v)))
        PROGMP_BINARY(Eq, of_bool(a.v == b.v))
        PROGMP_BINARY(Ne, of_bool(a.v != b.v))
        PROGMP_BINARY(Lt, of_bool(a.v < b.v))
        PROGMP_BINARY(Le, of_bool(a.v <= b.v))
        PROGMP_BINARY(Gt, of_bool(a.v > b.v))
        PROGMP_BINARY(Ge, of_bool(a.v >= b.v))
#undef PROGMP_BINARY
      case ExprOp::Div: {
        const Val a = eval(node.a);
        const Val b = eval(node.b);
        if (a.null || b.null || b.v == 0) return kNull;
        if (b.v == -1) return of(wrap_sub(0, a.v));  // INT64_MIN / -1 wraps to INT64_MIN
        return of(a.v / b.v);
      }
      case ExprOp::Mod: {
        const Val a = eval(node.a);
        const Val b = eval(node.b);
        if (a.null || b.null || b.v == 0) return kNull;
        if (b.v == -1) return of(0);
        return of(a.v % b.v);
      }
      case ExprOp::IsNull: return of_bool(eval(node.a).null);
      case ExprOp::NotNull: return of_bool(!eval(node.a).null);
      case ExprOp::And: {
        if (!is_true(eval(node.a))) return of_bool(false);
        return of_bool(is_true(eval(node.b)));
      }
      case ExprOp::Or: {
        if (is_true(eval(node.a))) return of_bool(true);
        return of_bool(is_true(eval(node.b)));
      }
      case ExprOp::SfField: {
        const Val s = eval(node.a);
        return s.null ? kNull : of(int_field(&sf(s), node.imm));
      }
      case ExprOp::SfFieldLocal: {
        if (nulls_[node.a]) return kNull;
        return of(int_field(&view_.subflows[static_cast<std::size_t>(values_[node.a])], node.imm));
      }
      case ExprOp::SfFlag: {
        const Val s = eval(node.a);
        return s.null ? kNull : of_bool(flag_field(&sf(s), node.imm) != ((node.aux & ir::kNegated) != 0));
      }
      case ExprOp::SfFlagLocal: {
        if (nulls_[node.a]) return kNull;
        return of_bool(flag_field(&view_.subflows[static_cast<std::size_t>(values_[node.a])], node.imm) !=
                       ((node.aux & ir::kNegated) != 0));
      }
      case ExprOp::SfRttMs: {
        const Val s = eval(node.a);
        return s.null ? kNull : of(sf(s).rtt_us / 1000);
      }
      case ExprOp::SfDelayIn: {
        const Val s = eval(node.a);
        return s.null || !sf(s).has_delay_in ? kNull : of(sf(s).delay_in_us);
      }
      case ExprOp::SfDelayOut: {
        const Val s = eval(node.a);
        return s.null || !sf(s).has_delay_out ? kNull : of(sf(s).delay_out_us);
      }
      case ExprOp::SfHasWindow: {
        const Val s = eval(node.a);
        if (s.null) return kNull;
        const Val p = eval(node.b);
        if (p.null) return kNull;
        const PacketMeta& pm = pkt(p);
        return of_bool(static_cast<__int128>(pm.seq) + pm.length <= view_.window_end);
      }
      case ExprOp::PktField: {
        const Val p = eval(node.a);
        return p.null ? kNull : of(int_field(&pkt(p), node.imm));
      }
      case ExprOp::PktFieldLocal: {
        if (nulls_[node.a]) return kNull;
        return of(int_field(reinterpret_cast<const PacketMeta*>(values_[node.a]), node.imm));
      }
      case ExprOp::PktFlag: {
        const Val p = eval(node.a);
        return p.null ? kNull : of_bool(flag_field(&pkt(p), node.imm) != ((node.aux & ir::kNegated) != 0));
      }
      case ExprOp::PktFlagLocal: {
        if (nulls_[node.a]) return kNull;
        return of_bool(flag_field(reinterpret_cast<const PacketMeta*>(values_[node.a]), node.imm) !=
                       ((node.aux & ir::kNegated) != 0));
      }
      case ExprOp::PktAgeMs: {
        const Val p = eval(node.a);
        return p.null ? kNull : of((view_.now_us - pkt(p).t_app_us) / 1000);
      }
      case ExprOp::PktSentOnAll: {
        const Val p = eval(node.a);
        return p.null ? kNull : of_bool(sent_on_all(pkt(p)));
      }
      case ExprOp::PktSentOn: {
        const Val p = eval(node.a);
        if (p.null) return kNull;
        const Val s = eval(node.b);
        if (s.null) return kNull;
        return of_bool(view_.sent_on(pkt(p), static_cast<std::size_t>(s.v)));
      }
      case ExprOp::SourceEmpty:
      case ExprOp::SourceCount:
      case ExprOp::ListEmpty:
      case ExprOp::ListCount:
      case ExprOp::ListTop:
      case ExprOp::ListGet:
      case ExprOp::ListPop:
      case ExprOp::ListMin:
      case ExprOp::ListMax:
      case ExprOp::ListSum: return eval_list(node);
    }
    return kNull;
  }

  // List operations, out of line so that eval() stays small (its frame is set up once per node).
  [[gnu::noinline]] Val eval_list(const ir::Node& node) {
    switch (node.op) {
      case ExprOp::SourceEmpty:
      case ExprOp::SourceCount: {
        step();
        const auto src = static_cast<Source>(node.imm);
        std::int64_t count;
        if (src == Source::Subflows) {
          count = static_cast<std::int64_t>(view_.subflows.size());
        } else {
          const int k = static_cast<int>(queue_of(src));
          count = static_cast<std::int64_t>(queues_[k].size()) - pops_[k];
        }
        return node.op == ExprOp::SourceEmpty ? of_bool(count == 0) : of(count);
      }
      case ExprOp::ListEmpty: {
        bool empty = true;
        walk(m_.chains[node.a], [&](std::int64_t, std::size_t) { return empty = false; });
        return of_bool(empty);
      }
      case ExprOp::ListCount: {
        std::int64_t count = 0;
        walk(m_.chains[node.a], [&](std::int64_t, std::size_t) {
          ++count;
          return true;
        });
        return of(count);
      }
      case ExprOp::ListTop: {
        Val found = kNull;
        walk(m_.chains[node.a], [&](std::int64_t e, std::size_t) {
          found = of(e);
          return false;
        });
        return found;
      }
      case ExprOp::ListGet: {
        const Val idx = eval(node.b);
        if (idx.null || idx.v < 0) return kNull;
        Val found = kNull;
        std::int64_t i = 0;
        walk(m_.chains[node.a], [&](std::int64_t e, std::size_t) {
          if (i++ < idx.v) return true;
          found = of(e);
          return false;
        });
        return found;
      }
      case ExprOp::ListPop: return pop(m_.chains[node.a]);
      case ExprOp::ListMin:
      case ExprOp::ListMax: {
        const ir::Lambda& key = m_.lambdas[node.b];
        const bool is_min = node.op == ExprOp::ListMin;
        Val best = kNull;
        std::int64_t best_key = 0;
        walk(m_.chains[node.a], [&](std::int64_t e, std::size_t) {
          bind(key.param, of(e));
          const Val k = eval(key.body);
          if (!k.null && (best.null || (is_min ? k.v < best_key : k.v > best_key))) {
            best = of(e);
            best_key = k.v;
          }
          return true;
        });
        return best;
      }
      case ExprOp::ListSum: {
        const ir::Lambda& key = m_.lambdas[node.b];
        std::int64_t sum = 0;
        walk(m_.chains[node.a], [&](std::int64_t e, std::size_t) {
          bind(key.param, of(e));
          const Val k = eval(key.body);
          if (!k.null) sum = wrap_add(sum, k.v);
          return true;
        });
        return of(sum);
      }
      default: return kNull;
    }
  }

  static std::int64_t int_field(const void* record, std::int64_t offset) {
    return *reinterpret_cast<const std::int64_t*>(static_cast<const char*>(record) + offset);
  }
  static bool flag_field(const void* record, std::int64_t offset) {
    return *reinterpret_cast<const bool*>(static_cast<const char*>(record) + offset);
  }

  bool sent_on_all(const PacketMeta& p) const {
    for (std::size_t i = 0; i < view_.subflows.size(); ++i)
      if (!view_.sent_on(p, i)) return false;
    return true;
  }

  // POP: the first element of the (filtered) queue leaves that queue (QU: is hidden) for the rest of the execution
  // (language.md §11.4). The runtime settles it afterwards.
  Val pop(const ir::Chain& ch) {
    Val found = kNull;
    std::size_t at = 0;
    walk(ch, [&](std::int64_t e, std::size_t pos) {
      found = of(e);
      at = pos;
      return false;
    });
    if (found.null) return kNull;
    const QueueId q = queue_of(ch.source);
    const int k = static_cast<int>(q);
    popped_[k][at >> 6] |= std::uint64_t{1} << (at & 63);
    ++pops_[k];
    log_.pop(q, &pkt(found));
    return found;
  }

  // ---- PRINT ------------------------------------------------------------------------------------------------
  PrintValue print_scalar(lang::Type t, Val v) const {
    PrintValue pv;
    if (t == lang::Type::Error) return pv;  // PRINT without argument
    if (v.null || t == lang::Type::Null) {
      pv.kind = PrintValue::Kind::Null;
      return pv;
    }
    switch (t) {
      case lang::Type::Int: pv.kind = PrintValue::Kind::Int; pv.value = v.v; break;
      case lang::Type::Bool: pv.kind = PrintValue::Kind::Bool; pv.value = v.v; break;
      case lang::Type::String: pv.kind = PrintValue::Kind::String; pv.value = v.v; break;
      case lang::Type::Subflow: pv.kind = PrintValue::Kind::Subflow; pv.value = sf(v).id; break;
      case lang::Type::Packet: pv.kind = PrintValue::Kind::Packet; pv.value = pkt(v).seq; break;
      default: pv.kind = PrintValue::Kind::Null; break;
    }
    return pv;
  }

  PrintValue print_list(const ir::Chain& ch) {
    PrintValue pv;
    pv.kind = ch.packets ? PrintValue::Kind::PacketList : PrintValue::Kind::SubflowList;
    std::int64_t count = 0;
    walk(ch, [&](std::int64_t e, std::size_t) {
      if (pv.n_elems < kPrintListElems) {
        pv.elems[pv.n_elems++] = ch.packets ? pkt(of(e)).seq : sf(of(e)).id;
      }
      ++count;
      return true;
    });
    pv.value = count;
    return pv;
  }

  void print(std::int64_t format, const PrintValue& pv) {
    if (!log_.try_print(format, pv)) ++prints_suppressed_;
  }

  // ---- statements -------------------------------------------------------------------------------------------
  template <bool kCount>
  EndCause exec() {
    const ir::Instr* code = m_.code.data();
    [[maybe_unused]] std::uint64_t* const counts = state_.instr_counts.data();
    std::uint32_t pc = 0;
    for (;;) {
      if constexpr (kCount) ++counts[pc];
      const ir::Instr& in = code[pc];
      switch (in.op) {
        case StmtOp::VarScalar:
          step();
          bind(in.a, eval(in.b));
          ++pc;
          break;
        case StmtOp::Bind:
          bind(in.a, eval(in.b));
          ++pc;
          break;
        case StmtOp::VarList:
          step();
          materialise(m_.chains[in.b], region(m_.slots[in.a].region));
          ++pc;
          break;
        case StmtOp::IfNot:
          step();
          pc = is_true(eval(in.a)) ? pc + 1 : in.b;
          break;
        case StmtOp::Jump: pc = in.a; break;
        case StmtOp::ForeachChain: {
          step();
          const std::uint32_t r = m_.loop_region[in.a];
          materialise(m_.chains[in.b], region(r));
          loops_[2 * in.a] = r;
          loops_[2 * in.a + 1] = 0;
          ++pc;
          break;
        }
        case StmtOp::ForeachSlot:
          step();
          loops_[2 * in.a] = m_.slots[in.b].region;
          loops_[2 * in.a + 1] = 0;
          ++pc;
          break;
        case StmtOp::ForeachNext: {
          const std::int64_t* r = region(static_cast<std::uint32_t>(loops_[2 * in.a]));
          const std::uint64_t i = loops_[2 * in.a + 1];
          if (i >= static_cast<std::uint64_t>(r[0])) {
            pc = in.c;
            break;
          }
          step();  // fetching the next element
          bind(in.b, of(r[1 + i]));
          loops_[2 * in.a + 1] = i + 1;
          ++pc;
          break;
        }
        case StmtOp::Set: {
          step();
          const Val v = eval(in.a);
          if (!v.null) state_.registers[in.aux] = v.v;
          ++pc;
          break;
        }
        case StmtOp::Drop: {
          step();
          const Val p = eval(in.a);
          if (!p.null) action(Effect{EffectKind::Drop, queue_of_origin(in.aux), 0, 0, &pkt(p), 0});
          ++pc;
          break;
        }
        case StmtOp::Push: {
          step();
          const Val s = eval(in.a);
          if (!s.null) {
            const Val p = eval(in.b);
            if (!p.null) {
              action(Effect{EffectKind::Push, queue_of_origin(in.aux), static_cast<std::uint8_t>(s.v), 0, &pkt(p),
                            0});
            }
          }
          ++pc;
          break;
        }
        case StmtOp::SetUser: {
          step();
          const Val s = eval(in.a);
          if (!s.null) {
            const Val v = eval(in.b);
            if (!v.null) action(Effect{EffectKind::SetUser, QueueId::Q, static_cast<std::uint8_t>(s.v), 0, nullptr,
                                       v.v});
          }
          ++pc;
          break;
        }
        case StmtOp::Print: {
          step();
          const Val fmt = eval(in.a);
          const Val arg = in.b == kNoIndex ? kNull : eval(in.b);
          print(fmt.v, print_scalar(static_cast<lang::Type>(in.aux), arg));
          ++pc;
          break;
        }
        case StmtOp::PrintList: {
          step();
          const Val fmt = eval(in.a);
          print(fmt.v, print_list(m_.chains[in.b]));
          ++pc;
          break;
        }
        case StmtOp::Void:
          step();
          if (in.a != kNoIndex) (void)eval(in.a);
          ++pc;
          break;
        case StmtOp::VoidList:
          step();
          walk(m_.chains[in.a], [](std::int64_t, std::size_t) { return true; });
          ++pc;
          break;
        case StmtOp::Steps:
          // As many single steps: past the allowance the count reads allowance + 1 (runtime.md §7.2).
          if (in.a > allowance_ - steps_) {
            steps_ = allowance_;
            step();
          }
          steps_ += in.a;
          ++pc;
          break;
        case StmtOp::Return: step(); return EndCause::Return;
        case StmtOp::End: return EndCause::End;
      }
    }
  }

  const ir::Module& m_;
  const ir::Node* nodes_;
  const SchedulerView& view_;
  ExecState& state_;
  EffectLog& log_;
  std::uint64_t steps_ = 0;
  const std::uint64_t allowance_;
  std::uint32_t prints_suppressed_ = 0;
  std::int64_t* values_ = nullptr;
  std::uint64_t* nulls_ = nullptr;
  std::int64_t* regions_ = nullptr;
  std::size_t stride_ = 0;
  std::uint64_t* loops_ = nullptr;
  std::uint64_t* popped_[3] = {};
  std::int64_t pops_[3] = {0, 0, 0};
  std::span<const PacketMeta* const> queues_[3];
  std::jmp_buf abort_;
  EndCause abort_cause_ = EndCause::StepLimit;
};

class Interpreter final : public Executable {
 public:
  explicit Interpreter(std::shared_ptr<const ir::Module> m) : m_(std::move(m)) {}

  std::string_view engine_name() const override { return "interp"; }

  void prepare(const SchedulerView& view, ExecScratch& scratch) const override {
    const Layout layout = Layout::of(*m_, view);
    if (scratch.words.size() < layout.total) scratch.words.resize(layout.total);
  }

  ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const override {
    const Layout layout = Layout::of(*m_, view);
    ExecScratch& scratch = *state.scratch;
    // The runtime prepares the scratch between executions; growing here is only a safety net.
    if (scratch.words.size() < layout.total) scratch.words.resize(layout.total);
    Machine machine(*m_, view, state, log, layout, scratch.words.data());
    return machine.run();
  }

 private:
  std::shared_ptr<const ir::Module> m_;
};

}  // namespace

std::unique_ptr<Executable> make_executable(std::shared_ptr<const ir::Module> module) {
  return std::make_unique<Interpreter>(std::move(module));
}

}  // namespace progmp::interp
