// IR -> virtual eBPF code. Modelled on the AOT code generator: every IR statement becomes a straight-line block of
// two-address instructions over fresh virtual registers, expressions produce (value, NULL flag) pairs, list walks
// are one loop each with the FILTER lambdas and MIN/MAX/SUM keys inlined, and slots, registers, loop positions,
// snapshots and effects live in the arena (see ebpf.hpp). Step accounting follows runtime.md §7.2 exactly.
#include <cstddef>
#include <functional>

#include "internal.hpp"
#include "progmp/lang/ast.hpp"

namespace progmp::ebpf {
namespace {

using ir::ExprOp;
using ir::kNoIndex;
using ir::Source;
using ir::StmtOp;

// A scalar: value register plus NULL state. null: 0 never NULL, 1 always NULL, -1 dynamic (flag register n).
struct Val {
  int v = -1;
  int n = -1;
  int null = 0;
};

int queue_index(Source s) { return s == Source::Q ? 0 : s == Source::QU ? 1 : 2; }
int queue_of_origin(std::uint8_t origin) {
  switch (static_cast<ir::Origin>(origin)) {
    case ir::Origin::QU: return 1;
    case ir::Origin::RQ: return 2;
    default: return 0;
  }
}

class Translator {
 public:
  Translator(const ir::Module& m, VCode& out) : m_(m), out_(out) {}

  bool run(std::string& error) {
    if (m_.slots.size() > Capacities::kMaxSlots) return fail(error, "too many variable slots");
    if (m_.n_regions > Capacities::kMaxRegions) return fail(error, "too many snapshot regions");
    if (m_.n_loops > Capacities::kMaxLoops) return fail(error, "too many FOREACH statements");
    layout_ = Layout::of(static_cast<std::uint32_t>(m_.slots.size()), m_.n_loops, m_.n_regions);
    out_.arena_bytes = layout_.total;
    // Loop L iterates a statically known region: its own (ForeachChain) or its list variable's (ForeachSlot).
    loop_region_.assign(m_.n_loops, kNoIndex);
    for (const ir::Instr& in : m_.code) {
      if (in.op == StmtOp::ForeachChain) loop_region_[in.a] = m_.loop_region[in.a];
      if (in.op == StmtOp::ForeachSlot) loop_region_[in.a] = m_.slots[in.b].region;
    }
    for (std::uint32_t r : loop_region_)
      if (r == kNoIndex || r >= m_.n_regions) return fail(error, "FOREACH without a region");

    l_end_ = new_label("end");
    l_return_ = new_label("return");
    l_steps_ = new_label("abort_steps");
    l_unsupported_ = new_label("unsupported");
    l_exit_ = new_label("exit");
    pc_labels_.resize(m_.code.size() + 1);
    for (std::size_t pc = 0; pc <= m_.code.size(); ++pc) pc_labels_[pc] = new_label("pc" + std::to_string(pc));

    prologue();
    for (std::uint32_t pc = 0; pc < m_.code.size(); ++pc) {
      pc_ = pc;
      label(pc_labels_[pc]);
      if (!statement(m_.code[pc], error)) return false;
    }
    label(pc_labels_[m_.code.size()]);
    ja(l_end_);
    epilogue();
    return true;
  }

 private:
  static bool fail(std::string& error, const std::string& why) {
    error = why;
    return false;
  }

  // ---- emission helpers ---------------------------------------------------------------------------------------
  int vreg() { return kFirstVirtual + static_cast<int>(out_.n_vregs++); }
  int new_label(std::string name) {
    out_.label_names.push_back(std::move(name));
    return static_cast<int>(out_.label_names.size() - 1);
  }
  void push(VInsn i) {
    i.ir_pc = pc_;
    out_.insns.push_back(i);
  }
  void label(int l) {
    VInsn i;
    i.kind = VInsn::Kind::Label;
    i.label = l;
    push(i);
  }
  void alu(std::uint8_t o, int dst, int src) { push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::ALU64 | o | op::X), false, dst, src, 0, 0, -1, 0}); }
  void alui(std::uint8_t o, int dst, std::int32_t imm) {
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::ALU64 | o | op::K), false, dst, -1, 0, imm, -1, 0});
  }
  void mov(int dst, int src) { alu(op::MOV, dst, src); }
  void movi(int dst, std::int64_t imm) {
    if (imm >= INT32_MIN && imm <= INT32_MAX) {
      alui(op::MOV, dst, static_cast<std::int32_t>(imm));
    } else {
      push(VInsn{VInsn::Kind::LdImm64, 0, false, dst, -1, 0, imm, -1, 0});
    }
  }
  void sdiv(std::uint8_t o, int dst, int src) {  // signed DIV/MOD (cpu v4: off = 1)
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::ALU64 | o | op::X), false, dst, src, 1, 0, -1, 0});
  }
  void ldx(std::uint8_t size, int dst, int base, std::int32_t off) {
    if (off > INT16_MAX) {
      const int p = vreg();
      mov(p, base);
      alui(op::ADD, p, off);
      base = p;
      off = 0;
    }
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::LDX | op::MEM | size), false, dst, base,
               static_cast<std::int16_t>(off), 0, -1, 0});
  }
  void stx(std::uint8_t size, int base, std::int32_t off, int src) {
    if (off > INT16_MAX) {
      const int p = vreg();
      mov(p, base);
      alui(op::ADD, p, off);
      base = p;
      off = 0;
    }
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::STX | op::MEM | size), false, base, src,
               static_cast<std::int16_t>(off), 0, -1, 0});
  }
  void sti(std::uint8_t size, int base, std::int32_t off, std::int32_t imm) {
    if (off > INT16_MAX) {
      const int p = vreg();
      mov(p, base);
      alui(op::ADD, p, off);
      base = p;
      off = 0;
    }
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::ST | op::MEM | size), false, base, -1,
               static_cast<std::int16_t>(off), imm, -1, 0});
  }
  int load(std::uint32_t arena_off, std::uint8_t size = op::DW) {
    const int d = vreg();
    ldx(size, d, kArena, static_cast<std::int32_t>(arena_off));
    return d;
  }
  void jmp(std::uint8_t o, int a, int b, int target) {
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::JMP | o | op::X), false, a, b, 0, 0, target, 0});
  }
  void jmpi(std::uint8_t o, int a, std::int32_t imm, int target) {
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::JMP | o | op::K), false, a, -1, 0, imm, target, 0});
  }
  void ja(int target) { push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::JMP | op::JA), false, -1, -1, 0, 0, target, 0}); }
  void may_goto(int target) {
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::JMP | op::JCOND), false, -1, -1, 0, 0, target, 0});
  }

  // Pointer to element `index` of the array at arena offset `base` (capacity mask+1, element 1 << shift bytes).
  // The index goes through the launder word so that the verifier sees an unknown scalar (see ebpf.hpp).
  int element(std::uint32_t base, int index, std::int32_t mask, std::int32_t shift) {
    return element_from(kArena, base, index, mask, shift);
  }
  int element_from(int ptr, std::uint32_t base, int index, std::int32_t mask, std::int32_t shift) {
    stx(op::DW, kArena, arena::kLaunder, index);
    const int t = vreg();
    ldx(op::DW, t, kArena, arena::kLaunder);
    alui(op::AND, t, mask);
    if (shift) alui(op::LSH, t, shift);
    const int p = vreg();
    mov(p, ptr);
    if (base) alui(op::ADD, p, static_cast<std::int32_t>(base));
    alu(op::ADD, p, t);
    return p;
  }
  // A fresh register holding 0 that the verifier sees as an unknown scalar (through the launder word): loop
  // counters compared with constants then never become precise, and loops converge instead of being unrolled.
  int unknown_zero() {
    sti(op::DW, kArena, arena::kLaunder, 0);
    const int v = vreg();
    ldx(op::DW, v, kArena, arena::kLaunder);
    return v;
  }
  int subflow_rec(int index) {
    return element(layout_.subflows, index, Capacities::kMaxSubflows - 1, 8);
  }
  int packet_rec(int index) {
    return element(layout_.packets, index, Capacities::kPacketTable - 1, 6);
  }

  // One reference step: abort when none is left.
  void step() {
    jmpi(op::JEQ, kSteps, 0, l_steps_);
    alui(op::SUB, kSteps, 1);
  }

  // ---- values ---------------------------------------------------------------------------------------------------
  Val nonnull(int v) { return Val{v, -1, 0}; }
  Val null_val() { return Val{-1, -1, 1}; }
  Val dyn(int v, int n) { return Val{v, n, -1}; }
  // Jumps to `target` unless v is exactly true.
  void jump_unless_true(const Val& x, int target) {
    if (x.null == 1) {
      ja(target);
      return;
    }
    if (x.null < 0) jmpi(op::JNE, x.n, 0, target);
    jmpi(op::JEQ, x.v, 0, target);
  }
  void jump_if_null(const Val& x, int target) {
    if (x.null == 1) ja(target);
    else if (x.null < 0) jmpi(op::JNE, x.n, 0, target);
  }
  // The NULL flag of a binary result: NULL if either operand is.
  Val combine(const Val& a, const Val& b, int v) {
    if (a.null == 1 || b.null == 1) return null_val();
    if (a.null == 0 && b.null == 0) return nonnull(v);
    const int n = vreg();
    if (a.null < 0 && b.null < 0) {
      mov(n, a.n);
      alu(op::OR, n, b.n);
    } else {
      mov(n, a.null < 0 ? a.n : b.n);
    }
    return dyn(v, n);
  }
  // 1 if `a o b` (jump condition) holds, else 0.
  int cond(std::uint8_t o, int a, int b) {
    const int v = vreg();
    const int l = new_label("t");
    movi(v, 1);
    jmp(o, a, b, l);
    movi(v, 0);
    label(l);
    return v;
  }
  Val with_null_of(const Val& src, int v) {
    if (src.null == 0) return nonnull(v);
    const int n = vreg();
    mov(n, src.n);
    return dyn(v, n);
  }
  void store_slot(std::uint32_t slot, const Val& x) {
    if (x.null == 1) {
      sti(op::DW, kArena, static_cast<std::int32_t>(layout_.values + 8 * slot), 0);
      sti(op::DW, kArena, static_cast<std::int32_t>(layout_.nulls + 8 * slot), 1);
      return;
    }
    stx(op::DW, kArena, static_cast<std::int32_t>(layout_.values + 8 * slot), x.v);
    if (x.null == 0) sti(op::DW, kArena, static_cast<std::int32_t>(layout_.nulls + 8 * slot), 0);
    else stx(op::DW, kArena, static_cast<std::int32_t>(layout_.nulls + 8 * slot), x.n);
  }
  Val load_slot(std::uint32_t slot) {
    const int v = load(layout_.values + 8 * slot);
    const int n = load(layout_.nulls + 8 * slot);
    return dyn(v, n);
  }

  // ---- expressions ----------------------------------------------------------------------------------------------
  Val expr(std::uint32_t id) {
    const ir::Node& node = m_.nodes[id];
    switch (node.op) {
      case ExprOp::ConstInt:
      case ExprOp::ConstBool:
      case ExprOp::ConstString: {
        const int v = vreg();
        movi(v, node.imm);
        return nonnull(v);
      }
      case ExprOp::ConstNull: return null_val();
      case ExprOp::Reg: return nonnull(load(arena::kRegs + 8 * static_cast<std::uint32_t>(node.imm)));
      case ExprOp::Local: return load_slot(node.a);
      case ExprOp::LocalFetched: {
        const Val x = load_slot(node.a);
        const int skip = new_label("fetched");
        jmpi(op::JNE, x.n, 0, skip);
        step();  // the fetch of a hoisted TOP
        label(skip);
        return x;
      }
      case ExprOp::NowMs: return nonnull(load(arena::kNowMs));
      case ExprOp::WindowEnd: return nonnull(load(arena::kWindowEnd));
      case ExprOp::Mss: return nonnull(load(arena::kMss));
      case ExprOp::Random: return nonnull(random());
      case ExprOp::Neg: {
        const Val a = expr(node.a);
        if (a.null == 1) return a;
        const int v = vreg();
        mov(v, a.v);
        alui(op::NEG, v, 0);
        return with_null_of(a, v);
      }
      case ExprOp::Not: {
        const Val a = expr(node.a);
        if (a.null == 1) return a;
        const int z = vreg();
        movi(z, 0);
        return with_null_of(a, cond(op::JEQ, a.v, z));
      }
      case ExprOp::Add:
      case ExprOp::Sub:
      case ExprOp::Mul: {
        const Val a = expr(node.a);
        const Val b = expr(node.b);
        if (a.null == 1 || b.null == 1) return null_val();
        const int v = vreg();
        mov(v, a.v);
        alu(node.op == ExprOp::Add ? op::ADD : node.op == ExprOp::Sub ? op::SUB : op::MUL, v, b.v);
        return combine(a, b, v);
      }
      case ExprOp::Eq:
      case ExprOp::Ne:
      case ExprOp::Lt:
      case ExprOp::Le:
      case ExprOp::Gt:
      case ExprOp::Ge: {
        const Val a = expr(node.a);
        const Val b = expr(node.b);
        if (a.null == 1 || b.null == 1) return null_val();
        std::uint8_t o = op::JEQ;
        switch (node.op) {
          case ExprOp::Ne: o = op::JNE; break;
          case ExprOp::Lt: o = op::JSLT; break;
          case ExprOp::Le: o = op::JSLE; break;
          case ExprOp::Gt: o = op::JSGT; break;
          case ExprOp::Ge: o = op::JSGE; break;
          default: break;
        }
        return combine(a, b, cond(o, a.v, b.v));
      }
      case ExprOp::Div:
      case ExprOp::Mod: {
        const Val a = expr(node.a);
        const Val b = expr(node.b);
        if (a.null == 1 || b.null == 1) return null_val();
        const int v = vreg();
        const int n = vreg();
        const int done = new_label("div_done");
        const int null = new_label("div_null");
        const int minus1 = new_label("div_minus1");
        movi(v, 0);
        movi(n, 0);
        jump_if_null(a, null);
        jump_if_null(b, null);
        jmpi(op::JEQ, b.v, 0, null);
        jmpi(op::JEQ, b.v, -1, minus1);
        mov(v, a.v);
        sdiv(node.op == ExprOp::Div ? op::DIV : op::MOD, v, b.v);
        ja(done);
        label(minus1);  // INT64_MIN / -1 wraps to INT64_MIN; x % -1 = 0
        if (node.op == ExprOp::Div) {
          mov(v, a.v);
          alui(op::NEG, v, 0);
        }
        ja(done);
        label(null);
        movi(n, 1);
        label(done);
        return dyn(v, n);
      }
      case ExprOp::IsNull:
      case ExprOp::NotNull: {
        const Val a = expr(node.a);
        const int v = vreg();
        const bool want_null = node.op == ExprOp::IsNull;
        if (a.null >= 0) {
          movi(v, (a.null == 1) == want_null ? 1 : 0);
        } else {
          mov(v, a.n);
          if (!want_null) alui(op::XOR, v, 1);
        }
        return nonnull(v);
      }
      case ExprOp::And:
      case ExprOp::Or: {
        // The result register is defined after the left operand: nested conditions keep one live result each.
        const bool is_and = node.op == ExprOp::And;
        const Val a = expr(node.a);
        const int v = vreg();
        const int done = new_label(is_and ? "and_done" : "or_done");
        movi(v, is_and ? 0 : 1);
        if (is_and) {
          jump_unless_true(a, done);
        } else {
          jump_if_true(a, done);
        }
        const Val b = expr(node.b);
        if (is_and) {
          jump_unless_true(b, done);
          movi(v, 1);
        } else {
          jump_if_true(b, done);
          movi(v, 0);
        }
        label(done);
        return nonnull(v);
      }
      case ExprOp::SfField:
      case ExprOp::SfFlag:
      case ExprOp::SfRttMs:
      case ExprOp::SfDelayIn:
      case ExprOp::SfDelayOut: return subflow_prop(node, expr(node.a));
      case ExprOp::SfFieldLocal:
      case ExprOp::SfFlagLocal: return subflow_prop(node, load_slot(node.a));
      case ExprOp::PktField:
      case ExprOp::PktFlag:
      case ExprOp::PktAgeMs:
      case ExprOp::PktSentOnAll: return packet_prop(node, expr(node.a));
      case ExprOp::PktFieldLocal:
      case ExprOp::PktFlagLocal: return packet_prop(node, load_slot(node.a));
      case ExprOp::SfHasWindow:
      case ExprOp::PktSentOn: {
        // a is evaluated first; b only if a is not NULL.
        const Val a = expr(node.a);
        if (a.null == 1) return a;
        const int v = vreg();
        const int n = vreg();
        const int done = new_label("pair_done");
        movi(v, 0);
        movi(n, 1);
        jump_if_null(a, done);
        const Val b = expr(node.b);
        if (b.null != 1) {
          jump_if_null(b, done);
          if (node.op == ExprOp::SfHasWindow) {
            const int p = packet_rec(b.v);
            ldx(op::B, v, p, arena::kPktHasWindow);
          } else {
            const int p = packet_rec(a.v);
            const int s = subflow_rec(b.v);
            const int slot = vreg();
            ldx(op::DW, v, p, offsetof(PacketMeta, sent_on));
            ldx(op::B, slot, s, offsetof(SubflowSnapshot, slot));
            alui(op::AND, slot, 63);
            alu(op::RSH, v, slot);
            alui(op::AND, v, 1);
          }
          movi(n, 0);
        }
        label(done);
        return dyn(v, n);
      }
      case ExprOp::SourceEmpty:
      case ExprOp::SourceCount: {
        step();
        const auto src = static_cast<Source>(node.imm);
        int count;
        if (src == Source::Subflows) {
          count = load(arena::kNSf);
        } else {
          const auto k = static_cast<std::uint32_t>(queue_index(src));
          count = load(arena::kNQueue + 8 * k);
          const int pops = load(arena::kPops + 8 * k);
          alu(op::SUB, count, pops);
        }
        if (node.op == ExprOp::SourceCount) return nonnull(count);
        const int z = vreg();
        movi(z, 0);
        return nonnull(cond(op::JEQ, count, z));
      }
      case ExprOp::ListEmpty: {
        const int v = vreg();
        movi(v, 1);
        walk(m_.chains[node.a], [&](int, int, int brk) {
          movi(v, 0);
          ja(brk);
        });
        return nonnull(v);
      }
      case ExprOp::ListCount: {
        const int c = unknown_zero();
        walk(m_.chains[node.a], [&](int, int, int) { alui(op::ADD, c, 1); });
        return nonnull(c);
      }
      case ExprOp::ListTop: {
        const int v = vreg();
        const int n = vreg();
        movi(v, 0);
        movi(n, 1);
        walk(m_.chains[node.a], [&](int e, int, int brk) {
          mov(v, e);
          movi(n, 0);
          ja(brk);
        });
        return dyn(v, n);
      }
      case ExprOp::ListGet: {
        const Val idx = expr(node.b);
        const int v = vreg();
        const int n = vreg();
        const int j = unknown_zero();
        const int done = new_label("get_done");
        movi(v, 0);
        movi(n, 1);
        if (idx.null == 1) {
          ja(done);
        } else {
          jump_if_null(idx, done);
          jmpi(op::JSLT, idx.v, 0, done);
          walk(m_.chains[node.a], [&](int e, int, int brk) {
            const int skip = new_label("get_skip");
            jmp(op::JNE, j, idx.v, skip);
            mov(v, e);
            movi(n, 0);
            ja(brk);
            label(skip);
            alui(op::ADD, j, 1);
          });
        }
        label(done);
        return dyn(v, n);
      }
      case ExprOp::ListPop: return pop(m_.chains[node.a]);
      case ExprOp::ListMin:
      case ExprOp::ListMax: {
        const ir::Lambda& key = m_.lambdas[node.b];
        const bool is_min = node.op == ExprOp::ListMin;
        const int bv = vreg();
        const int bn = vreg();
        const int bk = vreg();
        movi(bv, 0);
        movi(bn, 1);
        movi(bk, 0);
        walk(m_.chains[node.a], [&](int e, int, int) {
          store_slot(key.param, nonnull(e));
          const Val k = expr(key.body);
          if (k.null == 1) return;
          const int skip = new_label("minmax_skip");
          const int take = new_label("minmax_take");
          jump_if_null(k, skip);
          jmpi(op::JNE, bn, 0, take);
          jmp(is_min ? op::JSGE : op::JSLE, k.v, bk, skip);
          label(take);
          mov(bv, e);
          movi(bn, 0);
          mov(bk, k.v);
          label(skip);
        });
        return dyn(bv, bn);
      }
      case ExprOp::ListSum: {
        const ir::Lambda& key = m_.lambdas[node.b];
        const int s = unknown_zero();
        walk(m_.chains[node.a], [&](int e, int, int) {
          store_slot(key.param, nonnull(e));
          const Val k = expr(key.body);
          if (k.null == 1) return;
          const int skip = new_label("sum_skip");
          jump_if_null(k, skip);
          alu(op::ADD, s, k.v);
          label(skip);
        });
        return nonnull(s);
      }
    }
    return null_val();
  }

  void jump_if_true(const Val& x, int target) {
    if (x.null == 1) return;
    const int skip = new_label("not_true");
    if (x.null < 0) jmpi(op::JNE, x.n, 0, skip);
    jmpi(op::JNE, x.v, 0, target);
    label(skip);
  }

  Val subflow_prop(const ir::Node& node, const Val s) {
    if (s.null == 1) return s;
    const int p = subflow_rec(s.v);
    const int v = vreg();
    switch (node.op) {
      case ExprOp::SfField:
      case ExprOp::SfFieldLocal:
        ldx(op::DW, v, p, static_cast<std::int32_t>(node.imm));
        return with_null_of(s, v);
      case ExprOp::SfFlag:
      case ExprOp::SfFlagLocal:
        ldx(op::B, v, p, static_cast<std::int32_t>(node.imm));
        if (node.aux & ir::kNegated) alui(op::XOR, v, 1);
        return with_null_of(s, v);
      case ExprOp::SfRttMs:
        ldx(op::DW, v, p, arena::kSfRttMs);
        return with_null_of(s, v);
      default: {  // DELAY_IN / DELAY_OUT: NULL while unknown
        const bool in = node.op == ExprOp::SfDelayIn;
        ldx(op::DW, v, p, in ? offsetof(SubflowSnapshot, delay_in_us) : offsetof(SubflowSnapshot, delay_out_us));
        const int n = vreg();
        ldx(op::B, n, p, in ? offsetof(SubflowSnapshot, has_delay_in) : offsetof(SubflowSnapshot, has_delay_out));
        alui(op::XOR, n, 1);
        if (s.null < 0) alu(op::OR, n, s.n);
        return dyn(v, n);
      }
    }
  }

  Val packet_prop(const ir::Node& node, const Val pk) {
    if (pk.null == 1) return pk;
    const int p = packet_rec(pk.v);
    const int v = vreg();
    switch (node.op) {
      case ExprOp::PktField:
      case ExprOp::PktFieldLocal: ldx(op::DW, v, p, static_cast<std::int32_t>(node.imm)); break;
      case ExprOp::PktFlag:
      case ExprOp::PktFlagLocal:
        ldx(op::B, v, p, static_cast<std::int32_t>(node.imm));
        if (node.aux & ir::kNegated) alui(op::XOR, v, 1);
        break;
      case ExprOp::PktAgeMs: ldx(op::DW, v, p, arena::kPktAgeMs); break;
      default: ldx(op::B, v, p, arena::kPktSentOnAll); break;
    }
    return with_null_of(pk, v);
  }

  int random() {
    const int x = load(arena::kRng);
    const int c = vreg();
    movi(c, static_cast<std::int64_t>(0x9E3779B97F4A7C15ull));
    alu(op::ADD, x, c);
    stx(op::DW, kArena, arena::kRng, x);
    const int z = vreg();
    const int t = vreg();
    mov(z, x);
    const std::pair<int, std::uint64_t> rounds[] = {{30, 0xBF58476D1CE4E5B9ull}, {27, 0x94D049BB133111EBull}};
    for (const auto& [shift, mul] : rounds) {
      mov(t, z);
      alui(op::RSH, t, shift);
      alu(op::XOR, z, t);
      const int m = vreg();
      movi(m, static_cast<std::int64_t>(mul));
      alu(op::MUL, z, m);
    }
    mov(t, z);
    alui(op::RSH, t, 31);
    alu(op::XOR, z, t);
    alui(op::RSH, z, 32);
    return z;
  }

  // ---- walks ----------------------------------------------------------------------------------------------------
  // One loop over the chain's source: visit(element, source position, break label) for each element that passes
  // the filters. One step per fetched element; popped queue positions are skipped without a step.
  void walk(const ir::Chain& ch, const std::function<void(int, int, int)>& visit) {
    const int i = unknown_zero();
    const int head = new_label("walk");
    const int next = new_label("walk_next");
    const int brk = new_label("walk_end");
    int n;
    std::uint32_t region = 0;
    int k = -1;
    switch (ch.source) {
      case Source::Q:
      case Source::QU:
      case Source::RQ:
        k = queue_index(ch.source);
        n = load(arena::kNQueue + 8 * static_cast<std::uint32_t>(k));
        break;
      case Source::Subflows: n = load(arena::kNSf); break;
      case Source::Snapshot:
      default:
        region = layout_.region(m_.slots[ch.slot].region);
        n = load(region);
        break;
    }
    label(head);
    may_goto(l_unsupported_);
    jmp(op::JGE, i, n, brk);
    int e = vreg();
    if (k >= 0) {
      const int pf = element(layout_.popped[k], i, Capacities::kMaxQueuePackets - 1, 0);
      const int t = vreg();
      ldx(op::B, t, pf, 0);
      jmpi(op::JNE, t, 0, next);
      const int pa = element(layout_.queues[k], i, Capacities::kMaxQueuePackets - 1, 3);
      ldx(op::DW, e, pa, 0);
    } else if (ch.source == Source::Subflows) {
      mov(e, i);
    } else {
      const int pa = element(region + 8, i, Capacities::kMaxSnapshot - 1, 3);
      ldx(op::DW, e, pa, 0);
    }
    for (std::uint32_t f = 0; f < ch.n_filters; ++f) {
      if (f == ch.member_filters) step();  // the fetch (ir::Chain::member_filters)
      const ir::Lambda& lambda = m_.lambdas[ch.first_filter + f];
      store_slot(lambda.param, nonnull(e));
      const Val ok = expr(lambda.body);
      jump_unless_true(ok, next);
    }
    if (ch.n_filters == ch.member_filters) step();
    visit(e, i, brk);
    label(next);
    alui(op::ADD, i, 1);
    ja(head);
    label(brk);
  }

  void materialise(const ir::Chain& ch, std::uint32_t r) {
    const std::uint32_t region = layout_.region(r);
    const int n = unknown_zero();
    walk(ch, [&](int e, int, int) {
      const int pa = element(region + 8, n, Capacities::kMaxSnapshot - 1, 3);
      stx(op::DW, pa, 0, e);
      alui(op::ADD, n, 1);
    });
    stx(op::DW, kArena, static_cast<std::int32_t>(region), n);
  }

  // Appends an effect record {kind | queue << 8 | subflow << 16 | extra << 32, value}; Unsupported when full.
  void effect(EffectKind kind, int queue, int subflow, int extra, int value) {
    const int cnt = load(arena::kNEffects);
    jmpi(op::JGE, cnt, static_cast<std::int32_t>(Capacities::kMaxEffects), l_unsupported_);
    const int p = element(layout_.effects, cnt, Capacities::kMaxEffects - 1, 4);
    const int w = vreg();
    movi(w, static_cast<std::int64_t>(kind) | (static_cast<std::int64_t>(queue) << 8));
    if (subflow >= 0) {
      const int t = vreg();
      mov(t, subflow);
      alui(op::AND, t, 0xff);
      alui(op::LSH, t, 16);
      alu(op::OR, w, t);
    }
    if (extra >= 0) {
      const int t = vreg();
      mov(t, extra);
      alui(op::LSH, t, 32);
      alu(op::OR, w, t);
    }
    stx(op::DW, p, 0, w);
    stx(op::DW, p, 8, value);
    alui(op::ADD, cnt, 1);
    stx(op::DW, kArena, arena::kNEffects, cnt);
  }

  Val pop(const ir::Chain& ch) {
    const int v = vreg();
    const int n = vreg();
    const int at = vreg();
    movi(v, 0);
    movi(n, 1);
    movi(at, 0);
    if (ch.source == Source::Subflows || ch.source == Source::Snapshot) return null_val();  // not in the language
    walk(ch, [&](int e, int pos, int brk) {
      mov(v, e);
      mov(at, pos);
      movi(n, 0);
      ja(brk);
    });
    const int done = new_label("pop_done");
    jmpi(op::JNE, n, 0, done);
    const int k = queue_index(ch.source);
    const int pf = element(layout_.popped[k], at, Capacities::kMaxQueuePackets - 1, 0);
    sti(op::B, pf, 0, 1);
    const int pops = load(arena::kPops + 8 * static_cast<std::uint32_t>(k));
    alui(op::ADD, pops, 1);
    stx(op::DW, kArena, static_cast<std::int32_t>(arena::kPops + 8 * static_cast<std::uint32_t>(k)), pops);
    effect(EffectKind::Pop, k, -1, -1, v);
    label(done);
    return dyn(v, n);
  }

  // ---- PRINT ----------------------------------------------------------------------------------------------------
  // The record a PRINT fills: the next free one, or the spare record kMaxPrints when the cap is reached.
  int print_record(int& cnt) {
    cnt = load(arena::kNPrints);
    return element(layout_.prints, cnt, arena::kPrintRecords - 1, 8);
  }
  // Counts the PRINT: an effect entry if under the cap, else one more suppressed.
  void print_commit(int cnt, int fmt) {
    const int supp = new_label("print_suppressed");
    const int done = new_label("print_done");
    jmpi(op::JGE, cnt, static_cast<std::int32_t>(Capacities::kMaxPrints), supp);
    effect(EffectKind::Print, 0, -1, cnt, fmt);
    alui(op::ADD, cnt, 1);
    stx(op::DW, kArena, arena::kNPrints, cnt);
    ja(done);
    label(supp);
    const int s = load(arena::kSuppressed);
    alui(op::ADD, s, 1);
    stx(op::DW, kArena, arena::kSuppressed, s);
    label(done);
  }

  void print_scalar(const ir::Instr& in) {
    const Val fmt = expr(in.a);
    const auto t = static_cast<lang::Type>(in.aux);
    Val arg = null_val();
    if (in.b != kNoIndex) arg = expr(in.b);
    const int fv = vreg();
    if (fmt.null == 1) movi(fv, 0);
    else mov(fv, fmt.v);
    int cnt;
    const int p = print_record(cnt);
    using K = PrintValue::Kind;
    const int kind = vreg();
    const int value = vreg();
    movi(value, 0);
    if (t == lang::Type::Error) {
      movi(kind, static_cast<int>(K::None));
    } else {
      movi(kind, static_cast<int>(K::Null));
      K k = K::Null;
      switch (t) {
        case lang::Type::Int: k = K::Int; break;
        case lang::Type::Bool: k = K::Bool; break;
        case lang::Type::String: k = K::String; break;
        case lang::Type::Subflow: k = K::Subflow; break;
        case lang::Type::Packet: k = K::Packet; break;
        default: break;
      }
      if (k != K::Null && arg.null != 1) {
        const int skip = new_label("print_null");
        jump_if_null(arg, skip);
        movi(kind, static_cast<int>(k));
        if (k == K::Subflow) {
          ldx(op::DW, value, subflow_rec(arg.v), offsetof(SubflowSnapshot, id));
        } else if (k == K::Packet) {
          ldx(op::DW, value, packet_rec(arg.v), offsetof(PacketMeta, seq));
        } else {
          mov(value, arg.v);
        }
        label(skip);
      }
    }
    stx(op::DW, p, 0, kind);
    stx(op::DW, p, 8, value);
    sti(op::DW, p, 16, 0);
    print_commit(cnt, fv);
  }

  void print_list(const ir::Instr& in) {
    const Val fmt = expr(in.a);
    const int fv = vreg();
    if (fmt.null == 1) movi(fv, 0);
    else mov(fv, fmt.v);
    const ir::Chain& ch = m_.chains[in.b];
    int cnt;
    const int p = print_record(cnt);
    const int count = unknown_zero();
    const int stored = unknown_zero();
    walk(ch, [&](int e, int, int) {
      const int skip = new_label("print_elem_skip");
      jmpi(op::JGE, stored, static_cast<std::int32_t>(kPrintListElems), skip);
      const int v = vreg();
      if (ch.packets) ldx(op::DW, v, packet_rec(e), offsetof(PacketMeta, seq));
      else ldx(op::DW, v, subflow_rec(e), offsetof(SubflowSnapshot, id));
      const int q = element_from(p, 0, stored, 31, 3);
      stx(op::DW, q, 24, v);
      alui(op::ADD, stored, 1);
      label(skip);
      alui(op::ADD, count, 1);
    });
    const int kind = vreg();
    movi(kind, static_cast<int>(ch.packets ? PrintValue::Kind::PacketList : PrintValue::Kind::SubflowList));
    stx(op::DW, p, 0, kind);
    stx(op::DW, p, 8, count);
    stx(op::DW, p, 16, stored);
    print_commit(cnt, fv);
  }

  // ---- statements -----------------------------------------------------------------------------------------------
  bool statement(const ir::Instr& in, std::string& error) {
    switch (in.op) {
      case StmtOp::VarScalar: {
        step();
        const Val v = expr(in.b);
        store_slot(in.a, v);
        return true;
      }
      case StmtOp::Bind: {
        const Val v = expr(in.b);
        store_slot(in.a, v);
        return true;
      }
      case StmtOp::VarList:
        step();
        materialise(m_.chains[in.b], m_.slots[in.a].region);
        return true;
      case StmtOp::IfNot: {
        step();
        const Val c = expr(in.a);
        jump_unless_true(c, pc_labels_[in.b]);
        return true;
      }
      case StmtOp::Jump: ja(pc_labels_[in.a]); return true;
      case StmtOp::ForeachChain:
        step();
        materialise(m_.chains[in.b], loop_region_[in.a]);
        sti(op::DW, kArena, static_cast<std::int32_t>(layout_.loops + 8 * in.a), 0);
        return true;
      case StmtOp::ForeachSlot:
        step();
        sti(op::DW, kArena, static_cast<std::int32_t>(layout_.loops + 8 * in.a), 0);
        return true;
      case StmtOp::ForeachNext: {
        may_goto(l_unsupported_);
        const std::uint32_t region = layout_.region(loop_region_[in.a]);
        const int i = load(layout_.loops + 8 * in.a);
        const int n = load(region);
        jmp(op::JGE, i, n, pc_labels_[in.c]);
        step();
        const int pa = element(region + 8, i, Capacities::kMaxSnapshot - 1, 3);
        const int e = vreg();
        ldx(op::DW, e, pa, 0);
        store_slot(in.b, nonnull(e));
        alui(op::ADD, i, 1);
        stx(op::DW, kArena, static_cast<std::int32_t>(layout_.loops + 8 * in.a), i);
        return true;
      }
      case StmtOp::Set: {
        step();
        const Val v = expr(in.a);
        if (v.null == 1) return true;
        const int skip = new_label("set_skip");
        jump_if_null(v, skip);
        stx(op::DW, kArena, static_cast<std::int32_t>(arena::kRegs + 8 * in.aux), v.v);
        label(skip);
        return true;
      }
      case StmtOp::Drop: {
        step();
        const Val p = expr(in.a);
        if (p.null == 1) return true;
        const int skip = new_label("drop_skip");
        jump_if_null(p, skip);
        effect(EffectKind::Drop, queue_of_origin(in.aux), -1, -1, p.v);
        label(skip);
        return true;
      }
      case StmtOp::Push:
      case StmtOp::SetUser: {
        step();
        const int skip = new_label("action_skip");
        const Val s = expr(in.a);
        if (s.null == 1) return true;
        jump_if_null(s, skip);
        const Val x = expr(in.b);
        if (x.null != 1) {
          jump_if_null(x, skip);
          if (in.op == StmtOp::Push) effect(EffectKind::Push, queue_of_origin(in.aux), s.v, -1, x.v);
          else effect(EffectKind::SetUser, 0, s.v, -1, x.v);
        }
        label(skip);
        return true;
      }
      case StmtOp::Print:
        step();
        print_scalar(in);
        return true;
      case StmtOp::PrintList:
        step();
        print_list(in);
        return true;
      case StmtOp::Void:
        step();
        if (in.a != kNoIndex) (void)expr(in.a);
        return true;
      case StmtOp::VoidList:
        step();
        walk(m_.chains[in.a], [](int, int, int) {});
        return true;
      case StmtOp::Steps: {
        if (in.a > static_cast<std::uint32_t>(INT32_MAX)) {
          const int c = vreg();
          movi(c, in.a);
          jmp(op::JLT, kSteps, c, l_steps_);
          alu(op::SUB, kSteps, c);
        } else {
          jmpi(op::JLT, kSteps, static_cast<std::int32_t>(in.a), l_steps_);
          alui(op::SUB, kSteps, static_cast<std::int32_t>(in.a));
        }
        return true;
      }
      case StmtOp::Return:
        step();
        ja(l_return_);
        return true;
      case StmtOp::End: ja(l_end_); return true;
    }
    error = "unknown statement";
    return false;
  }

  // ---- prologue / epilogue (machine registers only) -------------------------------------------------------------
  void prologue() {
    stx(op::DW, kFp, kCtxSlot, kR1);
    push(VInsn{VInsn::Kind::LdImm64, 0, true, kArena, -1, 0, 0, -1, 0});
    for (std::uint32_t r = 0; r < 7; ++r) {  // registers and rng
      ldx(op::DW, kR0, kR1, static_cast<std::int32_t>(8 * r));
      stx(op::DW, kArena, static_cast<std::int32_t>(8 * r), kR0);
    }
    ldx(op::DW, kSteps, kR1, offsetof(Context, allowance));
  }
  void epilogue() {
    const std::pair<int, EndCause> ends[] = {{l_end_, EndCause::End},
                                             {l_return_, EndCause::Return},
                                             {l_steps_, EndCause::StepLimit},
                                             {l_unsupported_, EndCause::Unsupported}};
    for (const auto& [l, cause] : ends) {
      label(l);
      alui(op::MOV, kR0, static_cast<std::int32_t>(cause));
      ja(l_exit_);
    }
    label(l_exit_);
    ldx(op::DW, kR1, kFp, kCtxSlot);
    for (std::uint32_t r = 0; r < 7; ++r) {
      ldx(op::DW, 2, kArena, static_cast<std::int32_t>(8 * r));
      stx(op::DW, kR1, static_cast<std::int32_t>(8 * r), 2);
    }
    stx(op::DW, kR1, offsetof(Context, steps_left), kSteps);
    push(VInsn{VInsn::Kind::Op, static_cast<std::uint8_t>(op::JMP | op::EXIT), false, -1, -1, 0, 0, -1, 0});
  }

  const ir::Module& m_;
  VCode& out_;
  Layout layout_;
  std::vector<std::uint32_t> loop_region_;
  std::vector<int> pc_labels_;
  int l_end_ = -1, l_return_ = -1, l_steps_ = -1, l_unsupported_ = -1, l_exit_ = -1;
  std::uint32_t pc_ = 0;
};

}  // namespace

bool translate(const ir::Module& module, Bytecode& out, std::string& error) {
  VCode code;
  Translator t(module, code);
  if (!t.run(error)) return false;
  out = Bytecode{};
  return allocate_and_emit(code, out, error);
}

}  // namespace progmp::ebpf
