// IR → C++ (docs/engines.md). One function per program; every IR node becomes a temporary (value and NULL flag)
// computed by flat statements, so the nesting of the generated code does not follow the depth of the syntax tree:
// short-circuit operators and NULL-guarded operands jump over the code they skip. Only list walks are loops, one
// `for` per walk, nested as deep as lambdas are nested. The semantics are the interpreter's, statement for
// statement: the same reference step counts (PROGMP_STEP at exactly the interpreter's step() points), the same
// RANDOM draws, the same effect log.
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "abi.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/ir/nodes.hpp"
#include "progmp/lang/ast.hpp"

namespace progmp::aot {
namespace {

using ir::ExprOp;
using ir::kNoIndex;
using ir::Source;
using ir::StmtOp;

// ---- the records generated code reads, by name -------------------------------------------------------------------
struct Field {
  const char* name;
  const char* type;
  std::size_t offset;
  std::size_t size;
};
#define PROGMP_SF(f, t) Field{#f, t, offsetof(SubflowSnapshot, f), sizeof(SubflowSnapshot::f)}
const Field kSubflowFields[] = {
    PROGMP_SF(id, "std::int64_t"),          PROGMP_SF(rtt_us, "std::int64_t"),
    PROGMP_SF(rtt_var_us, "std::int64_t"),  PROGMP_SF(cwnd, "std::int64_t"),
    PROGMP_SF(ssthresh, "std::int64_t"),    PROGMP_SF(skbs_in_flight, "std::int64_t"),
    PROGMP_SF(queued, "std::int64_t"),      PROGMP_SF(lost_skbs, "std::int64_t"),
    PROGMP_SF(delay_in_us, "std::int64_t"), PROGMP_SF(delay_out_us, "std::int64_t"),
    PROGMP_SF(bw_out_send, "std::int64_t"), PROGMP_SF(bw_out_ack, "std::int64_t"),
    PROGMP_SF(bw, "std::int64_t"),          PROGMP_SF(loss_rate, "std::int64_t"),
    PROGMP_SF(user, "std::int64_t"),        PROGMP_SF(has_delay_in, "bool"),
    PROGMP_SF(has_delay_out, "bool"),       PROGMP_SF(is_backup, "bool"),
    PROGMP_SF(throttled, "bool"),           PROGMP_SF(lossy, "bool"),
    PROGMP_SF(slot, "std::uint8_t"),
};
#undef PROGMP_SF
#define PROGMP_PK(f, t) Field{#f, t, offsetof(PacketMeta, f), sizeof(PacketMeta::f)}
const Field kPacketFields[] = {
    PROGMP_PK(seq, "std::int64_t"),      PROGMP_PK(length, "std::int64_t"), PROGMP_PK(user, "std::int64_t"),
    PROGMP_PK(t_app_us, "std::int64_t"), PROGMP_PK(sent_on, "std::uint64_t"), PROGMP_PK(psh, "bool"),
    PROGMP_PK(in_q, "bool"),             PROGMP_PK(pushed, "bool"),         PROGMP_PK(in_rq, "bool"),
};
#undef PROGMP_PK
#define PROGMP_CX(f) Field{#f, "", offsetof(AotContext, f), sizeof(AotContext::f)}
const Field kContextFields[] = {
    PROGMP_CX(subflows),  PROGMP_CX(n_subflows), PROGMP_CX(queue),    PROGMP_CX(queue_len),
    PROGMP_CX(now_us),    PROGMP_CX(window_end), PROGMP_CX(mss),      PROGMP_CX(registers),
    PROGMP_CX(rng),       PROGMP_CX(allowance),  PROGMP_CX(scratch),  PROGMP_CX(log),
    PROGMP_CX(pop),       PROGMP_CX(action),     PROGMP_CX(print),    PROGMP_CX(steps),
    PROGMP_CX(prints_suppressed),
};
#undef PROGMP_CX
#define PROGMP_PA(f) Field{#f, "", offsetof(AotPrintArg, f), sizeof(AotPrintArg::f)}
const Field kPrintFields[] = {PROGMP_PA(kind), PROGMP_PA(n_elems), PROGMP_PA(value), PROGMP_PA(elems)};
#undef PROGMP_PA
#define PROGMP_PE(f) Field{#f, "", offsetof(AotProgramEntry, f), sizeof(AotProgramEntry::f)}
const Field kEntryFields[] = {PROGMP_PE(name), PROGMP_PE(source_hash), PROGMP_PE(source), PROGMP_PE(entry),
                              PROGMP_PE(n_regions)};
#undef PROGMP_PE

template <std::size_t N>
const char* field_name(const Field (&fields)[N], std::int64_t offset) {
  for (const Field& f : fields)
    if (static_cast<std::int64_t>(f.offset) == offset) return f.name;
  return nullptr;
}

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 0x100000001B3ull;
  }
  return h;
}
template <std::size_t N>
std::uint64_t fnv_fields(std::uint64_t h, const char* record, std::size_t size, const Field (&fields)[N]) {
  h = fnv(h, record);
  h = fnv(h, std::to_string(size));
  for (const Field& f : fields) h = fnv(h, std::string(f.name) + std::string(":") + std::to_string(f.offset) + ":" +
                                           std::to_string(f.size));
  return h;
}

std::string hex64(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llxull", static_cast<unsigned long long>(v));
  return buf;
}

std::string lit(std::int64_t v) {
  if (v == INT64_MIN) return "INT64_MIN";
  return std::string("INT64_C(") + std::to_string(v) + ")";
}

// A C++ string literal for arbitrary text, one source line per literal piece.
std::string string_literal(std::string_view s, const std::string& indent) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(s[i]);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n':
        out += "\\n\"";
        if (i + 1 < s.size()) out += "\n" + indent + "\"";
        else out += "\"";
        break;
      case '\t': out += "\\t"; break;
      case '?': out += "\\?"; break;  // no trigraphs
      default:
        if (ch < 0x20 || ch >= 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", ch);
          out += buf;
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  out += "\"";
  return out;
}

template <std::size_t N>
std::string record_decl(const char* name, std::size_t size, const Field (&fields)[N], const char* host) {
  std::string s = "struct " + std::string(name) + " {\n";
  for (const Field& f : fields) s += "  " + std::string(f.type) + " " + f.name + ";\n";
  s += "};\n";
  s += "static_assert(sizeof(" + std::string(name) + std::string(") == ") + std::to_string(size) + ", \"" + host +
       " layout\");\n";
  for (const Field& f : fields)
    s += "static_assert(offsetof(" + std::string(name) + ", " + f.name + std::string(") == ") + std::to_string(f.offset) +
         ");\n";
  return s;
}

template <std::size_t N>
std::string offset_asserts(const char* name, std::size_t size, const Field (&fields)[N]) {
  std::string s = "static_assert(sizeof(" + std::string(name) + std::string(") == ") + std::to_string(size) + ");\n";
  for (const Field& f : fields)
    s += "static_assert(offsetof(" + std::string(name) + ", " + f.name + std::string(") == ") + std::to_string(f.offset) +
         ");\n";
  return s;
}

// ---- one function -------------------------------------------------------------------------------------------------
struct Op {
  std::string v;  // value expression
  std::string n;  // NULL flag expression ("false" if never NULL)
};

bool never_null(const Op& o) { return o.n == "false"; }
std::string truth(const Op& o) {  // exactly true
  return never_null(o) ? "(" + o.v + " != 0)" : "(!" + o.n + " && " + o.v + " != 0)";
}
std::string either_null(const Op& a, const Op& b) {
  if (never_null(a)) return b.n;
  if (never_null(b)) return a.n;
  return "(" + a.n + " || " + b.n + ")";
}

int queue_index(Source s) { return s == Source::Q ? 0 : s == Source::QU ? 1 : 2; }
int origin_queue(std::uint8_t origin) {
  switch (static_cast<ir::Origin>(origin)) {
    case ir::Origin::QU: return 1;
    case ir::Origin::RQ: return 2;
    default: return 0;
  }
}

class FunctionGen {
 public:
  FunctionGen(const ir::Module& m, std::string symbol) : m_(m), symbol_(std::move(symbol)) {
    for (const ir::Node& n : m_.nodes)
      if (n.op == ExprOp::ListPop) {
        const Source s = m_.chains[n.a].source;
        if (s == Source::Q || s == Source::QU || s == Source::RQ) popped_[queue_index(s)] = true;
      }
    targets_.assign(m_.code.size() + 1, false);
    for (const ir::Instr& in : m_.code) {
      if (in.op == StmtOp::IfNot) targets_[in.b] = true;
      if (in.op == StmtOp::Jump) targets_[in.a] = true;
      if (in.op == StmtOp::ForeachNext) targets_[in.c] = true;
    }
  }

  // The program's function; with `specialise` > 0 a template over the number of subflows (0: the generic one),
  // instantiated for 1..specialise and dispatched on per execution by the entry function.
  std::string generate(std::string_view source, std::string_view name, std::uint32_t specialise) {
    indent_ = 1;
    for (std::uint32_t pc = 0; pc < m_.code.size(); ++pc) stmt(pc);

    std::string f;
    f += "// ---- scheduler " + std::string(name.empty() ? "(unnamed)" : name) + " " +
         std::string(60 > name.size() ? 60 - name.size() : 0, '-') + "\n";
    f += "/* Source:\n";
    std::string src(source);
    for (std::size_t p; (p = src.find("*/")) != std::string::npos;) src.replace(p, 2, "* /");
    f += src;
    if (!src.empty() && src.back() != '\n') f += "\n";
    f += "*/\n";
    if (specialise == 0) {
      f += "extern \"C\" std::uint32_t " + symbol_ + "(progmp_aot::Ctx* c) {\n";
    } else {
      f += "template <std::uint64_t kSubflows>\n";
      f += "static std::uint32_t " + symbol_ + "_n(progmp_aot::Ctx* c) {\n";
    }
    f += "  using namespace progmp_aot;\n";
    f += "  const Subflow* const sf = c->subflows;\n";
    f += specialise == 0 ? "  const std::uint64_t n_sf = c->n_subflows;\n"
                         : "  const std::uint64_t n_sf = kSubflows != 0 ? kSubflows : c->n_subflows;\n";
    f += "  const Packet* const* const q0 = c->queue[0];  // Q\n";
    f += "  const Packet* const* const q1 = c->queue[1];  // QU\n";
    f += "  const Packet* const* const q2 = c->queue[2];  // RQ\n";
    f += "  const std::uint64_t qlen0 = c->queue_len[0], qlen1 = c->queue_len[1], qlen2 = c->queue_len[2];\n";
    f += "  const std::int64_t now_us = c->now_us, window_end = c->window_end, mss = c->mss;\n";
    f += "  const std::uint64_t allowance = c->allowance;\n";
    f += "  std::uint64_t steps = 0, rng = *c->rng;\n";
    f += "  std::uint32_t prints_suppressed = 0, cause = 0;\n";
    f += "  std::int64_t r0 = c->registers[0], r1 = c->registers[1], r2 = c->registers[2],\n";
    f += "               r3 = c->registers[3], r4 = c->registers[4], r5 = c->registers[5];\n";
    f += "  void* const log = c->log;\n";
    f += "  const auto log_pop = c->pop;\n";
    f += "  const auto log_action = c->action;\n";
    f += "  const auto log_print = c->print;\n";
    f += "  std::int64_t* const regions = reinterpret_cast<std::int64_t*>(c->scratch);\n";
    f += "  const std::uint64_t stride = 1 + max4(n_sf, qlen0, qlen1, qlen2);\n";
    f += std::string("  std::uint64_t* const popped0 = c->scratch + ") + std::to_string(m_.n_regions) + " * stride;\n";
    f += "  std::uint64_t* const popped1 = popped0 + (qlen0 + 63) / 64;\n";
    f += "  std::uint64_t* const popped2 = popped1 + (qlen1 + 63) / 64;\n";
    f += "  std::int64_t pops0 = 0, pops1 = 0, pops2 = 0;  // packets popped per queue\n";
    // A pop bitmap is read only after a pop from its queue: POP clears it at the first one.
    f += "  (void)sf; (void)n_sf; (void)q0; (void)q1; (void)q2; (void)now_us; (void)window_end; (void)mss;\n";
    f += "  (void)log; (void)log_pop; (void)log_action; (void)log_print; (void)regions; (void)popped2;\n";
    f += "  (void)pops0; (void)pops1; (void)pops2;\n";
    if (!m_.slots.empty()) {
      f += "  // variables (value, NULL flag)\n";
      for (std::size_t s = 0; s < m_.slots.size(); ++s) {
        if (m_.slots[s].is_list) continue;
        f += std::string("  std::int64_t s") + std::to_string(s) + std::string(" = 0; bool sn") + std::to_string(s) + " = true;  // " +
             m_.slots[s].name + "\n";
      }
    }
    for (std::uint32_t l = 0; l < m_.n_loops; ++l)
      f += std::string("  std::int64_t* lr") + std::to_string(l) + std::string(" = nullptr; std::uint64_t li") + std::to_string(l) +
           std::string(" = 0;  // loop ") + std::to_string(l) + ": snapshot, next index\n";
    if (!decls_.empty()) {
      f += "  // temporaries\n";
      for (const std::string& d : decls_) f += "  " + d + "\n";
    }
    f += "\n";
    f += body_;
    f += "finish:\n";
    f += "  c->registers[0] = r0; c->registers[1] = r1; c->registers[2] = r2;\n";
    f += "  c->registers[3] = r3; c->registers[4] = r4; c->registers[5] = r5;\n";
    f += "  *c->rng = rng;\n";
    f += "  c->steps = steps;\n";
    f += "  c->prints_suppressed = prints_suppressed;\n";
    f += "  return cause;\n";
    f += "abort_steps:  // steps == allowance + 1\n";
    f += "  cause = 2;\n";
    f += "  goto finish;\n";
    f += "abort_actions:\n";
    f += "  cause = 3;\n";
    f += "  goto finish;\n";
    f += "}\n\n";
    if (specialise != 0) {
      f += "// Variants specialised on the number of subflows (SUBFLOWS walks with a constant trip count).\n";
      f += "extern \"C\" std::uint32_t " + symbol_ + "(progmp_aot::Ctx* c) {\n";
      f += "  switch (c->n_subflows) {\n";
      for (std::uint32_t k = 1; k <= specialise; ++k)
        f += "    case " + std::to_string(k) + ": return " + symbol_ + "_n<" + std::to_string(k) + ">(c);\n";
      f += "    default: return " + symbol_ + "_n<0>(c);\n";
      f += "  }\n";
      f += "}\n\n";
    }
    return f;
  }

 private:
  // ---- emission helpers ----------------------------------------------------------------------------------------
  void line(const std::string& s) {
    body_.append(static_cast<std::size_t>(2 * indent_), ' ');
    body_ += s;
    body_ += '\n';
  }
  void label(const std::string& l) { body_ += l + ":;\n"; }
  std::string new_label() { return std::string("L") + std::to_string(labels_++); }
  // A new temporary pair tN / nN.
  int tmp() {
    const int t = tmps_++;
    decls_.push_back(std::string("std::int64_t t") + std::to_string(t) + std::string(" = 0; bool n") + std::to_string(t) + " = false;");
    return t;
  }
  std::string decl(const std::string& type, const std::string& prefix) {
    const std::string name = prefix + std::to_string(vars_++);
    decls_.push_back(type + " " + name + "{};");
    return name;
  }
  static std::string T(int t) { return std::string("t") + std::to_string(t); }
  static std::string N(int t) { return std::string("n") + std::to_string(t); }
  static std::string S(std::uint32_t slot) { return std::string("s") + std::to_string(slot); }
  static std::string SN(std::uint32_t slot) { return std::string("sn") + std::to_string(slot); }
  static std::string pk(const std::string& v) { return "pk(" + v + ")"; }

  std::string sf_field(const std::string& idx, std::int64_t offset) {
    const char* f = field_name(kSubflowFields, offset);
    if (!f) return "field_i64(&sf[" + idx + std::string("], ") + std::to_string(offset) + ")";
    return "sf[" + idx + "]." + f;
  }
  std::string pkt_field(const std::string& v, std::int64_t offset) {
    const char* f = field_name(kPacketFields, offset);
    if (!f) return "field_i64(" + pk(v) + std::string(", ") + std::to_string(offset) + ")";
    return pk(v) + "->" + f;
  }

  // Value `v` under NULL flag `n`: temporary t = n ? 0 : v.
  Op guarded(const std::string& null_flag, const std::string& value) {
    const int t = tmp();
    if (null_flag == "false") {
      line(T(t) + " = " + value + ";");
      return {T(t), "false"};
    }
    line(N(t) + " = " + null_flag + ";");
    line(T(t) + " = " + N(t) + " ? 0 : " + value + ";");
    return {T(t), N(t)};
  }

  // ---- expressions ---------------------------------------------------------------------------------------------
  Op expr(std::uint32_t n) {
    const ir::Node& node = m_.nodes[n];
    switch (node.op) {
      case ExprOp::ConstInt:
      case ExprOp::ConstBool:
      case ExprOp::ConstString: return {lit(node.imm), "false"};
      case ExprOp::ConstNull: return {"0", "true"};
      case ExprOp::Reg: return {std::string("r") + std::to_string(node.imm), "false"};
      case ExprOp::Local: return {S(node.a), SN(node.a)};
      case ExprOp::LocalFetched:
        line("if (!" + SN(node.a) + ") PROGMP_STEP();  // the fetch of a hoisted TOP");
        return {S(node.a), SN(node.a)};
      case ExprOp::NowMs: return {"(now_us / 1000)", "false"};
      case ExprOp::Random: {
        const int t = tmp();
        line(T(t) + " = draw(rng);  // RANDOM");
        return {T(t), "false"};
      }
      case ExprOp::WindowEnd: return {"window_end", "false"};
      case ExprOp::Mss: return {"mss", "false"};
      case ExprOp::Neg: {
        const Op a = expr(node.a);
        return guarded(a.n, "wsub(0, " + a.v + ")");
      }
      case ExprOp::Not: {
        const Op a = expr(node.a);
        return guarded(a.n, "(" + a.v + " == 0)");
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
        std::string v;
        switch (node.op) {
          case ExprOp::Add: v = "wadd(" + a.v + ", " + b.v + ")"; break;
          case ExprOp::Sub: v = "wsub(" + a.v + ", " + b.v + ")"; break;
          case ExprOp::Mul: v = "wmul(" + a.v + ", " + b.v + ")"; break;
          case ExprOp::Eq: v = "(" + a.v + " == " + b.v + ")"; break;
          case ExprOp::Ne: v = "(" + a.v + " != " + b.v + ")"; break;
          case ExprOp::Lt: v = "(" + a.v + " < " + b.v + ")"; break;
          case ExprOp::Le: v = "(" + a.v + " <= " + b.v + ")"; break;
          case ExprOp::Gt: v = "(" + a.v + " > " + b.v + ")"; break;
          default: v = "(" + a.v + " >= " + b.v + ")"; break;
        }
        return guarded(either_null(a, b), v);
      }
      case ExprOp::Div:
      case ExprOp::Mod: {
        const Op a = expr(node.a);
        const Op b = expr(node.b);
        const ir::Node& divisor = m_.nodes[node.b];
        if (divisor.op == ExprOp::ConstInt) {
          // A constant divisor: the guards are decided here (and the compiler sees no division by zero).
          if (divisor.imm == 0) return {"0", "true"};
          if (divisor.imm == -1) return guarded(a.n, node.op == ExprOp::Div ? "wsub(0, " + a.v + ")" : "0");
          return guarded(a.n, a.v + (node.op == ExprOp::Div ? " / " : " % ") + b.v);
        }
        const std::string null_flag = never_null(a) && never_null(b) ? "(" + b.v + " == 0)"
                                                                        : "(" + either_null(a, b) + " || " + b.v +
                                                                              " == 0)";
        const int t = tmp();
        line(N(t) + " = " + null_flag + ";");
        if (node.op == ExprOp::Div) {
          // INT64_MIN / -1 wraps to INT64_MIN, as in the interpreter.
          line(T(t) + " = " + N(t) + " ? 0 : " + b.v + " == -1 ? wsub(0, " + a.v + ") : " + a.v + " / " + b.v +
               ";");
        } else {
          line(T(t) + " = " + N(t) + " ? 0 : " + b.v + " == -1 ? 0 : " + a.v + " % " + b.v + ";");
        }
        return {T(t), N(t)};
      }
      case ExprOp::IsNull: {
        const Op a = expr(node.a);
        const int t = tmp();
        line(T(t) + " = " + a.n + ";");
        return {T(t), "false"};
      }
      case ExprOp::NotNull: {
        const Op a = expr(node.a);
        const int t = tmp();
        line(T(t) + " = !" + a.n + ";");
        return {T(t), "false"};
      }
      case ExprOp::And:
      case ExprOp::Or: {
        const bool is_and = node.op == ExprOp::And;
        const Op a = expr(node.a);
        const int t = tmp();
        const std::string skip = new_label();
        line(T(t) + (is_and ? " = 0;  // AND" : " = 1;  // OR"));
        line(std::string("if (") + (is_and ? "!" : "") + truth(a) + ") goto " + skip + ";");
        const Op b = expr(node.b);
        line(T(t) + " = " + truth(b) + ";");
        label(skip);
        return {T(t), "false"};
      }
      case ExprOp::SfField: {
        const Op a = expr(node.a);
        return guarded(a.n, sf_field(a.v, node.imm));
      }
      case ExprOp::SfFieldLocal: return guarded(SN(node.a), sf_field(S(node.a), node.imm));
      case ExprOp::SfFlag:
      case ExprOp::SfFlagLocal: {
        const bool local = node.op == ExprOp::SfFlagLocal;
        const Op a = local ? Op{S(node.a), SN(node.a)} : expr(node.a);
        const std::string neg = (node.aux & ir::kNegated) ? "!" : "";
        return guarded(a.n, neg + sf_field(a.v, node.imm));
      }
      case ExprOp::SfRttMs: {
        const Op a = expr(node.a);
        return guarded(a.n, "sf[" + a.v + "].rtt_us / 1000");
      }
      case ExprOp::SfDelayIn:
      case ExprOp::SfDelayOut: {
        const Op a = expr(node.a);
        const std::string which = node.op == ExprOp::SfDelayIn ? "in" : "out";
        const std::string known = "sf[" + a.v + "].has_delay_" + which;
        const std::string null_flag = never_null(a) ? "!" + known : "(" + a.n + " || !" + known + ")";
        return guarded(null_flag, "sf[" + a.v + "].delay_" + which + "_us");
      }
      case ExprOp::SfHasWindow:
      case ExprOp::PktSentOn: {
        // b is not evaluated if a is NULL.
        const Op a = expr(node.a);
        const int t = tmp();
        const std::string skip = new_label();
        line(N(t) + " = true;");
        line(T(t) + " = 0;");
        if (!never_null(a)) line("if (" + a.n + ") goto " + skip + ";");
        const Op b = expr(node.b);
        if (!never_null(b)) line("if (" + b.n + ") goto " + skip + ";");
        line(N(t) + " = false;");
        if (node.op == ExprOp::SfHasWindow) {
          line(T(t) + " = static_cast<__int128>(" + pk(b.v) + "->seq) + " + pk(b.v) + "->length <= window_end;");
        } else {
          line(T(t) + " = (" + pk(a.v) + "->sent_on >> sf[" + b.v + "].slot) & 1u;");
        }
        label(skip);
        return {T(t), N(t)};
      }
      case ExprOp::PktField: {
        const Op a = expr(node.a);
        return guarded(a.n, pkt_field(a.v, node.imm));
      }
      case ExprOp::PktFieldLocal: return guarded(SN(node.a), pkt_field(S(node.a), node.imm));
      case ExprOp::PktFlag:
      case ExprOp::PktFlagLocal: {
        const bool local = node.op == ExprOp::PktFlagLocal;
        const Op a = local ? Op{S(node.a), SN(node.a)} : expr(node.a);
        const std::string neg = (node.aux & ir::kNegated) ? "!" : "";
        const char* f = field_name(kPacketFields, node.imm);
        const std::string read = f ? pk(a.v) + "->" + f : "field_bool(" + pk(a.v) + std::string(", ") + std::to_string(node.imm) + ")";
        return guarded(a.n, neg + read);
      }
      case ExprOp::PktAgeMs: {
        const Op a = expr(node.a);
        return guarded(a.n, "(now_us - " + pk(a.v) + "->t_app_us) / 1000");
      }
      case ExprOp::PktSentOnAll: {
        const Op a = expr(node.a);
        return guarded(a.n, "sent_on_all(" + pk(a.v) + ", sf, n_sf)");
      }
      case ExprOp::SourceEmpty:
      case ExprOp::SourceCount: {
        line("PROGMP_STEP();");
        const auto src = static_cast<Source>(node.imm);
        std::string count;
        if (src == Source::Subflows) {
          count = "static_cast<std::int64_t>(n_sf)";
        } else {
          const std::string k = std::to_string(queue_index(src));
          count = "(static_cast<std::int64_t>(qlen" + k + ") - pops" + k + ")";
        }
        const int t = tmp();
        line(T(t) + " = " + (node.op == ExprOp::SourceEmpty ? "(" + count + " == 0)" : count) + ";");
        return {T(t), "false"};
      }
      case ExprOp::ListEmpty: {
        const int t = tmp();
        line(T(t) + " = 1;  // EMPTY");
        walk(m_.chains[node.a], [&](const std::string&, const std::string&) {
          line(T(t) + " = 0;");
          line("break;");
        });
        return {T(t), "false"};
      }
      case ExprOp::ListCount: {
        const int t = tmp();
        line(T(t) + " = 0;  // COUNT");
        walk(m_.chains[node.a], [&](const std::string&, const std::string&) { line("++" + T(t) + ";"); });
        return {T(t), "false"};
      }
      case ExprOp::ListTop: {
        const int t = tmp();
        line(N(t) + " = true;  // TOP");
        line(T(t) + " = 0;");
        walk(m_.chains[node.a], [&](const std::string& e, const std::string&) {
          line(T(t) + " = " + e + ";");
          line(N(t) + " = false;");
          line("break;");
        });
        return {T(t), N(t)};
      }
      case ExprOp::ListGet: {
        const Op idx = expr(node.b);
        const int t = tmp();
        const int k = tmp();  // elements passed so far
        const int i = tmp();  // the index, fixed before the walk
        const std::string skip = new_label();
        line(N(t) + " = true;  // GET");
        line(T(t) + " = 0;");
        line(T(i) + " = " + idx.v + ";");
        line("if (" + (never_null(idx) ? "" : idx.n + " || ") + T(i) + " < 0) goto " + skip + ";");
        line(T(k) + " = 0;");
        walk(m_.chains[node.a], [&](const std::string& e, const std::string&) {
          line("if (" + T(k) + "++ < " + T(i) + ") continue;");
          line(T(t) + " = " + e + ";");
          line(N(t) + " = false;");
          line("break;");
        });
        label(skip);
        return {T(t), N(t)};
      }
      case ExprOp::ListPop: {
        const ir::Chain& ch = m_.chains[node.a];
        if (ch.source != Source::Q && ch.source != Source::QU && ch.source != Source::RQ) {
          // The checker allows POP only on a queue; anything else is declined (runtime.md §7.6).
          ++unsupported_;
          line("return 4u;  // unsupported: POP of a non-queue list");
          return {"0", "true"};
        }
        const int t = tmp();
        const int at = tmp();
        line(N(t) + " = true;  // POP");
        line(T(t) + " = 0;");
        walk(ch, [&](const std::string& e, const std::string& pos) {
          line(T(t) + " = " + e + ";");
          line(N(t) + " = false;");
          line(T(at) + " = static_cast<std::int64_t>(" + pos + ");");
          line("break;");
        });
        const std::string k = std::to_string(queue_index(ch.source));
        line("if (!" + N(t) + ") {");
        line("  if (pops" + k + " == 0) std::memset(popped" + k + ", 0, (qlen" + k + " + 63) / 64 * 8);");
        line("  popped" + k + "[" + T(at) + " >> 6] |= std::uint64_t{1} << (" + T(at) + " & 63);");
        line("  ++pops" + k + ";");
        line("  log_pop(log, " + k + ", " + pk(T(t)) + ");");
        line("}");
        return {T(t), N(t)};
      }
      case ExprOp::ListMin:
      case ExprOp::ListMax: {
        const bool is_min = node.op == ExprOp::ListMin;
        const ir::Lambda& key = m_.lambdas[node.b];
        const int t = tmp();
        const int best = tmp();
        line(N(t) + " = true;  // " + (is_min ? "MIN" : "MAX"));
        line(T(t) + " = 0;");
        line(T(best) + " = 0;");
        walk(m_.chains[node.a], [&](const std::string& e, const std::string&) {
          line(S(key.param) + " = " + e + "; " + SN(key.param) + " = false;");
          const Op k = expr(key.body);
          line("if (" + (never_null(k) ? "" : "!" + k.n + " && ") + "(" + N(t) + " || " + k.v +
               (is_min ? " < " : " > ") + T(best) + ")) {");
          line("  " + T(t) + " = " + e + "; " + N(t) + " = false; " + T(best) + " = " + k.v + ";");
          line("}");
        });
        return {T(t), N(t)};
      }
      case ExprOp::ListSum: {
        const ir::Lambda& key = m_.lambdas[node.b];
        const int t = tmp();
        line(T(t) + " = 0;  // SUM");
        walk(m_.chains[node.a], [&](const std::string& e, const std::string&) {
          line(S(key.param) + " = " + e + "; " + SN(key.param) + " = false;");
          const Op k = expr(key.body);
          if (never_null(k)) line(T(t) + " = wadd(" + T(t) + ", " + k.v + ");");
          else line("if (!" + k.n + ") " + T(t) + " = wadd(" + T(t) + ", " + k.v + ");");
        });
        return {T(t), "false"};
      }
    }
    return {"0", "true"};
  }

  // ---- walks ---------------------------------------------------------------------------------------------------
  // One `for` loop over the chain's source, one step per fetched element, the FILTER lambdas in order; `visit`
  // emits the loop body for an element that passed them (it may `continue` or `break`).
  template <class Visit>
  void walk(const ir::Chain& ch, Visit&& visit) {
    const std::string w = std::to_string(walks_++);
    const std::string i = "i" + w, e = "e" + w;
    decls_.push_back("std::uint64_t " + i + " = 0; std::int64_t " + e + " = 0;");
    switch (ch.source) {
      case Source::Q:
      case Source::QU:
      case Source::RQ: {
        const int k = queue_index(ch.source);
        const std::string ks = std::to_string(k);
        const char* names[3] = {"Q", "QU", "RQ"};
        if (popped_[k]) {
          decls_.push_back("bool any" + w + " = false;");
          line("any" + w + " = pops" + ks + " != 0;");
        }
        line("for (" + i + " = 0; " + i + " < qlen" + ks + "; ++" + i + ") {  // walk " + names[k]);
        ++indent_;
        if (popped_[k]) line("if (any" + w + " && ((popped" + ks + "[" + i + " >> 6] >> (" + i + " & 63)) & 1u)) continue;");
        line(e + " = reinterpret_cast<std::intptr_t>(q" + ks + "[" + i + "]);");
        break;
      }
      case Source::Subflows:
        line("for (" + i + " = 0; " + i + " < n_sf; ++" + i + ") {  // walk SUBFLOWS");
        ++indent_;
        line(e + " = static_cast<std::int64_t>(" + i + ");");
        break;
      case Source::Snapshot: {
        const std::string r = "rg" + w, len = "len" + w;
        decls_.push_back("const std::int64_t* " + r + " = nullptr; std::uint64_t " + len + " = 0;");
        line(r + std::string(" = regions + ") + std::to_string(m_.slots[ch.slot].region) + " * stride;  // " +
             m_.slots[ch.slot].name);
        line(len + " = static_cast<std::uint64_t>(" + r + "[0]);");
        line("for (" + i + " = 0; " + i + " < " + len + "; ++" + i + ") {  // walk " + m_.slots[ch.slot].name);
        ++indent_;
        line(e + " = " + r + "[1 + " + i + "];");
        break;
      }
    }
    for (std::uint32_t f = 0; f < ch.n_filters; ++f) {
      if (f == ch.member_filters) line("PROGMP_STEP();  // fetch");
      const ir::Lambda& l = m_.lambdas[ch.first_filter + f];
      line(S(l.param) + " = " + e + "; " + SN(l.param) + " = false;  // FILTER");
      const Op p = expr(l.body);
      line("if (!" + truth(p) + ") continue;");
    }
    if (ch.n_filters == ch.member_filters) line("PROGMP_STEP();  // fetch");
    visit(e, i);
    --indent_;
    line("}");
  }

  // Materialises a chain into region `r` (expression giving the region's base).
  void materialise(const ir::Chain& ch, const std::string& r) {
    const std::string cnt = decl("std::int64_t", "k");
    const std::string reg = decl("std::int64_t*", "rm");
    line(reg + " = " + r + ";");
    line(cnt + " = 0;");
    walk(ch, [&](const std::string& e, const std::string&) { line(reg + "[1 + " + cnt + "++] = " + e + ";"); });
    line(reg + "[0] = " + cnt + ";");
  }

  // ---- statements ----------------------------------------------------------------------------------------------
  void stmt(std::uint32_t pc) {
    const ir::Instr& in = m_.code[pc];
    if (targets_[pc]) label(std::string("pc") + std::to_string(pc));
    line(std::string("// ") + std::to_string(pc) + ": " + ir::stmt_op_name(in.op));
    switch (in.op) {
      case StmtOp::VarScalar:
      case StmtOp::Bind: {
        if (in.op == StmtOp::VarScalar) line("PROGMP_STEP();");
        const Op v = expr(in.b);
        line(S(in.a) + " = " + v.v + "; " + SN(in.a) + " = " + v.n + ";  // " + m_.slots[in.a].name);
        break;
      }
      case StmtOp::VarList:
        line("PROGMP_STEP();");
        materialise(m_.chains[in.b], std::string("regions + ") + std::to_string(m_.slots[in.a].region) + " * stride");
        break;
      case StmtOp::IfNot: {
        line("PROGMP_STEP();");
        const Op c = expr(in.a);
        line("if (!" + truth(c) + std::string(") goto pc") + std::to_string(in.b) + ";");
        break;
      }
      case StmtOp::Jump: line(std::string("goto pc") + std::to_string(in.a) + ";"); break;
      case StmtOp::ForeachChain: {
        line("PROGMP_STEP();");
        const std::string l = std::to_string(in.a);
        const std::string r = std::string("regions + ") + std::to_string(m_.loop_region[in.a]) + " * stride";
        materialise(m_.chains[in.b], r);
        line("lr" + l + " = " + r + ";");
        line("li" + l + " = 0;");
        break;
      }
      case StmtOp::ForeachSlot: {
        line("PROGMP_STEP();");
        const std::string l = std::to_string(in.a);
        line("lr" + l + std::string(" = regions + ") + std::to_string(m_.slots[in.b].region) + " * stride;  // " +
             m_.slots[in.b].name);
        line("li" + l + " = 0;");
        break;
      }
      case StmtOp::ForeachNext: {
        const std::string l = std::to_string(in.a);
        line("if (li" + l + " >= static_cast<std::uint64_t>(lr" + l + std::string("[0])) goto pc") + std::to_string(in.c) + ";");
        line("PROGMP_STEP();");
        line(S(in.b) + " = lr" + l + "[1 + li" + l + "]; " + SN(in.b) + " = false;  // " + m_.slots[in.b].name);
        line("++li" + l + ";");
        break;
      }
      case StmtOp::Set: {
        line("PROGMP_STEP();");
        const Op v = expr(in.a);
        const std::string r = std::string("r") + std::to_string(in.aux);
        if (never_null(v)) line(r + " = " + v.v + ";");
        else line("if (!" + v.n + ") " + r + " = " + v.v + ";");
        break;
      }
      case StmtOp::Drop: {
        line("PROGMP_STEP();");
        const Op p = expr(in.a);
        const std::string call = std::string("if (!log_action(log, 2, ") + std::to_string(origin_queue(in.aux)) + ", 0, " +
                                 pk(p.v) + ", 0)) goto abort_actions;";
        if (never_null(p)) line(call);
        else line("if (!" + p.n + ") " + call);
        break;
      }
      case StmtOp::Push:
      case StmtOp::SetUser: {
        line("PROGMP_STEP();");
        const std::string skip = new_label();
        const Op s = expr(in.a);
        if (!never_null(s)) line("if (" + s.n + ") goto " + skip + ";");
        const Op b = expr(in.b);
        if (!never_null(b)) line("if (" + b.n + ") goto " + skip + ";");
        if (in.op == StmtOp::Push) {
          line(std::string("if (!log_action(log, 1, ") + std::to_string(origin_queue(in.aux)) +
               ", static_cast<std::uint8_t>(" + s.v + "), " + pk(b.v) + ", 0)) goto abort_actions;");
        } else {
          line("if (!log_action(log, 3, 0, static_cast<std::uint8_t>(" + s.v + "), nullptr, " + b.v +
               ")) goto abort_actions;");
        }
        label(skip);
        break;
      }
      case StmtOp::Print: {
        line("PROGMP_STEP();");
        const Op fmt = expr(in.a);
        const Op arg = in.b == kNoIndex ? Op{"0", "true"} : expr(in.b);
        const std::string pa = decl("PrintArg", "pa");
        const auto type = static_cast<lang::Type>(in.aux);
        if (type == lang::Type::Error) {
          line(pa + " = PrintArg{};  // no argument");
        } else {
          int kind = 1;  // Null
          std::string value = "0";
          switch (type) {
            case lang::Type::Int: kind = 2; value = arg.v; break;
            case lang::Type::Bool: kind = 3; value = arg.v; break;
            case lang::Type::String: kind = 4; value = arg.v; break;
            case lang::Type::Subflow: kind = 5; value = "sf[" + arg.v + "].id"; break;
            case lang::Type::Packet: kind = 6; value = pk(arg.v) + "->seq"; break;
            default: break;
          }
          line(pa + " = PrintArg{};");
          if (kind == 1 || arg.n == "true") {
            line(pa + ".kind = 1;  // NULL");
          } else if (never_null(arg)) {
            line(pa + std::string(".kind = ") + std::to_string(kind) + ";");
            line(pa + ".value = " + value + ";");
          } else {
            line(pa + ".kind = " + arg.n + std::string(" ? 1 : ") + std::to_string(kind) + ";");
            line(pa + ".value = " + arg.n + " ? 0 : " + value + ";");
          }
        }
        line("if (!log_print(log, " + fmt.v + ", &" + pa + ")) ++prints_suppressed;");
        break;
      }
      case StmtOp::PrintList: {
        line("PROGMP_STEP();");
        const Op fmt = expr(in.a);
        const ir::Chain& ch = m_.chains[in.b];
        const std::string pa = decl("PrintArg", "pa");
        line(pa + " = PrintArg{};");
        line(pa + ".kind = " + std::string(ch.packets ? "8;  // packet list" : "7;  // subflow list"));
        walk(ch, [&](const std::string& e, const std::string&) {
          const std::string elem = ch.packets ? pk(e) + "->seq" : "sf[" + e + "].id";
          line("if (" + pa + ".n_elems < 17) " + pa + ".elems[" + pa + ".n_elems++] = " + elem + ";");
          line("++" + pa + ".value;");
        });
        line("if (!log_print(log, " + fmt.v + ", &" + pa + ")) ++prints_suppressed;");
        break;
      }
      case StmtOp::Void:
        line("PROGMP_STEP();");
        if (in.a != kNoIndex) (void)expr(in.a);
        break;
      case StmtOp::VoidList:
        line("PROGMP_STEP();");
        walk(m_.chains[in.a], [](const std::string&, const std::string&) {});
        break;
      case StmtOp::Steps:
        line(std::string("if (allowance - steps < ") + std::to_string(in.a) + "u) { steps = allowance + 1; goto abort_steps; }");
        line(std::string("steps += ") + std::to_string(in.a) + ";  // removed code");
        break;
      case StmtOp::Return:
        line("PROGMP_STEP();");
        line("cause = 1;  // return");
        line("goto finish;");
        break;
      case StmtOp::End:
        line("cause = 0;  // end");
        line("goto finish;");
        break;
    }
  }

  const ir::Module& m_;
  std::string symbol_;
  std::string body_;
  std::vector<std::string> decls_;
  std::vector<bool> targets_;
  bool popped_[3] = {false, false, false};
  int indent_ = 1;
  int tmps_ = 0;
  int labels_ = 0;
  int walks_ = 0;
  int vars_ = 0;
  int unsupported_ = 0;
};

std::string identifier(std::string_view name) {
  std::string s;
  for (char ch : name) s += (std::isalnum(static_cast<unsigned char>(ch)) != 0) ? ch : '_';
  return s;
}

}  // namespace

std::uint64_t abi_version() {
  static const std::uint64_t v = [] {
    std::uint64_t h = 0xCBF29CE484222325ull;
    h = fnv_fields(h, "Subflow", sizeof(SubflowSnapshot), kSubflowFields);
    h = fnv_fields(h, "Packet", sizeof(PacketMeta), kPacketFields);
    h = fnv_fields(h, "Ctx", sizeof(AotContext), kContextFields);
    h = fnv_fields(h, "PrintArg", sizeof(AotPrintArg), kPrintFields);
    h = fnv_fields(h, "ProgramEntry", sizeof(AotProgramEntry), kEntryFields);
    return (static_cast<std::uint64_t>(kAbiMajor) << 32) | ((h ^ (h >> 32)) & 0xFFFFFFFFull);
  }();
  return v;
}

std::string source_hash(std::string_view source) {
  const std::uint64_t h = fnv(0xCBF29CE484222325ull, source);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string prelude() {
  std::string s;
  s += "// Generated by progmp (ahead-of-time engine, ABI " + hex64(abi_version()) + "). Do not edit.\n";
  s += "// Each function performs one execution of a scheduler program with the semantics of the reference\n";
  s += "// interpreter (effect log, end cause, reference step count, registers, RANDOM draws).\n";
  s += "#include <cstddef>\n#include <cstdint>\n#include <cstring>\n\n";
  s += "namespace progmp_aot {\n\n";
  s += record_decl("Subflow", sizeof(SubflowSnapshot), kSubflowFields, "SubflowSnapshot");
  s += "\n";
  s += record_decl("Packet", sizeof(PacketMeta), kPacketFields, "PacketMeta");
  s += "\n";
  s += "struct PrintArg {\n"
       "  std::uint32_t kind;     // 0 none, 1 NULL, 2 int, 3 bool, 4 string, 5 subflow, 6 packet, 7/8 lists\n"
       "  std::uint32_t n_elems;\n"
       "  std::int64_t value;\n"
       "  std::int64_t elems[17];\n"
       "};\n";
  s += offset_asserts("PrintArg", sizeof(AotPrintArg), kPrintFields);
  s += "\n";
  s += "struct Ctx {\n"
       "  const Subflow* subflows;\n"
       "  std::uint64_t n_subflows;\n"
       "  const Packet* const* queue[3];  // Q, QU, RQ\n"
       "  std::uint64_t queue_len[3];\n"
       "  std::int64_t now_us;\n"
       "  std::int64_t window_end;\n"
       "  std::int64_t mss;\n"
       "  std::int64_t* registers;\n"
       "  std::uint64_t* rng;\n"
       "  std::uint64_t allowance;\n"
       "  std::uint64_t* scratch;\n"
       "  void* log;\n"
       "  void (*pop)(void* log, std::uint32_t queue, const Packet* packet);\n"
       "  std::int32_t (*action)(void* log, std::uint32_t kind, std::uint32_t queue, std::uint32_t subflow,\n"
       "                         const Packet* packet, std::int64_t value);\n"
       "  std::int32_t (*print)(void* log, std::int64_t format, const PrintArg* arg);\n"
       "  std::uint64_t steps;\n"
       "  std::uint32_t prints_suppressed;\n"
       "};\n";
  s += offset_asserts("Ctx", sizeof(AotContext), kContextFields);
  s += "\n";
  s += "struct ProgramEntry {\n"
       "  const char* name;\n"
       "  const char* source_hash;\n"
       "  const char* source;\n"
       "  std::uint32_t (*entry)(Ctx*);\n"
       "  std::uint32_t n_regions;\n"
       "};\n";
  s += offset_asserts("ProgramEntry", sizeof(AotProgramEntry), kEntryFields);
  s += R"(
// Wrap-around arithmetic (language.md: integers wrap modulo 2^64).
inline std::int64_t wadd(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t wsub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
inline std::int64_t wmul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}
// One RANDOM draw: splitmix64, the upper 32 bits (runtime.md 7.4).
inline std::int64_t draw(std::uint64_t& x) {
  x += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z = z ^ (z >> 31);
  return static_cast<std::int64_t>(z >> 32);
}
inline const Packet* pk(std::int64_t v) { return reinterpret_cast<const Packet*>(static_cast<std::intptr_t>(v)); }
inline std::int64_t field_i64(const void* r, std::size_t off) {
  std::int64_t v;
  std::memcpy(&v, static_cast<const char*>(r) + off, sizeof v);
  return v;
}
inline bool field_bool(const void* r, std::size_t off) { return *(static_cast<const char*>(r) + off) != 0; }
inline bool sent_on_all(const Packet* p, const Subflow* sf, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i)
    if (!((p->sent_on >> sf[i].slot) & 1u)) return false;
  return true;
}
inline std::uint64_t max4(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  std::uint64_t m = a > b ? a : b;
  m = m > c ? m : c;
  return m > d ? m : d;
}

}  // namespace progmp_aot

// One reference step (runtime.md 7.2): a statement or a fetched list element; past the allowance the execution
// stops with step_limit.
#define PROGMP_STEP() \
  do { \
    if (__builtin_expect(++steps > allowance, 0)) goto abort_steps; \
  } while (0)

)";
  return s;
}

SourceBuilder::SourceBuilder(const CodegenOptions& options) : options_(options) {
  if (options_.specialise_subflows > kMaxSpecialisedSubflows) options_.specialise_subflows = kMaxSpecialisedSubflows;
}

std::string SourceBuilder::add(const ir::Module& module, std::string_view source, std::string_view name) {
  Entry e;
  e.symbol = std::string("progmp_run_") + std::to_string(entries_.size()) + (name.empty() ? "" : "_" + identifier(name));
  e.name = std::string(name);
  e.hash = source_hash(source);
  e.source = std::string(source);
  e.n_regions = module.n_regions;
  FunctionGen gen(module, e.symbol);
  e.function = gen.generate(source, name, options_.specialise_subflows);
  entries_.push_back(std::move(e));
  return entries_.back().symbol;
}

std::string SourceBuilder::finish() const { return finish_parts(1).front(); }

std::vector<std::string> SourceBuilder::finish_parts(std::size_t parts) const {
  if (parts == 0) parts = 1;
  if (parts > entries_.size() && !entries_.empty()) parts = entries_.size();
  std::vector<std::string> out(parts, prelude());
  // Programs are dealt round-robin; the first part also declares the others' functions and holds the table.
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    out[i % parts] += entries_[i].function;
    if (i % parts != 0) out[0] += "extern \"C\" std::uint32_t " + entries_[i].symbol + "(progmp_aot::Ctx* c);\n";
  }
  std::string& s = out[0];
  s += "// ---- exported table ----------------------------------------------------------------------------\n";
  s += "extern \"C\" {\n";
  s += "[[gnu::visibility(\"default\")]] extern const std::uint64_t progmp_abi_version = " + hex64(abi_version()) +
       ";\n";
  s += "[[gnu::visibility(\"default\")]] extern const char progmp_source_hash[] = \"" +
       (entries_.empty() ? std::string() : entries_.front().hash) + "\";\n";
  s += "[[gnu::visibility(\"default\")]] extern const std::uint64_t progmp_program_count = " +
       std::to_string(entries_.size()) + ";\n";
  s += "[[gnu::visibility(\"default\")]] extern const progmp_aot::ProgramEntry progmp_programs[] = {\n";
  for (const Entry& e : entries_) {
    s += "  {" + string_literal(e.name, "   ") + ", \"" + e.hash + "\",\n   " + string_literal(e.source, "   ") +
         ",\n   " + e.symbol + ", " + std::to_string(e.n_regions) + "},\n";
  }
  if (entries_.empty()) s += "  {nullptr, nullptr, nullptr, nullptr, 0},\n";
  s += "};\n";
  s += "}  // extern \"C\"\n";
  return out;
}

std::string SourceBuilder::finish_static(std::string_view accessor) const {
  std::string s = prelude();
  // Internal linkage for the entry functions: another statically linked program may use the same symbol.
  const std::string exported = "extern \"C\" std::uint32_t ";
  for (const Entry& e : entries_) {
    std::string f = e.function;
    const std::size_t at = f.find(exported + e.symbol + "(");
    if (at != std::string::npos) f.replace(at, exported.size(), "static std::uint32_t ");
    s += f;
  }
  s += "// ---- static registration (Runtime::register_static_scheduler) ----------------------------------\n";
  s += "namespace {\n";
  s += "struct StaticTable {\n  std::uint64_t abi_version;\n  std::uint64_t program_count;\n"
       "  const progmp_aot::ProgramEntry* programs;\n};\n";
  s += "const progmp_aot::ProgramEntry programs[] = {\n";
  for (const Entry& e : entries_)
    s += "  {" + string_literal(e.name, "   ") + ", \"" + e.hash + "\",\n   " + string_literal(e.source, "   ") +
         ",\n   " + e.symbol + ", " + std::to_string(e.n_regions) + "},\n";
  if (entries_.empty()) s += "  {nullptr, nullptr, nullptr, nullptr, 0},\n";
  s += "};\n";
  s += "const StaticTable table = {" + hex64(abi_version()) + ", " + std::to_string(entries_.size()) +
       ", programs};\n";
  s += "}  // namespace\n\n";
  s += "struct progmp_compiled;  // opaque to the application (progmp/runtime/runtime.hpp)\n";
  s += "extern \"C\" const progmp_compiled* " + std::string(accessor) +
       "() { return reinterpret_cast<const progmp_compiled*>(&table); }\n";
  return s;
}

std::string generate_cpp(const ir::Module& module, std::string_view source, std::string_view name,
                         const CodegenOptions& options) {
  SourceBuilder b(options);
  b.add(module, source, name);
  return b.finish();
}

std::string static_accessor(std::string_view name) { return "progmp_static_" + identifier(name); }

std::string generate_static_cpp(const ir::Module& module, std::string_view source, std::string_view name,
                                const CodegenOptions& options) {
  SourceBuilder b(options);
  b.add(module, source, name);
  return b.finish_static(static_accessor(name));
}

}  // namespace progmp::aot
