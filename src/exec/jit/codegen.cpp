// IR → LLVM IR (the JIT engine's code generator). The structure is the AOT generator's (src/exec/aot/codegen.cpp):
// one function per program, every IR node becomes an SSA value with a NULL flag computed by flat code, so the shape
// of the generated code does not follow the depth of the syntax tree; short-circuit operators and NULL-guarded
// operands branch over the code they skip and join with phi nodes; only list walks are loops, one per walk. Mutable
// state (variables, loop cursors, walk counters, registers, the step counter, the generator) lives in allocas that
// SROA promotes to registers. The semantics are the interpreter's, statement for statement: a step check at exactly
// the interpreter's step() points, the same RANDOM draws, the same effect log.
//
// Host calls: only to hand effects to the EffectLog (a C++ object): POP, PUSH, DROP and SET_USER are written natively
// into a buffer of log entries in the call context (the action limit is counted natively too), which one call hands
// to the log when it is full, before a PRINT and at the end; a PRINT fills its argument record natively and calls
// the host once. Everything else (field reads, arithmetic, walks, FILTER, MIN/MAX/SUM, pop bitmaps, the step counter,
// RANDOM) is native code.
#include "codegen.hpp"

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "progmp/ir/nodes.hpp"
#include "progmp/lang/ast.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <llvm/IR/BasicBlock.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#pragma GCC diagnostic pop

namespace progmp::jit {

// ---- host side of the ABI ---------------------------------------------------------------------------------------
void flush_effects(JitContext* c, std::uint32_t n) {
  auto* log = static_cast<EffectLog*>(c->log);
  for (std::uint32_t i = 0; i < n; ++i) {
    Effect e;
    std::memcpy(&e, c->effects + i * sizeof(Effect), sizeof(Effect));
    if (e.kind == EffectKind::Pop) log->pop(e.queue, e.packet);
    else (void)log->try_action(e);  // never refused: the generated code counts the actions left
  }
}

namespace {
void progmp_jit_flush(JitContext* c, std::uint32_t n) { flush_effects(c, n); }
std::int32_t progmp_jit_print(JitContext* c, std::uint32_t n, std::int64_t format, const JitPrintArg* a) {
  flush_effects(c, n);
  PrintValue pv;
  pv.kind = static_cast<PrintValue::Kind>(a->kind);
  pv.value = a->value;
  pv.n_elems = a->n_elems <= kPrintListElems ? a->n_elems : kPrintListElems;
  for (std::uint32_t i = 0; i < pv.n_elems; ++i) pv.elems[i] = a->elems[i];
  return static_cast<EffectLog*>(c->log)->try_print(format, pv) ? 1 : 0;
}
}  // namespace

static_assert(std::is_standard_layout_v<Effect> && std::is_trivially_copyable_v<Effect>);
static_assert(sizeof(EffectKind) == 1 && sizeof(QueueId) == 1 && sizeof(Effect::subflow) == 1 &&
              sizeof(Effect::print) == 4 && sizeof(Effect::packet) == 8 && sizeof(Effect::value) == 8);
static_assert(static_cast<int>(EffectKind::Pop) == 0);
static_assert(static_cast<int>(EffectKind::Push) == 1 && static_cast<int>(EffectKind::Drop) == 2 &&
              static_cast<int>(EffectKind::SetUser) == 3);
static_assert(static_cast<int>(QueueId::Q) == 0 && static_cast<int>(QueueId::QU) == 1 &&
              static_cast<int>(QueueId::RQ) == 2);
static_assert(static_cast<int>(EndCause::End) == 0 && static_cast<int>(EndCause::Return) == 1 &&
              static_cast<int>(EndCause::StepLimit) == 2 && static_cast<int>(EndCause::ActionLimit) == 3);
static_assert(static_cast<int>(PrintValue::Kind::Null) == 1 && static_cast<int>(PrintValue::Kind::Int) == 2 &&
              static_cast<int>(PrintValue::Kind::Bool) == 3 && static_cast<int>(PrintValue::Kind::String) == 4 &&
              static_cast<int>(PrintValue::Kind::Subflow) == 5 && static_cast<int>(PrintValue::Kind::Packet) == 6 &&
              static_cast<int>(PrintValue::Kind::SubflowList) == 7 &&
              static_cast<int>(PrintValue::Kind::PacketList) == 8);
static_assert(sizeof(bool) == 1);

namespace {

using ir::ExprOp;
using ir::kNoIndex;
using ir::Source;
using ir::StmtOp;
using llvm::BasicBlock;
using llvm::Value;

int queue_index(Source s) { return s == Source::Q ? 0 : s == Source::QU ? 1 : 2; }
int origin_queue(std::uint8_t origin) {
  switch (static_cast<ir::Origin>(origin)) {
    case ir::Origin::QU: return 1;
    case ir::Origin::RQ: return 2;
    default: return 0;
  }
}

// A value of the program: 64-bit payload and NULL flag (i1). A never-NULL value carries the constant false.
struct Op {
  Value* v;
  Value* n;
};

class FunctionGen {
 public:
  FunctionGen(const ir::Module& m, llvm::Module& mod, const std::string& symbol)
      : m_(m), mod_(mod), C_(mod.getContext()), b_(C_), ab_(C_) {
    i1_ = llvm::Type::getInt1Ty(C_);
    i8_ = llvm::Type::getInt8Ty(C_);
    i32_ = llvm::Type::getInt32Ty(C_);
    i64_ = llvm::Type::getInt64Ty(C_);
    i128_ = llvm::Type::getInt128Ty(C_);
    i8p_ = llvm::Type::getInt8PtrTy(C_);
    i64p_ = llvm::Type::getInt64PtrTy(C_);
    print_ty_ = llvm::StructType::get(C_, {i32_, i32_, i64_, llvm::ArrayType::get(i64_, kPrintListElems)});
    auto* fty = llvm::FunctionType::get(i32_, {i8p_}, false);
    fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, symbol, mod_);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    fn_->addParamAttr(0, llvm::Attribute::NoAlias);
    for (const ir::Node& n : m_.nodes)
      if (n.op == ExprOp::ListPop) {
        const Source s = m_.chains[n.a].source;
        popped_[queue_index(s)] = true;
      }
    unlikely_ = llvm::MDBuilder(C_).createBranchWeights(1, 1 << 20);
  }

  void generate() {
    entry_ = BasicBlock::Create(C_, "entry", fn_);
    ab_.SetInsertPoint(entry_);
    b_.SetInsertPoint(entry_);
    ctx_ = fn_->getArg(0);
    ctx_->setName("ctx");

    // The call context.
    sf_ = ctx_ptr(offsetof(JitContext, subflows), "sf");
    n_sf_ = ctx_i64(offsetof(JitContext, n_subflows), "n_sf");
    for (int k = 0; k < 3; ++k) {
      queue_[k] = ctx_ptr(offsetof(JitContext, queue) + 8 * static_cast<std::size_t>(k), "q");
      qlen_[k] = ctx_i64(offsetof(JitContext, queue_len) + 8 * static_cast<std::size_t>(k), "qlen");
    }
    now_us_ = ctx_i64(offsetof(JitContext, now_us), "now_us");
    window_end_ = ctx_i64(offsetof(JitContext, window_end), "window_end");
    mss_ = ctx_i64(offsetof(JitContext, mss), "mss");
    regs_ptr_ = b_.CreateBitCast(ctx_ptr(offsetof(JitContext, registers), "registers"), i64p_);
    rng_ptr_ = b_.CreateBitCast(ctx_ptr(offsetof(JitContext, rng), "rngp"), i64p_);
    allowance_ = ctx_i64(offsetof(JitContext, allowance), "allowance");
    regions_ = b_.CreateBitCast(ctx_ptr(offsetof(JitContext, scratch), "scratch"), i64p_);
    effects_ = b_.CreateConstInBoundsGEP1_64(i8_, ctx_, offsetof(JitContext, effects), "effects");
    // stride = 1 + max(n_sf, qlen0, qlen1, qlen2)
    Value* cap = n_sf_;
    for (int k = 0; k < 3; ++k) cap = b_.CreateSelect(b_.CreateICmpUGT(qlen_[k], cap), qlen_[k], cap);
    stride_ = b_.CreateAdd(cap, c64(1), "stride");
    popped_ptr_[0] = b_.CreateGEP(i64_, regions_, b_.CreateMul(c64(m_.n_regions), stride_), "popped0");
    popped_ptr_[1] = b_.CreateGEP(i64_, popped_ptr_[0], words_of(qlen_[0]), "popped1");
    popped_ptr_[2] = b_.CreateGEP(i64_, popped_ptr_[1], words_of(qlen_[1]), "popped2");

    // Mutable state.
    steps_ = var(i64_, c64(0), "steps");
    rng_ = var(i64_, b_.CreateLoad(i64_, rng_ptr_, "rng0"), "rng");
    for (int r = 0; r < 6; ++r)
      regs_[r] = var(i64_, b_.CreateLoad(i64_, b_.CreateGEP(i64_, regs_ptr_, c64(r))), "r" + std::to_string(r));
    prints_suppressed_ = var(i32_, llvm::ConstantInt::get(i32_, 0), "prints_suppressed");
    actions_left_ = var(i64_, ctx_i64(offsetof(JitContext, actions_left), "actions_left0"), "actions_left");
    n_effects_ = var(i32_, llvm::ConstantInt::get(i32_, 0), "n_effects");
    cause_ = var(i32_, llvm::ConstantInt::get(i32_, 0), "cause");
    for (int k = 0; k < 3; ++k) pops_[k] = var(i64_, c64(0), "pops" + std::to_string(k));
    slot_v_.assign(m_.slots.size(), nullptr);
    slot_n_.assign(m_.slots.size(), nullptr);
    for (std::size_t s = 0; s < m_.slots.size(); ++s) {
      if (m_.slots[s].is_list) continue;
      slot_v_[s] = var(i64_, c64(0), "s" + std::to_string(s) + "." + m_.slots[s].name);
      slot_n_[s] = var(i1_, b_.getTrue(), "sn" + std::to_string(s));
    }
    for (std::uint32_t l = 0; l < m_.n_loops; ++l) {
      loop_r_.push_back(var(i64p_, llvm::ConstantPointerNull::get(i64p_), "lr" + std::to_string(l)));
      loop_i_.push_back(var(i64_, c64(0), "li" + std::to_string(l)));
    }
    print_arg_ = ab_.CreateAlloca(print_ty_, nullptr, "print_arg");

    finish_ = BasicBlock::Create(C_, "finish", fn_);
    abort_steps_ = BasicBlock::Create(C_, "abort_steps", fn_);
    abort_actions_ = BasicBlock::Create(C_, "abort_actions", fn_);

    pc_blocks_.resize(m_.code.size());
    for (std::size_t pc = 0; pc < m_.code.size(); ++pc)
      pc_blocks_[pc] = BasicBlock::Create(C_, "pc" + std::to_string(pc), fn_, finish_);
    if (m_.code.empty()) {
      b_.CreateBr(finish_);
    } else {
      b_.CreateBr(pc_blocks_[0]);
    }
    for (std::uint32_t pc = 0; pc < m_.code.size(); ++pc) {
      b_.SetInsertPoint(pc_blocks_[pc]);
      stmt(pc);
      if (!b_.GetInsertBlock()->getTerminator()) {
        if (pc + 1 < m_.code.size()) b_.CreateBr(pc_blocks_[pc + 1]);
        else b_.CreateBr(finish_);
      }
    }

    // finish: hand the buffered effects to the log, write back registers, generator, counters.
    b_.SetInsertPoint(finish_);
    {
      Value* n = b_.CreateLoad(i32_, n_effects_);
      BasicBlock* flush = BasicBlock::Create(C_, "finish.flush", fn_);
      BasicBlock* done = BasicBlock::Create(C_, "finish.state", fn_);
      b_.CreateCondBr(b_.CreateICmpNE(n, c32(0)), flush, done);
      b_.SetInsertPoint(flush);
      call_flush(n);
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
    }
    for (int r = 0; r < 6; ++r)
      b_.CreateStore(b_.CreateLoad(i64_, regs_[r]), b_.CreateGEP(i64_, regs_ptr_, c64(r)));
    b_.CreateStore(b_.CreateLoad(i64_, rng_), rng_ptr_);
    b_.CreateStore(b_.CreateLoad(i64_, steps_), ctx_field(offsetof(JitContext, steps), i64_));
    b_.CreateStore(b_.CreateLoad(i32_, prints_suppressed_), ctx_field(offsetof(JitContext, prints_suppressed), i32_));
    b_.CreateRet(b_.CreateLoad(i32_, cause_));

    b_.SetInsertPoint(abort_steps_);  // steps == allowance + 1
    b_.CreateStore(llvm::ConstantInt::get(i32_, 2), cause_);
    b_.CreateBr(finish_);
    b_.SetInsertPoint(abort_actions_);
    b_.CreateStore(llvm::ConstantInt::get(i32_, 3), cause_);
    b_.CreateBr(finish_);
  }

 private:
  // ---- helpers --------------------------------------------------------------------------------------------------
  llvm::Constant* c64(std::int64_t v) { return llvm::ConstantInt::get(i64_, static_cast<std::uint64_t>(v), true); }
  llvm::Constant* c32(std::uint32_t v) { return llvm::ConstantInt::get(i32_, v); }
  Value* f() { return b_.getFalse(); }
  static bool never_null(const Op& o) {
    auto* c = llvm::dyn_cast<llvm::ConstantInt>(o.n);
    return c && c->isZero();
  }
  static bool always_null(const Op& o) {
    auto* c = llvm::dyn_cast<llvm::ConstantInt>(o.n);
    return c && c->isOne();
  }
  Op null_op() { return {c64(0), b_.getTrue()}; }

  Value* ctx_field(std::size_t offset, llvm::Type* t) {
    Value* p = b_.CreateConstInBoundsGEP1_64(i8_, ctx_, offset);
    return b_.CreateBitCast(p, t->getPointerTo());
  }
  Value* ctx_i64(std::size_t offset, const char* name) { return b_.CreateLoad(i64_, ctx_field(offset, i64_), name); }
  Value* ctx_ptr(std::size_t offset, const char* name) { return b_.CreateLoad(i8p_, ctx_field(offset, i8p_), name); }
  Value* words_of(Value* len) { return b_.CreateLShr(b_.CreateAdd(len, c64(63)), c64(6)); }

  // An alloca in the entry block, initialised there.
  llvm::AllocaInst* var(llvm::Type* t, Value* init, const std::string& name) {
    llvm::AllocaInst* a = ab_.CreateAlloca(t, nullptr, name);
    b_.CreateStore(init, a);
    return a;
  }
  // An alloca in the entry block, initialised where it is used.
  llvm::AllocaInst* tmp(llvm::Type* t, const char* name) {
    llvm::IRBuilder<>::InsertPointGuard guard(ab_);
    ab_.SetInsertPoint(entry_, entry_->begin());
    return ab_.CreateAlloca(t, nullptr, name);
  }
  BasicBlock* block(const char* name) { return BasicBlock::Create(C_, name, fn_, finish_); }
  bool open() const { return b_.GetInsertBlock()->getTerminator() == nullptr; }

  // Address of the subflow record at position idx, and of a field of it.
  Value* sf_addr(Value* idx, std::int64_t offset) {
    Value* base = b_.CreateGEP(i8_, sf_, b_.CreateMul(idx, c64(sizeof(SubflowSnapshot))));
    return b_.CreateGEP(i8_, base, c64(offset));
  }
  Value* pkt_addr(Value* v, std::int64_t offset) {
    return b_.CreateGEP(i8_, b_.CreateIntToPtr(v, i8p_), c64(offset));
  }
  Value* load_i64(Value* byte_addr, std::int64_t offset) {
    return b_.CreateAlignedLoad(i64_, b_.CreateBitCast(byte_addr, i64p_), llvm::MaybeAlign(offset % 8 == 0 ? 8 : 1));
  }
  Value* load_flag(Value* byte_addr) { return b_.CreateICmpNE(b_.CreateLoad(i8_, byte_addr), llvm::ConstantInt::get(i8_, 0)); }
  Value* sf_i64(Value* idx, std::int64_t offset) { return load_i64(sf_addr(idx, offset), offset); }
  Value* pkt_i64(Value* v, std::int64_t offset) { return load_i64(pkt_addr(v, offset), offset); }
  Value* zext(Value* bit) { return b_.CreateZExt(bit, i64_); }

  Value* truth(const Op& o) {
    Value* nz = b_.CreateICmpNE(o.v, c64(0));
    if (never_null(o)) return nz;
    if (always_null(o)) return b_.getFalse();
    return b_.CreateAnd(b_.CreateNot(o.n), nz);
  }
  Value* either_null(const Op& a, const Op& b) {
    if (never_null(a)) return b.n;
    if (never_null(b)) return a.n;
    return b_.CreateOr(a.n, b.n);
  }
  // Value computed without memory access or UB: t = n ? 0 : value.
  Op pure(Value* null_flag, Value* value) {
    Op o{value, null_flag};
    if (never_null(o)) return o;
    return {b_.CreateSelect(null_flag, c64(0), value), null_flag};
  }
  // Value computed only if `null_flag` is false (it reads memory through the operand).
  template <class F>
  Op guarded(Value* null_flag, F&& compute) {
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(null_flag)) {
      if (c->isZero()) return {compute(), f()};
      return null_op();
    }
    BasicBlock* from = b_.GetInsertBlock();
    BasicBlock* ok = block("ok");
    BasicBlock* join = block("join");
    b_.CreateCondBr(null_flag, join, ok);
    b_.SetInsertPoint(ok);
    Value* v = compute();
    BasicBlock* ok_end = b_.GetInsertBlock();
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    llvm::PHINode* phi = b_.CreatePHI(i64_, 2);
    phi->addIncoming(c64(0), from);
    phi->addIncoming(v, ok_end);
    return {phi, null_flag};
  }

  // One reference step: past the allowance the execution stops with step_limit (steps = allowance + 1).
  void step() {
    Value* s = b_.CreateAdd(b_.CreateLoad(i64_, steps_), c64(1));
    b_.CreateStore(s, steps_);
    BasicBlock* cont = block("stepped");
    b_.CreateCondBr(b_.CreateICmpUGT(s, allowance_), abort_steps_, cont, unlikely_);
    b_.SetInsertPoint(cont);
  }

  Value* region(std::uint32_t r) { return b_.CreateGEP(i64_, regions_, b_.CreateMul(c64(r), stride_)); }

  void bind(std::uint32_t slot, Value* v, Value* n) {
    b_.CreateStore(v, slot_v_[slot]);
    b_.CreateStore(n, slot_n_[slot]);
  }
  Op load_slot(std::uint32_t slot) {
    return {b_.CreateLoad(i64_, slot_v_[slot]), b_.CreateLoad(i1_, slot_n_[slot])};
  }

  // Calls a host function by its address.
  template <class Fn>
  Value* host(Fn* fn, llvm::FunctionType* ty, llvm::ArrayRef<Value*> args) {
    auto* addr = llvm::ConstantInt::get(i64_, reinterpret_cast<std::uintptr_t>(fn));
    Value* callee = llvm::ConstantExpr::getIntToPtr(addr, ty->getPointerTo());
    return b_.CreateCall(ty, callee, args);
  }
  void call_flush(Value* n) {
    auto* ty = llvm::FunctionType::get(llvm::Type::getVoidTy(C_), {i8p_, i32_}, false);
    host(&progmp_jit_flush, ty, {ctx_, n});
  }
  // Appends an effect to the context's buffer (handed to the log when full). Actions (kind != Pop) first take one
  // of the actions left: none left stops the execution with action_limit.
  void append_effect(std::uint32_t kind, std::uint32_t queue, Value* subflow, Value* packet, Value* value) {
    if (kind != 0) {
      Value* left = b_.CreateLoad(i64_, actions_left_);
      BasicBlock* cont = block("action.ok");
      b_.CreateCondBr(b_.CreateICmpEQ(left, c64(0)), abort_actions_, cont, unlikely_);
      b_.SetInsertPoint(cont);
      b_.CreateStore(b_.CreateSub(left, c64(1)), actions_left_);
    }
    Value* n = b_.CreateLoad(i32_, n_effects_);
    Value* e = b_.CreateGEP(i8_, effects_, b_.CreateMul(b_.CreateZExt(n, i64_), c64(sizeof(Effect))));
    auto at = [&](std::size_t offset, llvm::Type* t) {
      return b_.CreateBitCast(b_.CreateConstInBoundsGEP1_64(i8_, e, offset), t->getPointerTo());
    };
    b_.CreateStore(llvm::ConstantInt::get(i8_, kind), at(offsetof(Effect, kind), i8_));
    b_.CreateStore(llvm::ConstantInt::get(i8_, queue), at(offsetof(Effect, queue), i8_));
    b_.CreateStore(subflow, at(offsetof(Effect, subflow), i8_));
    b_.CreateStore(c32(0), at(offsetof(Effect, print), i32_));
    b_.CreateStore(packet ? packet : c64(0), at(offsetof(Effect, packet), i64_));
    b_.CreateStore(value, at(offsetof(Effect, value), i64_));
    Value* n1 = b_.CreateAdd(n, c32(1));
    BasicBlock* full = block("effects.full");
    BasicBlock* cont = block("effects.ok");
    b_.CreateStore(n1, n_effects_);
    b_.CreateCondBr(b_.CreateICmpEQ(n1, c32(kEffectBuffer)), full, cont, unlikely_);
    b_.SetInsertPoint(full);
    call_flush(n1);
    b_.CreateStore(c32(0), n_effects_);
    b_.CreateBr(cont);
    b_.SetInsertPoint(cont);
  }
  void call_action(std::uint32_t kind, std::uint32_t queue, Value* subflow, Value* packet, Value* value) {
    append_effect(kind, queue, subflow, packet, value);
  }
  // PRINT: the host first takes the buffered effects (the log keeps program order).
  void call_print(Value* format) {
    auto* ty = llvm::FunctionType::get(i32_, {i8p_, i32_, i64_, i8p_}, false);
    Value* ok = host(&progmp_jit_print, ty,
                     {ctx_, b_.CreateLoad(i32_, n_effects_), format, b_.CreateBitCast(print_arg_, i8p_)});
    b_.CreateStore(c32(0), n_effects_);
    Value* ps = b_.CreateLoad(i32_, prints_suppressed_);
    b_.CreateStore(b_.CreateSelect(b_.CreateICmpEQ(ok, c32(0)), b_.CreateAdd(ps, c32(1)), ps), prints_suppressed_);
  }
  Value* print_field(unsigned index) { return b_.CreateStructGEP(print_ty_, print_arg_, index); }

  // ---- expressions ----------------------------------------------------------------------------------------------
  Op expr(std::uint32_t n) {
    const ir::Node& node = m_.nodes[n];
    switch (node.op) {
      case ExprOp::ConstInt:
      case ExprOp::ConstBool:
      case ExprOp::ConstString: return {c64(node.imm), f()};
      case ExprOp::ConstNull: return null_op();
      case ExprOp::Reg: return {b_.CreateLoad(i64_, regs_[node.imm]), f()};
      case ExprOp::Local: return load_slot(node.a);
      case ExprOp::LocalFetched: {
        const Op x = load_slot(node.a);
        BasicBlock* fetch = block("fetched");
        BasicBlock* done = block("fetched.done");
        b_.CreateCondBr(x.n, done, fetch);
        b_.SetInsertPoint(fetch);
        step();  // the fetch of a hoisted TOP
        b_.CreateBr(done);
        b_.SetInsertPoint(done);
        return x;
      }
      case ExprOp::NowMs: return {b_.CreateSDiv(now_us_, c64(1000)), f()};
      case ExprOp::Random: {
        // splitmix64, the upper 32 bits (runtime.md §7.4).
        Value* x = b_.CreateAdd(b_.CreateLoad(i64_, rng_), c64(static_cast<std::int64_t>(0x9E3779B97F4A7C15ull)));
        b_.CreateStore(x, rng_);
        Value* z = b_.CreateMul(b_.CreateXor(x, b_.CreateLShr(x, 30)),
                                c64(static_cast<std::int64_t>(0xBF58476D1CE4E5B9ull)));
        z = b_.CreateMul(b_.CreateXor(z, b_.CreateLShr(z, 27)), c64(static_cast<std::int64_t>(0x94D049BB133111EBull)));
        z = b_.CreateXor(z, b_.CreateLShr(z, 31));
        return {b_.CreateLShr(z, 32), f()};
      }
      case ExprOp::WindowEnd: return {window_end_, f()};
      case ExprOp::Mss: return {mss_, f()};
      case ExprOp::Neg: {
        const Op a = expr(node.a);
        return pure(a.n, b_.CreateSub(c64(0), a.v));  // wrapping (no nsw)
      }
      case ExprOp::Not: {
        const Op a = expr(node.a);
        return pure(a.n, zext(b_.CreateICmpEQ(a.v, c64(0))));
      }
      case ExprOp::Add:
      case ExprOp::Sub:
      case ExprOp::Mul:
      case ExprOp::Eq:
      case ExprOp::Ne:
      case ExprOp::Lt:
      case ExprOp::Le:
      case ExprOp::Gt:
      case ExprOp::Ge: {
        const Op a = expr(node.a);
        const Op b = expr(node.b);
        Value* v = nullptr;
        switch (node.op) {
          case ExprOp::Add: v = b_.CreateAdd(a.v, b.v); break;
          case ExprOp::Sub: v = b_.CreateSub(a.v, b.v); break;
          case ExprOp::Mul: v = b_.CreateMul(a.v, b.v); break;
          case ExprOp::Eq: v = zext(b_.CreateICmpEQ(a.v, b.v)); break;
          case ExprOp::Ne: v = zext(b_.CreateICmpNE(a.v, b.v)); break;
          case ExprOp::Lt: v = zext(b_.CreateICmpSLT(a.v, b.v)); break;
          case ExprOp::Le: v = zext(b_.CreateICmpSLE(a.v, b.v)); break;
          case ExprOp::Gt: v = zext(b_.CreateICmpSGT(a.v, b.v)); break;
          default: v = zext(b_.CreateICmpSGE(a.v, b.v)); break;
        }
        return pure(either_null(a, b), v);
      }
      case ExprOp::Div:
      case ExprOp::Mod: {
        const Op a = expr(node.a);
        const Op b = expr(node.b);
        // NULL if b = 0; b = -1 gives -a (wrapping: INT64_MIN / -1 = INT64_MIN) and 0, as in the interpreter. The
        // divisor of the machine division is never 0 or -1, so it has no undefined case.
        Value* zero = b_.CreateICmpEQ(b.v, c64(0));
        Value* minus1 = b_.CreateICmpEQ(b.v, c64(-1));
        Value* safe = b_.CreateSelect(b_.CreateOr(zero, minus1), c64(1), b.v);
        Value* v = node.op == ExprOp::Div
                       ? b_.CreateSelect(minus1, b_.CreateSub(c64(0), a.v), b_.CreateSDiv(a.v, safe))
                       : b_.CreateSelect(minus1, c64(0), b_.CreateSRem(a.v, safe));
        Value* null_flag = never_null(a) && never_null(b) ? zero : b_.CreateOr(either_null(a, b), zero);
        return pure(null_flag, v);
      }
      case ExprOp::IsNull: {
        const Op a = expr(node.a);
        return {zext(a.n), f()};
      }
      case ExprOp::NotNull: {
        const Op a = expr(node.a);
        return {zext(b_.CreateNot(a.n)), f()};
      }
      case ExprOp::And:
      case ExprOp::Or: {
        const bool is_and = node.op == ExprOp::And;
        const Op a = expr(node.a);
        Value* ta = truth(a);
        BasicBlock* from = b_.GetInsertBlock();
        BasicBlock* rhs = block(is_and ? "and.rhs" : "or.rhs");
        BasicBlock* join = block(is_and ? "and.join" : "or.join");
        if (is_and) b_.CreateCondBr(ta, rhs, join);
        else b_.CreateCondBr(ta, join, rhs);
        b_.SetInsertPoint(rhs);
        const Op b = expr(node.b);
        Value* tb = zext(truth(b));
        BasicBlock* rhs_end = b_.GetInsertBlock();
        b_.CreateBr(join);
        b_.SetInsertPoint(join);
        llvm::PHINode* phi = b_.CreatePHI(i64_, 2);
        phi->addIncoming(c64(is_and ? 0 : 1), from);
        phi->addIncoming(tb, rhs_end);
        return {phi, f()};
      }
      case ExprOp::SfField: {
        const Op a = expr(node.a);
        return guarded(a.n, [&] { return sf_i64(a.v, node.imm); });
      }
      case ExprOp::SfFieldLocal: {
        const Op a = load_slot(node.a);
        return guarded(a.n, [&] { return sf_i64(a.v, node.imm); });
      }
      case ExprOp::SfFlag:
      case ExprOp::SfFlagLocal: {
        const Op a = node.op == ExprOp::SfFlagLocal ? load_slot(node.a) : expr(node.a);
        const bool neg = (node.aux & ir::kNegated) != 0;
        return guarded(a.n, [&] {
          Value* bit = load_flag(sf_addr(a.v, node.imm));
          return zext(neg ? b_.CreateNot(bit) : bit);
        });
      }
      case ExprOp::SfRttMs: {
        const Op a = expr(node.a);
        return guarded(a.n, [&] {
          return b_.CreateSDiv(sf_i64(a.v, offsetof(SubflowSnapshot, rtt_us)), c64(1000));
        });
      }
      case ExprOp::SfDelayIn:
      case ExprOp::SfDelayOut: {
        const Op a = expr(node.a);
        const bool in = node.op == ExprOp::SfDelayIn;
        const std::int64_t known_off = in ? offsetof(SubflowSnapshot, has_delay_in)
                                          : offsetof(SubflowSnapshot, has_delay_out);
        const std::int64_t value_off = in ? offsetof(SubflowSnapshot, delay_in_us)
                                          : offsetof(SubflowSnapshot, delay_out_us);
        return guarded2(a.n, [&]() -> Op {
          Value* known = load_flag(sf_addr(a.v, known_off));
          Value* v = b_.CreateSelect(known, sf_i64(a.v, value_off), c64(0));
          return {v, b_.CreateNot(known)};
        });
      }
      case ExprOp::SfHasWindow:
      case ExprOp::PktSentOn: {
        // b is not evaluated if a is NULL.
        const Op a = expr(node.a);
        return guarded2(a.n, [&]() -> Op {
          const Op b = expr(node.b);
          const Op av = a;
          return guarded2(b.n, [&]() -> Op {
            if (node.op == ExprOp::SfHasWindow) {
              Value* seq = b_.CreateSExt(pkt_i64(b.v, offsetof(PacketMeta, seq)), i128_);
              Value* len = b_.CreateSExt(pkt_i64(b.v, offsetof(PacketMeta, length)), i128_);
              Value* we = b_.CreateSExt(window_end_, i128_);
              return {zext(b_.CreateICmpSLE(b_.CreateAdd(seq, len), we)), f()};
            }
            return {sent_on_bit(av.v, b.v), f()};
          });
        });
      }
      case ExprOp::PktField: {
        const Op a = expr(node.a);
        return guarded(a.n, [&] { return pkt_i64(a.v, node.imm); });
      }
      case ExprOp::PktFieldLocal: {
        const Op a = load_slot(node.a);
        return guarded(a.n, [&] { return pkt_i64(a.v, node.imm); });
      }
      case ExprOp::PktFlag:
      case ExprOp::PktFlagLocal: {
        const Op a = node.op == ExprOp::PktFlagLocal ? load_slot(node.a) : expr(node.a);
        const bool neg = (node.aux & ir::kNegated) != 0;
        return guarded(a.n, [&] {
          Value* bit = load_flag(pkt_addr(a.v, node.imm));
          return zext(neg ? b_.CreateNot(bit) : bit);
        });
      }
      case ExprOp::PktAgeMs: {
        const Op a = expr(node.a);
        return guarded(a.n, [&] {
          return b_.CreateSDiv(b_.CreateSub(now_us_, pkt_i64(a.v, offsetof(PacketMeta, t_app_us))), c64(1000));
        });
      }
      case ExprOp::PktSentOnAll: {
        const Op a = expr(node.a);
        return guarded(a.n, [&] { return sent_on_all(a.v); });
      }
      case ExprOp::SourceEmpty:
      case ExprOp::SourceCount: {
        step();
        const auto src = static_cast<Source>(node.imm);
        Value* count;
        if (src == Source::Subflows) {
          count = n_sf_;
        } else {
          const int k = queue_index(src);
          count = b_.CreateSub(qlen_[k], b_.CreateLoad(i64_, pops_[k]));
        }
        return {node.op == ExprOp::SourceEmpty ? zext(b_.CreateICmpEQ(count, c64(0))) : count, f()};
      }
      case ExprOp::ListEmpty: {
        llvm::AllocaInst* t = tmp(i64_, "empty");
        b_.CreateStore(c64(1), t);
        walk(m_.chains[node.a], [&](Value*, Value*, BasicBlock*, BasicBlock* brk) {
          b_.CreateStore(c64(0), t);
          b_.CreateBr(brk);
        });
        return {b_.CreateLoad(i64_, t), f()};
      }
      case ExprOp::ListCount: {
        llvm::AllocaInst* t = tmp(i64_, "count");
        b_.CreateStore(c64(0), t);
        walk(m_.chains[node.a], [&](Value*, Value*, BasicBlock*, BasicBlock*) {
          b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64_, t), c64(1)), t);
        });
        return {b_.CreateLoad(i64_, t), f()};
      }
      case ExprOp::ListTop: {
        llvm::AllocaInst* t = tmp(i64_, "top");
        llvm::AllocaInst* tn = tmp(i1_, "top.null");
        b_.CreateStore(c64(0), t);
        b_.CreateStore(b_.getTrue(), tn);
        walk(m_.chains[node.a], [&](Value* e, Value*, BasicBlock*, BasicBlock* brk) {
          b_.CreateStore(e, t);
          b_.CreateStore(f(), tn);
          b_.CreateBr(brk);
        });
        return {b_.CreateLoad(i64_, t), b_.CreateLoad(i1_, tn)};
      }
      case ExprOp::ListGet: {
        const Op idx = expr(node.b);
        llvm::AllocaInst* t = tmp(i64_, "get");
        llvm::AllocaInst* tn = tmp(i1_, "get.null");
        llvm::AllocaInst* k = tmp(i64_, "get.k");
        b_.CreateStore(c64(0), t);
        b_.CreateStore(b_.getTrue(), tn);
        b_.CreateStore(c64(0), k);
        Value* skip = b_.CreateICmpSLT(idx.v, c64(0));
        if (!never_null(idx)) skip = b_.CreateOr(idx.n, skip);
        BasicBlock* go = block("get.walk");
        BasicBlock* done = block("get.done");
        b_.CreateCondBr(skip, done, go);
        b_.SetInsertPoint(go);
        walk(m_.chains[node.a], [&](Value* e, Value*, BasicBlock* cont, BasicBlock* brk) {
          Value* kv = b_.CreateLoad(i64_, k);
          b_.CreateStore(b_.CreateAdd(kv, c64(1)), k);
          BasicBlock* hit = block("get.hit");
          b_.CreateCondBr(b_.CreateICmpSLT(kv, idx.v), cont, hit);
          b_.SetInsertPoint(hit);
          b_.CreateStore(e, t);
          b_.CreateStore(f(), tn);
          b_.CreateBr(brk);
        });
        b_.CreateBr(done);
        b_.SetInsertPoint(done);
        return {b_.CreateLoad(i64_, t), b_.CreateLoad(i1_, tn)};
      }
      case ExprOp::ListPop: return pop(m_.chains[node.a]);
      case ExprOp::ListMin:
      case ExprOp::ListMax: {
        const bool is_min = node.op == ExprOp::ListMin;
        const ir::Lambda& key = m_.lambdas[node.b];
        llvm::AllocaInst* t = tmp(i64_, is_min ? "min" : "max");
        llvm::AllocaInst* tn = tmp(i1_, "best.null");
        llvm::AllocaInst* best = tmp(i64_, "best.key");
        b_.CreateStore(c64(0), t);
        b_.CreateStore(b_.getTrue(), tn);
        b_.CreateStore(c64(0), best);
        walk(m_.chains[node.a], [&](Value* e, Value*, BasicBlock* cont, BasicBlock*) {
          bind(key.param, e, f());
          const Op k = expr(key.body);
          Value* bk = b_.CreateLoad(i64_, best);
          Value* better = is_min ? b_.CreateICmpSLT(k.v, bk) : b_.CreateICmpSGT(k.v, bk);
          Value* take = b_.CreateOr(b_.CreateLoad(i1_, tn), better);
          if (!never_null(k)) take = b_.CreateAnd(b_.CreateNot(k.n), take);
          BasicBlock* upd = block("best.update");
          b_.CreateCondBr(take, upd, cont);
          b_.SetInsertPoint(upd);
          b_.CreateStore(e, t);
          b_.CreateStore(f(), tn);
          b_.CreateStore(k.v, best);
        });
        return {b_.CreateLoad(i64_, t), b_.CreateLoad(i1_, tn)};
      }
      case ExprOp::ListSum: {
        const ir::Lambda& key = m_.lambdas[node.b];
        llvm::AllocaInst* t = tmp(i64_, "sum");
        b_.CreateStore(c64(0), t);
        walk(m_.chains[node.a], [&](Value* e, Value*, BasicBlock*, BasicBlock*) {
          bind(key.param, e, f());
          const Op k = expr(key.body);
          Value* s = b_.CreateLoad(i64_, t);
          Value* sum = b_.CreateAdd(s, k.v);
          b_.CreateStore(never_null(k) ? sum : b_.CreateSelect(k.n, s, sum), t);
        });
        return {b_.CreateLoad(i64_, t), f()};
      }
    }
    return null_op();
  }

  // Value and NULL flag computed only if `null_flag` is false.
  template <class F>
  Op guarded2(Value* null_flag, F&& compute) {
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(null_flag)) {
      if (c->isZero()) return compute();
      return null_op();
    }
    BasicBlock* from = b_.GetInsertBlock();
    BasicBlock* ok = block("ok");
    BasicBlock* join = block("join");
    b_.CreateCondBr(null_flag, join, ok);
    b_.SetInsertPoint(ok);
    const Op r = compute();
    BasicBlock* ok_end = b_.GetInsertBlock();
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    llvm::PHINode* v = b_.CreatePHI(i64_, 2);
    v->addIncoming(c64(0), from);
    v->addIncoming(r.v, ok_end);
    llvm::PHINode* n = b_.CreatePHI(i1_, 2);
    n->addIncoming(b_.getTrue(), from);
    n->addIncoming(r.n, ok_end);
    return {v, n};
  }

  // (packet.sent_on >> sf[idx].slot) & 1
  Value* sent_on_bit(Value* packet, Value* idx) {
    Value* mask = pkt_i64(packet, offsetof(PacketMeta, sent_on));
    Value* slot = b_.CreateZExt(b_.CreateLoad(i8_, sf_addr(idx, offsetof(SubflowSnapshot, slot))), i64_);
    return b_.CreateAnd(b_.CreateLShr(mask, b_.CreateAnd(slot, c64(63))), c64(1));
  }
  // 1 if the packet was sent on every subflow of the view.
  Value* sent_on_all(Value* packet) {
    llvm::AllocaInst* i = tmp(i64_, "soa.i");
    llvm::AllocaInst* r = tmp(i64_, "soa");
    b_.CreateStore(c64(0), i);
    b_.CreateStore(c64(1), r);
    BasicBlock* head = block("soa.head");
    BasicBlock* body = block("soa.body");
    BasicBlock* next = block("soa.next");
    BasicBlock* miss = block("soa.miss");
    BasicBlock* exit = block("soa.exit");
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    Value* iv = b_.CreateLoad(i64_, i);
    b_.CreateCondBr(b_.CreateICmpULT(iv, n_sf_), body, exit);
    b_.SetInsertPoint(body);
    b_.CreateCondBr(b_.CreateICmpEQ(sent_on_bit(packet, iv), c64(0)), miss, next);
    b_.SetInsertPoint(next);
    b_.CreateStore(b_.CreateAdd(iv, c64(1)), i);
    b_.CreateBr(head);
    b_.SetInsertPoint(miss);
    b_.CreateStore(c64(0), r);
    b_.CreateBr(exit);
    b_.SetInsertPoint(exit);
    return b_.CreateLoad(i64_, r);
  }

  // ---- walks ----------------------------------------------------------------------------------------------------
  // One loop over the chain's source, one step per fetched element, the FILTER lambdas in order; `visit(e, pos,
  // cont, brk)` emits the code for an element that passed them; it may branch to cont (next element) or brk (leave
  // the walk), or leave its block open (next element). Code after the walk continues in the exit block.
  template <class Visit>
  void walk(const ir::Chain& ch, Visit&& visit) {
    llvm::AllocaInst* i = tmp(i64_, "i");
    b_.CreateStore(c64(0), i);
    Value* len = nullptr;
    Value* base = nullptr;  // snapshot region
    Value* any = nullptr;   // queue walks: some element of this queue is popped
    int k = -1;
    switch (ch.source) {
      case Source::Q:
      case Source::QU:
      case Source::RQ:
        k = queue_index(ch.source);
        len = qlen_[k];
        if (popped_[k]) any = b_.CreateICmpNE(b_.CreateLoad(i64_, pops_[k]), c64(0));
        break;
      case Source::Subflows: len = n_sf_; break;
      case Source::Snapshot:
        base = region(m_.slots[ch.slot].region);
        len = b_.CreateLoad(i64_, base);
        break;
    }
    BasicBlock* head = block("walk.head");
    BasicBlock* body = block("walk.body");
    BasicBlock* latch = block("walk.next");
    BasicBlock* exit = block("walk.exit");
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    Value* iv = b_.CreateLoad(i64_, i);
    b_.CreateCondBr(b_.CreateICmpULT(iv, len), body, exit);
    b_.SetInsertPoint(body);
    Value* e = nullptr;
    if (k >= 0) {
      if (any) {
        Value* word = b_.CreateLoad(i64_, b_.CreateGEP(i64_, popped_ptr_[k], b_.CreateLShr(iv, c64(6))));
        Value* bit = b_.CreateAnd(b_.CreateLShr(word, b_.CreateAnd(iv, c64(63))), c64(1));
        BasicBlock* fetch = block("walk.fetch");
        b_.CreateCondBr(b_.CreateAnd(any, b_.CreateICmpNE(bit, c64(0))), latch, fetch);
        b_.SetInsertPoint(fetch);
      }
      Value* slot = b_.CreateGEP(i8p_, b_.CreateBitCast(queue_[k], i8p_->getPointerTo()), iv);
      e = b_.CreatePtrToInt(b_.CreateLoad(i8p_, slot), i64_);
    } else if (base) {
      e = b_.CreateLoad(i64_, b_.CreateGEP(i64_, base, b_.CreateAdd(iv, c64(1))));
    } else {
      e = iv;
    }
    for (std::uint32_t fi = 0; fi < ch.n_filters; ++fi) {
      if (fi == ch.member_filters) step();  // the fetch (ir::Chain::member_filters)
      const ir::Lambda& l = m_.lambdas[ch.first_filter + fi];
      bind(l.param, e, f());
      const Op p = expr(l.body);
      BasicBlock* pass = block("filter.pass");
      b_.CreateCondBr(truth(p), pass, latch);
      b_.SetInsertPoint(pass);
    }
    if (ch.n_filters == ch.member_filters) step();
    visit(e, iv, latch, exit);
    if (open()) b_.CreateBr(latch);
    b_.SetInsertPoint(latch);
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64_, i), c64(1)), i);
    b_.CreateBr(head);
    b_.SetInsertPoint(exit);
  }

  // Materialises a chain into a region: [length, elements...].
  void materialise(const ir::Chain& ch, Value* r) {
    llvm::AllocaInst* cnt = tmp(i64_, "k");
    b_.CreateStore(c64(0), cnt);
    walk(ch, [&](Value* e, Value*, BasicBlock*, BasicBlock*) {
      Value* c = b_.CreateLoad(i64_, cnt);
      b_.CreateStore(e, b_.CreateGEP(i64_, r, b_.CreateAdd(c, c64(1))));
      b_.CreateStore(b_.CreateAdd(c, c64(1)), cnt);
    });
    b_.CreateStore(b_.CreateLoad(i64_, cnt), r);
  }

  // POP: the first element of the filtered queue; its bit in the queue's pop bitmap is set (the bitmap is cleared at
  // the first pop of the execution) and the pop is logged.
  Op pop(const ir::Chain& ch) {
    llvm::AllocaInst* t = tmp(i64_, "pop");
    llvm::AllocaInst* tn = tmp(i1_, "pop.null");
    llvm::AllocaInst* at = tmp(i64_, "pop.at");
    b_.CreateStore(c64(0), t);
    b_.CreateStore(b_.getTrue(), tn);
    b_.CreateStore(c64(0), at);
    walk(ch, [&](Value* e, Value* pos, BasicBlock*, BasicBlock* brk) {
      b_.CreateStore(e, t);
      b_.CreateStore(f(), tn);
      b_.CreateStore(pos, at);
      b_.CreateBr(brk);
    });
    // The checker allows POP only on Q, QU and RQ; any other source is treated as the interpreter does (as RQ).
    const int k = queue_index(ch.source);
    const bool is_queue = ch.source == Source::Q || ch.source == Source::QU || ch.source == Source::RQ;
    Value* found = b_.CreateNot(b_.CreateLoad(i1_, tn));
    BasicBlock* hit = block("pop.hit");
    BasicBlock* done = block("pop.done");
    b_.CreateCondBr(found, hit, done);
    b_.SetInsertPoint(hit);
    Value* pops = b_.CreateLoad(i64_, pops_[k]);
    // First pop of this queue: clear its bitmap.
    {
      BasicBlock* clear = block("pop.clear");
      BasicBlock* head = block("pop.clear.head");
      BasicBlock* body = block("pop.clear.body");
      BasicBlock* mark = block("pop.mark");
      llvm::AllocaInst* w = tmp(i64_, "w");
      b_.CreateCondBr(b_.CreateICmpEQ(pops, c64(0)), clear, mark);
      b_.SetInsertPoint(clear);
      b_.CreateStore(c64(0), w);
      Value* words = words_of(qlen_[k]);
      b_.CreateBr(head);
      b_.SetInsertPoint(head);
      Value* wv = b_.CreateLoad(i64_, w);
      b_.CreateCondBr(b_.CreateICmpULT(wv, words), body, mark);
      b_.SetInsertPoint(body);
      b_.CreateStore(c64(0), b_.CreateGEP(i64_, popped_ptr_[k], wv));
      b_.CreateStore(b_.CreateAdd(wv, c64(1)), w);
      b_.CreateBr(head);
      b_.SetInsertPoint(mark);
    }
    Value* pos = b_.CreateLoad(i64_, at);
    auto set_bit = [&] {
      Value* addr = b_.CreateGEP(i64_, popped_ptr_[k], b_.CreateLShr(pos, c64(6)));
      Value* bit = b_.CreateShl(c64(1), b_.CreateAnd(pos, c64(63)));
      b_.CreateStore(b_.CreateOr(b_.CreateLoad(i64_, addr), bit), addr);
    };
    if (is_queue) {
      set_bit();
    } else {
      BasicBlock* in = block("pop.inrange");
      BasicBlock* after = block("pop.marked");
      b_.CreateCondBr(b_.CreateICmpULT(pos, qlen_[k]), in, after);
      b_.SetInsertPoint(in);
      set_bit();
      b_.CreateBr(after);
      b_.SetInsertPoint(after);
    }
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64_, pops_[k]), c64(1)), pops_[k]);
    append_effect(0, static_cast<std::uint32_t>(k), llvm::ConstantInt::get(i8_, 0), b_.CreateLoad(i64_, t), c64(0));
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    return {b_.CreateLoad(i64_, t), b_.CreateLoad(i1_, tn)};
  }

  // ---- statements -----------------------------------------------------------------------------------------------
  void stmt(std::uint32_t pc) {
    const ir::Instr& in = m_.code[pc];
    switch (in.op) {
      case StmtOp::VarScalar: {
        step();
        const Op v = expr(in.b);
        bind(in.a, v.v, v.n);
        break;
      }
      case StmtOp::Bind: {
        const Op v = expr(in.b);
        bind(in.a, v.v, v.n);
        break;
      }
      case StmtOp::VarList:
        step();
        materialise(m_.chains[in.b], region(m_.slots[in.a].region));
        break;
      case StmtOp::IfNot: {
        step();
        const Op c = expr(in.a);
        b_.CreateCondBr(truth(c), target(pc + 1), target(in.b));
        break;
      }
      case StmtOp::Jump: b_.CreateBr(target(in.a)); break;
      case StmtOp::ForeachChain: {
        step();
        Value* r = region(m_.loop_region[in.a]);
        materialise(m_.chains[in.b], r);
        b_.CreateStore(r, loop_r_[in.a]);
        b_.CreateStore(c64(0), loop_i_[in.a]);
        break;
      }
      case StmtOp::ForeachSlot:
        step();
        b_.CreateStore(region(m_.slots[in.b].region), loop_r_[in.a]);
        b_.CreateStore(c64(0), loop_i_[in.a]);
        break;
      case StmtOp::ForeachNext: {
        Value* r = b_.CreateLoad(i64p_, loop_r_[in.a]);
        Value* i = b_.CreateLoad(i64_, loop_i_[in.a]);
        BasicBlock* fetch = block("foreach.fetch");
        b_.CreateCondBr(b_.CreateICmpUGE(i, b_.CreateLoad(i64_, r)), target(in.c), fetch);
        b_.SetInsertPoint(fetch);
        step();
        bind(in.b, b_.CreateLoad(i64_, b_.CreateGEP(i64_, r, b_.CreateAdd(i, c64(1)))), f());
        b_.CreateStore(b_.CreateAdd(i, c64(1)), loop_i_[in.a]);
        break;
      }
      case StmtOp::Set: {
        step();
        const Op v = expr(in.a);
        llvm::AllocaInst* reg = regs_[in.aux];
        if (never_null(v)) {
          b_.CreateStore(v.v, reg);
        } else if (!always_null(v)) {
          b_.CreateStore(b_.CreateSelect(v.n, b_.CreateLoad(i64_, reg), v.v), reg);
        }
        break;
      }
      case StmtOp::Drop: {
        step();
        const Op p = expr(in.a);
        if (always_null(p)) break;
        BasicBlock* skip = nullptr;
        if (!never_null(p)) {
          BasicBlock* go = block("drop");
          skip = block("drop.skip");
          b_.CreateCondBr(p.n, skip, go);
          b_.SetInsertPoint(go);
        }
        call_action(2, static_cast<std::uint32_t>(origin_queue(in.aux)), llvm::ConstantInt::get(i8_, 0), p.v,
                    c64(0));
        if (skip) {
          b_.CreateBr(skip);
          b_.SetInsertPoint(skip);
        }
        break;
      }
      case StmtOp::Push:
      case StmtOp::SetUser: {
        step();
        BasicBlock* skip = block("action.skip");
        const Op s = expr(in.a);
        if (!never_null(s)) {
          BasicBlock* go = block("action.b");
          b_.CreateCondBr(s.n, skip, go);
          b_.SetInsertPoint(go);
        }
        const Op v = expr(in.b);
        if (!never_null(v)) {
          BasicBlock* go = block("action.go");
          b_.CreateCondBr(v.n, skip, go);
          b_.SetInsertPoint(go);
        }
        Value* subflow = b_.CreateTrunc(s.v, i8_);
        if (in.op == StmtOp::Push) {
          call_action(1, static_cast<std::uint32_t>(origin_queue(in.aux)), subflow, v.v, c64(0));
        } else {
          call_action(3, 0, subflow, nullptr, v.v);
        }
        b_.CreateBr(skip);
        b_.SetInsertPoint(skip);
        break;
      }
      case StmtOp::Print: {
        step();
        const Op fmt = expr(in.a);
        const Op arg = in.b == kNoIndex ? null_op() : expr(in.b);
        const auto type = static_cast<lang::Type>(in.aux);
        Value* kind = c32(0);
        Value* value = c64(0);
        if (type != lang::Type::Error) {
          std::uint32_t k = 1;  // NULL
          switch (type) {
            case lang::Type::Int: k = 2; break;
            case lang::Type::Bool: k = 3; break;
            case lang::Type::String: k = 4; break;
            case lang::Type::Subflow: k = 5; break;
            case lang::Type::Packet: k = 6; break;
            default: break;
          }
          if (k == 1 || always_null(arg)) {
            kind = c32(1);
          } else {
            const Op pv = guarded(arg.n, [&]() -> Value* {
              if (k == 5) return sf_i64(arg.v, offsetof(SubflowSnapshot, id));
              if (k == 6) return pkt_i64(arg.v, offsetof(PacketMeta, seq));
              return arg.v;
            });
            kind = never_null(arg) ? c32(k) : b_.CreateSelect(arg.n, c32(1), c32(k));
            value = pv.v;
          }
        }
        b_.CreateStore(kind, print_field(0));
        b_.CreateStore(c32(0), print_field(1));
        b_.CreateStore(value, print_field(2));
        call_print(fmt.v);
        break;
      }
      case StmtOp::PrintList: {
        step();
        const Op fmt = expr(in.a);
        const ir::Chain& ch = m_.chains[in.b];
        llvm::AllocaInst* cnt = tmp(i64_, "print.count");
        llvm::AllocaInst* nel = tmp(i32_, "print.n");
        b_.CreateStore(c64(0), cnt);
        b_.CreateStore(c32(0), nel);
        walk(ch, [&](Value* e, Value*, BasicBlock*, BasicBlock*) {
          Value* nv = b_.CreateLoad(i32_, nel);
          BasicBlock* store = block("print.elem");
          BasicBlock* next = block("print.counted");
          b_.CreateCondBr(b_.CreateICmpULT(nv, c32(kPrintListElems)), store, next);
          b_.SetInsertPoint(store);
          Value* elem = ch.packets ? pkt_i64(e, offsetof(PacketMeta, seq)) : sf_i64(e, offsetof(SubflowSnapshot, id));
          Value* slot = b_.CreateGEP(print_ty_, print_arg_, {c32(0), c32(3), nv});
          b_.CreateStore(elem, slot);
          b_.CreateStore(b_.CreateAdd(nv, c32(1)), nel);
          b_.CreateBr(next);
          b_.SetInsertPoint(next);
          b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64_, cnt), c64(1)), cnt);
        });
        b_.CreateStore(c32(ch.packets ? 8 : 7), print_field(0));
        b_.CreateStore(b_.CreateLoad(i32_, nel), print_field(1));
        b_.CreateStore(b_.CreateLoad(i64_, cnt), print_field(2));
        call_print(fmt.v);
        break;
      }
      case StmtOp::Void:
        step();
        if (in.a != kNoIndex) (void)expr(in.a);
        break;
      case StmtOp::VoidList:
        step();
        walk(m_.chains[in.a], [](Value*, Value*, BasicBlock*, BasicBlock*) {});
        break;
      case StmtOp::Steps: {
        // As many single steps: past the allowance the count reads allowance + 1.
        Value* s = b_.CreateLoad(i64_, steps_);
        BasicBlock* over = block("steps.over");
        BasicBlock* ok = block("steps.ok");
        b_.CreateCondBr(b_.CreateICmpULT(b_.CreateSub(allowance_, s), c64(in.a)), over, ok, unlikely_);
        b_.SetInsertPoint(over);
        b_.CreateStore(b_.CreateAdd(allowance_, c64(1)), steps_);
        b_.CreateBr(abort_steps_);
        b_.SetInsertPoint(ok);
        b_.CreateStore(b_.CreateAdd(s, c64(in.a)), steps_);
        break;
      }
      case StmtOp::Return:
        step();
        b_.CreateStore(c32(1), cause_);
        b_.CreateBr(finish_);
        break;
      case StmtOp::End:
        b_.CreateStore(c32(0), cause_);
        b_.CreateBr(finish_);
        break;
    }
  }

  BasicBlock* target(std::uint32_t pc) { return pc < pc_blocks_.size() ? pc_blocks_[pc] : finish_; }

  const ir::Module& m_;
  llvm::Module& mod_;
  llvm::LLVMContext& C_;
  llvm::IRBuilder<> b_;
  llvm::IRBuilder<> ab_;  // allocas in the entry block
  llvm::Function* fn_ = nullptr;
  llvm::Type *i1_, *i8_, *i32_, *i64_, *i128_;
  llvm::PointerType *i8p_, *i64p_;
  llvm::StructType* print_ty_;
  llvm::MDNode* unlikely_;
  bool popped_[3] = {false, false, false};

  BasicBlock* entry_ = nullptr;
  BasicBlock* finish_ = nullptr;
  BasicBlock* abort_steps_ = nullptr;
  BasicBlock* abort_actions_ = nullptr;
  std::vector<BasicBlock*> pc_blocks_;

  Value* ctx_ = nullptr;
  Value* sf_ = nullptr;
  Value* n_sf_ = nullptr;
  Value* queue_[3] = {};
  Value* qlen_[3] = {};
  Value* now_us_ = nullptr;
  Value* window_end_ = nullptr;
  Value* mss_ = nullptr;
  Value* regs_ptr_ = nullptr;
  Value* rng_ptr_ = nullptr;
  Value* allowance_ = nullptr;
  Value* regions_ = nullptr;
  Value* effects_ = nullptr;
  Value* stride_ = nullptr;
  Value* popped_ptr_[3] = {};

  llvm::AllocaInst* steps_ = nullptr;
  llvm::AllocaInst* rng_ = nullptr;
  llvm::AllocaInst* regs_[6] = {};
  llvm::AllocaInst* prints_suppressed_ = nullptr;
  llvm::AllocaInst* actions_left_ = nullptr;
  llvm::AllocaInst* n_effects_ = nullptr;
  llvm::AllocaInst* cause_ = nullptr;
  llvm::AllocaInst* pops_[3] = {};
  llvm::AllocaInst* print_arg_ = nullptr;
  std::vector<llvm::AllocaInst*> slot_v_, slot_n_;
  std::vector<llvm::AllocaInst*> loop_r_, loop_i_;
};

}  // namespace

void generate_function(const ir::Module& m, llvm::Module& module, const std::string& symbol) {
  FunctionGen gen(m, module, symbol);
  gen.generate();
}

}  // namespace progmp::jit
