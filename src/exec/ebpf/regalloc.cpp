// Register allocation and encoding: live intervals over the virtual code, second-chance binpacking onto R0..R7
// with eviction to stack slots (see ebpf.hpp), slot assignment by linear scan, and the final struct bpf_insn[]
// with resolved jumps.
//
// Intervals are [first appearance, last appearance] in code order, extended over every loop they are live into
// (a value defined before a loop head and used inside the loop stays live up to the loop's back edge). The
// translator defines every virtual register before any branch that can reach a use, so this single-range
// approximation never makes the allocator reload a slot that was not written on the path (which the verifier
// would reject as an uninitialised stack read).
#include <algorithm>
#include <array>

#include "internal.hpp"

namespace progmp::ebpf {

std::vector<Assignment> linear_scan(const std::vector<Interval>& intervals, std::uint32_t n_regs,
                                    std::uint32_t& slots_used) {
  std::vector<Assignment> result(intervals.size());
  std::vector<std::size_t> order(intervals.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return intervals[a].start < intervals[b].start; });

  std::vector<std::size_t> active;  // intervals holding a register
  std::vector<int> free_regs;
  for (int r = static_cast<int>(n_regs) - 1; r >= 0; --r) free_regs.push_back(r);
  std::vector<std::size_t> spilled;
  for (std::size_t idx : order) {
    const Interval& cur = intervals[idx];
    // Expire intervals that ended before this one starts.
    for (std::size_t k = 0; k < active.size();) {
      if (intervals[active[k]].end < cur.start) {
        free_regs.push_back(result[active[k]].reg);
        active[k] = active.back();
        active.pop_back();
      } else {
        ++k;
      }
    }
    if (!free_regs.empty()) {
      result[idx].reg = free_regs.back();
      free_regs.pop_back();
      active.push_back(idx);
      continue;
    }
    // No register: spill whichever of the current and active intervals ends last.
    std::size_t victim_k = active.size();
    std::uint32_t furthest = cur.end;
    for (std::size_t k = 0; k < active.size(); ++k) {
      if (intervals[active[k]].end > furthest) {
        furthest = intervals[active[k]].end;
        victim_k = k;
      }
    }
    if (victim_k == active.size()) {
      spilled.push_back(idx);
    } else {
      const std::size_t victim = active[victim_k];
      result[idx].reg = result[victim].reg;
      result[victim].reg = -1;
      spilled.push_back(victim);
      active[victim_k] = idx;
    }
  }

  // Stack slots: a second linear scan over the spilled intervals, unlimited slots.
  std::stable_sort(spilled.begin(), spilled.end(),
                   [&](std::size_t a, std::size_t b) { return intervals[a].start < intervals[b].start; });
  std::vector<std::uint32_t> slot_end;  // per slot: end of its current interval
  slots_used = 0;
  for (std::size_t idx : spilled) {
    int slot = -1;
    for (std::size_t s = 0; s < slot_end.size(); ++s) {
      if (slot_end[s] < intervals[idx].start) {
        slot = static_cast<int>(s);
        break;
      }
    }
    if (slot < 0) {
      slot = static_cast<int>(slot_end.size());
      slot_end.push_back(0);
    }
    slot_end[static_cast<std::size_t>(slot)] = intervals[idx].end;
    result[idx].slot = slot;
  }
  slots_used = static_cast<std::uint32_t>(slot_end.size());
  return result;
}

namespace {

struct Operands {
  bool use_dst = false, def_dst = false, use_src = false;
};

Operands operands(const VInsn& i) {
  Operands o;
  if (i.kind == VInsn::Kind::Label) return o;
  if (i.kind == VInsn::Kind::LdImm64) {
    o.def_dst = true;
    return o;
  }
  const std::uint8_t cls = i.code & 0x07;
  const std::uint8_t operation = i.code & 0xf0;
  const bool x = (i.code & op::X) != 0;
  switch (cls) {
    case op::ALU:
    case op::ALU64:
      if (operation == op::MOV) {
        o.def_dst = true;
        o.use_src = x;
      } else {
        o.use_dst = o.def_dst = true;
        o.use_src = x && operation != op::NEG;
      }
      break;
    case op::LDX:
      o.def_dst = true;
      o.use_src = true;
      break;
    case op::STX:
      o.use_dst = o.use_src = true;
      break;
    case op::ST: o.use_dst = true; break;
    case op::JMP:
    case op::JMP32:
      if (operation == op::JA || operation == op::EXIT || operation == op::JCOND || operation == op::CALL) break;
      o.use_dst = true;
      o.use_src = x;
      break;
    default: break;
  }
  return o;
}

bool is_jump(const VInsn& i) { return i.kind == VInsn::Kind::Op && i.label >= 0; }

}  // namespace

// Drops instructions no path from the entry reaches (the verifier rejects unreachable code).
VCode reachable_only(const VCode& in) {
  const std::size_t n = in.insns.size();
  std::vector<std::size_t> label_at(in.label_names.size(), 0);
  for (std::size_t k = 0; k < n; ++k)
    if (in.insns[k].kind == VInsn::Kind::Label) label_at[static_cast<std::size_t>(in.insns[k].label)] = k;
  std::vector<char> seen(n, 0);
  std::vector<std::size_t> work;
  if (n) work.push_back(0);
  while (!work.empty()) {
    std::size_t k = work.back();
    work.pop_back();
    while (k < n && !seen[k]) {
      seen[k] = 1;
      const VInsn& i = in.insns[k];
      if (i.kind == VInsn::Kind::Op) {
        const std::uint8_t cls = i.code & 0x07;
        const std::uint8_t o = i.code & 0xf0;
        if (i.label >= 0) work.push_back(label_at[static_cast<std::size_t>(i.label)]);
        if ((cls == op::JMP || cls == op::JMP32) && (o == op::JA || o == op::EXIT)) break;
      }
      ++k;
    }
  }
  VCode out;
  out.label_names = in.label_names;
  out.n_vregs = in.n_vregs;
  out.arena_bytes = in.arena_bytes;
  for (std::size_t k = 0; k < n; ++k)
    if (seen[k] || in.insns[k].kind == VInsn::Kind::Label) out.insns.push_back(in.insns[k]);
  return out;
}

namespace {

// ---- second-chance binpacking ------------------------------------------------------------------------------------
// One pass over the code in order. A virtual register lives in a machine register (R0..R7) from its definition
// until it dies or is evicted; eviction picks the value whose next reference is furthest and stores it first if
// its register copy is newer than its stack slot ("dirty"). A reference to an evicted value gives it a second
// chance: it is reloaded into whichever register is free (or freed) at that point. Where control flow meets
// (labels), the allocation state of the first arriving edge in code order becomes the label's state; every other
// edge is reconciled to it by stores (dirty values the label keeps elsewhere) then loads (values the label expects
// in a register), emitted inline on fall-through and unconditional jumps and in a stub for conditional jumps.
class SecondChance {
 public:
  SecondChance(const VCode& code, const std::vector<std::uint32_t>& start, const std::vector<std::uint32_t>& end,
               const std::vector<std::uint32_t>& label_at, Bytecode& out)
      : code_(code), start_(start), end_(end), label_at_(label_at), out_(out) {
    const std::size_t nv = code.n_vregs;
    reg_of_.assign(nv, -1);
    dirty_.assign(nv, 0);
    needs_slot_.assign(nv, 0);
    refs_.resize(nv);
    for (std::size_t k = 0; k < code.insns.size(); ++k) {
      const VInsn& i = code.insns[k];
      const Operands o = operands(i);
      if ((o.use_dst || o.def_dst) && i.dst >= kFirstVirtual) refs_[idx(i.dst)].push_back(static_cast<std::uint32_t>(k));
      if (o.use_src && i.src >= kFirstVirtual) refs_[idx(i.src)].push_back(static_cast<std::uint32_t>(k));
    }
    holder_.fill(-1);
    targeted_.assign(code.label_names.size(), 0);
    for (const VInsn& i : code.insns)
      if (i.kind == VInsn::Kind::Op && i.label >= 0) targeted_[static_cast<std::size_t>(i.label)] = 1;
    label_state_.resize(code.label_names.size());
    has_state_.assign(code.label_names.size(), 0);
    label_pos_.assign(code.label_names.size(), -1);
  }

  bool run(std::string& error) {
    bool falls_through = true;
    for (std::size_t k = 0; k < code_.insns.size(); ++k) {
      const VInsn& i = code_.insns[k];
      k_ = static_cast<std::uint32_t>(k);
      if (i.ir_pc != last_pc_) {
        pc_note_ = "pc " + std::to_string(i.ir_pc);
        last_pc_ = i.ir_pc;
      }
      if (i.kind == VInsn::Kind::Label) {
        // A label no jump targets, not reached by falling through, starts no code (its code was dropped).
        falls_through = at_label(i.label, falls_through);
        continue;
      }
      instruction(i);
      const std::uint8_t cls = i.code & 0x07, o = i.code & 0xf0;
      falls_through = !(i.kind == VInsn::Kind::Op && (cls == op::JMP || cls == op::JMP32) &&
                        (o == op::JA || o == op::EXIT));
    }
    // Stubs of conditional jumps that need reconciling code.
    for (Stub& s : stubs_) {
      label_pos_.push_back(0);
      label_pos_[static_cast<std::size_t>(s.label)] = static_cast<std::int64_t>(pending_.size());
      s.code.push_back(Pending{Insn{static_cast<std::uint8_t>(op::JMP | op::JA), 0, 0, 0, 0}, -1, s.target, "stub"});
      for (std::size_t k = 0; k < s.code.size(); ++k) {
        pending_.push_back(std::move(s.code[k]));
        pending_labels_.push_back(k == 0 ? "stub_" + std::to_string(s.label) : std::string());
      }
    }
    return finish(error);
  }

 private:
  struct Pending {
    Insn insn;
    int slot_vreg = -1;  // spill slot offset of this virtual register goes into insn.off
    int label = -1;      // jump target to resolve
    std::string note;
  };
  struct Stub {
    int label;
    int target;
    std::vector<Pending> code;
  };
  using State = std::vector<std::pair<int, int>>;  // (vreg, register) of the values held in registers

  static std::size_t idx(int v) { return static_cast<std::size_t>(v - kFirstVirtual); }
  bool live_at(int v, std::uint32_t pos) const { return start_[idx(v)] < pos && end_[idx(v)] > pos; }
  bool dead(int v) const { return end_[idx(v)] < k_; }

  void emit(Pending p) {
    if (!p.note.empty() || !pc_note_.empty()) {
      p.note = pc_note_ + (pc_note_.empty() || p.note.empty() ? "" : " ") + p.note;
      pc_note_.clear();
    }
    if (sink_) sink_->push_back(std::move(p));
    else {
      pending_.push_back(std::move(p));
      pending_labels_.push_back(std::move(labels_here_));
      labels_here_.clear();
    }
  }
  Pending store_insn(int v, int r) {
    needs_slot_[idx(v)] = 1;
    return Pending{Insn{static_cast<std::uint8_t>(op::STX | op::MEM | op::DW), kFp, static_cast<std::uint8_t>(kPool8[r]), 0, 0},
                   v, -1, "spill v" + std::to_string(v - kFirstVirtual)};
  }
  Pending load_insn(int v, int r) {
    needs_slot_[idx(v)] = 1;
    return Pending{Insn{static_cast<std::uint8_t>(op::LDX | op::MEM | op::DW), static_cast<std::uint8_t>(kPool8[r]), kFp, 0, 0},
                   v, -1, "reload v" + std::to_string(v - kFirstVirtual)};
  }
  void release(int r) {
    const int v = holder_[static_cast<std::size_t>(r)];
    if (v >= 0) reg_of_[idx(v)] = -1;
    holder_[static_cast<std::size_t>(r)] = -1;
  }
  void bind(int v, int r) {
    holder_[static_cast<std::size_t>(r)] = v;
    reg_of_[idx(v)] = r;
  }
  std::uint32_t next_use(int v) const {
    const auto& r = refs_[idx(v)];
    const auto it = std::lower_bound(r.begin(), r.end(), k_);
    return it == r.end() ? 0xFFFFFFFFu : *it;
  }
  int get_reg(unsigned protect) {
    for (int r = 0; r < 8; ++r)
      if (holder_[static_cast<std::size_t>(r)] < 0) return r;
    for (int r = 0; r < 8; ++r) {
      if (protect & (1u << r)) continue;
      if (dead(holder_[static_cast<std::size_t>(r)])) {
        release(r);
        return r;
      }
    }
    int victim = -1;
    std::uint32_t furthest = 0;
    for (int r = 0; r < 8; ++r) {
      if (protect & (1u << r)) continue;
      const std::uint32_t nu = next_use(holder_[static_cast<std::size_t>(r)]);
      if (victim < 0 || nu > furthest) {
        victim = r;
        furthest = nu;
      }
    }
    const int v = holder_[static_cast<std::size_t>(victim)];
    if (dirty_[idx(v)]) emit(store_insn(v, victim));
    dirty_[idx(v)] = 0;
    ++evictions_;
    release(victim);
    return victim;
  }
  int use(int v, unsigned protect) {
    if (reg_of_[idx(v)] >= 0) return reg_of_[idx(v)];
    const int r = get_reg(protect);
    emit(load_insn(v, r));
    bind(v, r);
    dirty_[idx(v)] = 0;
    return r;
  }
  int def(int v, unsigned protect) {
    if (reg_of_[idx(v)] >= 0) return reg_of_[idx(v)];
    const int r = get_reg(protect);
    bind(v, r);
    return r;
  }

  State snapshot(std::uint32_t pos) const {
    State s;
    for (int r = 0; r < 8; ++r) {
      const int v = holder_[static_cast<std::size_t>(r)];
      if (v >= 0 && live_at(v, pos)) s.emplace_back(v, r);
    }
    return s;
  }
  void adopt(const State& s) {
    for (int r = 0; r < 8; ++r) release(r);
    for (const auto& [v, r] : s) {
      bind(v, r);
      dirty_[idx(v)] = 1;  // a label never assumes its registers' values are in their slots
    }
  }
  // Code turning the current state into `target` (the state of a label at `pos`).
  std::vector<Pending> reconcile(const State& target, std::uint32_t pos) {
    std::vector<Pending> fix;
    auto target_reg = [&](int v) {
      for (const auto& [tv, tr] : target)
        if (tv == v) return tr;
      return -1;
    };
    for (int r = 0; r < 8; ++r) {
      const int v = holder_[static_cast<std::size_t>(r)];
      if (v < 0 || !live_at(v, pos) || !dirty_[idx(v)]) continue;
      if (target_reg(v) != r) fix.push_back(store_insn(v, r));
    }
    for (const auto& [v, r] : target)
      if (reg_of_[idx(v)] != r) fix.push_back(load_insn(v, r));
    return fix;
  }

  bool at_label(int l, bool falls_through) {
    const auto L = static_cast<std::size_t>(l);
    const std::uint32_t pos = label_at_[L];
    const bool reachable = falls_through || targeted_[L];
    if (falls_through) {
      if (has_state_[L]) {
        for (Pending& p : reconcile(label_state_[L], pos)) emit(std::move(p));
      } else {
        label_state_[L] = snapshot(pos);
        has_state_[L] = 1;
      }
    } else if (!has_state_[L]) {
      label_state_[L] = State{};
      has_state_[L] = 1;
    }
    adopt(label_state_[L]);
    label_pos_[L] = static_cast<std::int64_t>(pending_.size());
    if (!labels_here_.empty()) labels_here_ += ' ';
    labels_here_ += code_.label_names[L] + "_" + std::to_string(l);
    return reachable;
  }

  void instruction(const VInsn& i) {
    const Operands o = operands(i);
    unsigned protect = 0;
    int src = i.src, dst = i.dst;
    std::string note;
    if (o.use_src && i.src >= kFirstVirtual) {
      const int r = use(i.src, protect);
      protect |= 1u << r;
      src = kPool8[r];
    }
    if ((o.use_dst || o.def_dst) && i.dst >= kFirstVirtual) {
      const int r = o.use_dst ? use(i.dst, protect) : def(i.dst, protect);
      protect |= 1u << r;
      dst = kPool8[r];
      note += "v" + std::to_string(i.dst - kFirstVirtual) + "=r" + std::to_string(dst);
    }
    if (o.use_src && i.src >= kFirstVirtual && i.src != i.dst)
      note += (note.empty() ? "" : " ") + ("v" + std::to_string(i.src - kFirstVirtual) + "=r" + std::to_string(src));
    if (i.kind == VInsn::Kind::LdImm64) {
      if (i.map) out_.map_value_loads.push_back(static_cast<std::uint32_t>(pending_.size()));
      const auto u = static_cast<std::uint64_t>(i.imm);
      emit(Pending{Insn{static_cast<std::uint8_t>(op::LD | op::DW | op::IMM), static_cast<std::uint8_t>(dst),
                        static_cast<std::uint8_t>(i.map ? op::kPseudoMapValue : 0), 0,
                        static_cast<std::int32_t>(static_cast<std::uint32_t>(u))},
                   -1, -1, note});
      emit(Pending{Insn{0, 0, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(u >> 32))}, -1, -1, ""});
    } else if (i.label >= 0) {
      jump(i, static_cast<std::uint8_t>(dst < 0 ? 0 : dst), static_cast<std::uint8_t>(src < 0 ? 0 : src), note);
    } else {
      emit(Pending{Insn{i.code, static_cast<std::uint8_t>(dst < 0 ? 0 : dst), static_cast<std::uint8_t>(src < 0 ? 0 : src),
                        i.off, static_cast<std::int32_t>(i.imm)},
                   -1, -1, note});
    }
    if (o.def_dst && i.dst >= kFirstVirtual) dirty_[idx(i.dst)] = 1;
    // Values whose last reference this was free their registers.
    for (int v : {i.dst, i.src})
      if (v >= kFirstVirtual && reg_of_[idx(v)] >= 0 && end_[idx(v)] <= k_) release(reg_of_[idx(v)]);
  }

  void jump(const VInsn& i, std::uint8_t dst, std::uint8_t src, const std::string& note) {
    const auto L = static_cast<std::size_t>(i.label);
    const std::uint32_t pos = label_at_[L];
    const Insn insn{i.code, dst, src, i.off, static_cast<std::int32_t>(i.imm)};
    if (!has_state_[L]) {
      label_state_[L] = snapshot(pos);
      has_state_[L] = 1;
    }
    std::vector<Pending> fix = reconcile(label_state_[L], pos);
    if (fix.empty()) {
      emit(Pending{insn, -1, i.label, note});
      return;
    }
    if ((i.code & 0xf0) == op::JA) {
      for (Pending& p : fix) emit(std::move(p));
      emit(Pending{insn, -1, i.label, note});
      return;
    }
    // A conditional jump (or may_goto) goes through a stub that reconciles, then jumps to the label.
    const int stub = static_cast<int>(label_pos_.size() + stubs_.size());
    stubs_.push_back(Stub{stub, i.label, std::move(fix)});
    emit(Pending{insn, -1, stub, note + " via stub"});
  }

  bool finish(std::string& error) {
    // Stack slots: linear scan (no registers) over the intervals of the values that were ever spilled.
    std::vector<Interval> spilled;
    std::vector<int> slot_of(needs_slot_.size(), -1);
    for (std::size_t v = 0; v < needs_slot_.size(); ++v)
      if (needs_slot_[v]) spilled.push_back(Interval{static_cast<std::uint32_t>(v), start_[v], end_[v]});
    std::uint32_t slots = 0;
    const std::vector<Assignment> as = linear_scan(spilled, 0, slots);
    for (std::size_t k = 0; k < spilled.size(); ++k) slot_of[spilled[k].vreg] = as[k].slot;
    if (slots > Capacities::kMaxSpillSlots) {
      error = "too many spilled temporaries (" + std::to_string(slots) + " stack slots)";
      return false;
    }
    out_.spilled = static_cast<std::uint32_t>(spilled.size());
    out_.spill_slots = slots;
    out_.evictions = evictions_;
    for (std::size_t k = 0; k < pending_.size(); ++k) {
      Pending& p = pending_[k];
      if (p.slot_vreg >= 0)
        p.insn.off = static_cast<std::int16_t>(kFirstSpillSlot - 8 * slot_of[idx(p.slot_vreg)]);
      if (p.label >= 0) {
        const std::int64_t target = label_pos_[static_cast<std::size_t>(p.label)];
        const std::int64_t off = target - static_cast<std::int64_t>(k) - 1;
        if (target < 0 || off < INT16_MIN || off > INT16_MAX) {
          error = "jump out of range";
          return false;
        }
        p.insn.off = static_cast<std::int16_t>(off);
      }
      out_.insns.push_back(p.insn);
      out_.notes.push_back(std::move(p.note));
      out_.labels.push_back(k < pending_labels_.size() ? std::move(pending_labels_[k]) : std::string());
    }
    if (out_.insns.size() > Capacities::kMaxInsns) {
      error = "program too large";
      return false;
    }
    return true;
  }

  static constexpr int kPool8[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const VCode& code_;
  const std::vector<std::uint32_t>& start_;
  const std::vector<std::uint32_t>& end_;
  const std::vector<std::uint32_t>& label_at_;
  Bytecode& out_;
  std::vector<int> reg_of_;
  std::vector<char> dirty_, needs_slot_;
  std::vector<std::vector<std::uint32_t>> refs_;
  std::array<int, 8> holder_{};
  std::vector<State> label_state_;
  std::vector<char> has_state_, targeted_;
  std::vector<std::int64_t> label_pos_;
  std::vector<Stub> stubs_;
  std::vector<Pending> pending_;
  std::vector<std::string> pending_labels_;
  std::vector<Pending>* sink_ = nullptr;
  std::string labels_here_;
  std::string pc_note_;
  std::uint32_t last_pc_ = 0xFFFFFFFFu;
  std::uint32_t k_ = 0;
  std::uint32_t evictions_ = 0;
};

bool second_chance_emit(const VCode& code, const std::vector<std::uint32_t>& start,
                        const std::vector<std::uint32_t>& end, const std::vector<std::uint32_t>& label_at,
                        Bytecode& out, std::string& error) {
  SecondChance sc(code, start, end, label_at, out);
  return sc.run(error);
}

}  // namespace

bool allocate_and_emit(const VCode& input, Bytecode& out, std::string& error) {
  const VCode code = reachable_only(input);
  const std::size_t n = code.insns.size();
  const std::uint32_t nv = code.n_vregs;
  // Label positions in virtual code.
  std::vector<std::uint32_t> label_at(code.label_names.size(), 0);
  for (std::size_t k = 0; k < n; ++k)
    if (code.insns[k].kind == VInsn::Kind::Label) label_at[static_cast<std::size_t>(code.insns[k].label)] = static_cast<std::uint32_t>(k);

  // Live intervals.
  constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  std::vector<std::uint32_t> start(nv, kNone), end(nv, 0);
  auto touch = [&](int v, std::size_t k) {
    if (v < kFirstVirtual) return;
    const auto idx = static_cast<std::size_t>(v - kFirstVirtual);
    if (start[idx] == kNone) start[idx] = static_cast<std::uint32_t>(k);
    end[idx] = static_cast<std::uint32_t>(k);
  };
  for (std::size_t k = 0; k < n; ++k) {
    const VInsn& i = code.insns[k];
    const Operands o = operands(i);
    if (o.use_dst || o.def_dst) touch(i.dst, k);
    if (o.use_src) touch(i.src, k);
  }
  // Back edges: extend intervals live into a loop up to its back edge, until nothing changes.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> loops;  // (head, back edge)
  for (std::size_t k = 0; k < n; ++k) {
    const VInsn& i = code.insns[k];
    if (is_jump(i) && label_at[static_cast<std::size_t>(i.label)] <= k)
      loops.emplace_back(label_at[static_cast<std::size_t>(i.label)], static_cast<std::uint32_t>(k));
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [head, back] : loops) {
      for (std::uint32_t v = 0; v < nv; ++v) {
        if (start[v] == kNone) continue;
        if (start[v] < head && end[v] >= head && end[v] < back) {
          end[v] = back;
          changed = true;
        }
      }
    }
  }
  std::vector<Interval> intervals;
  std::vector<int> interval_of(nv, -1);
  for (std::uint32_t v = 0; v < nv; ++v) {
    if (start[v] == kNone) continue;
    interval_of[v] = static_cast<int>(intervals.size());
    intervals.push_back(Interval{v + kFirstVirtual, start[v], end[v]});
  }
  out.arena_bytes = code.arena_bytes;
  out.virtual_registers = static_cast<std::uint32_t>(intervals.size());
  return second_chance_emit(code, start, end, label_at, out, error);
}

}  // namespace progmp::ebpf
