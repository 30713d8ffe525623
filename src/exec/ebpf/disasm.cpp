// Readable assembly of translated programs: one instruction per line in the kernel's C-like notation, labels on
// their own lines, and the IR pc and register allocation (vN=rM or vN=[fp-X]) as comments.
#include <cstdio>
#include <sstream>

#include "internal.hpp"

namespace progmp::ebpf {
namespace {

const char* alu_sym(std::uint8_t o) {
  switch (o) {
    case op::ADD: return "+=";
    case op::SUB: return "-=";
    case op::MUL: return "*=";
    case op::DIV: return "/=";
    case op::OR: return "|=";
    case op::AND: return "&=";
    case op::LSH: return "<<=";
    case op::RSH: return ">>=";
    case op::MOD: return "%=";
    case op::XOR: return "^=";
    case op::MOV: return "=";
    case op::ARSH: return "s>>=";
    default: return "?=";
  }
}
const char* jmp_sym(std::uint8_t o) {
  switch (o) {
    case op::JEQ: return "==";
    case op::JGT: return ">";
    case op::JGE: return ">=";
    case op::JSET: return "&";
    case op::JNE: return "!=";
    case op::JSGT: return "s>";
    case op::JSGE: return "s>=";
    case op::JLT: return "<";
    case op::JLE: return "<=";
    case op::JSLT: return "s<";
    case op::JSLE: return "s<=";
    default: return "?";
  }
}
const char* size_name(std::uint8_t s) {
  switch (s) {
    case op::B: return "u8";
    case op::H: return "u16";
    case op::W: return "u32";
    default: return "u64";
  }
}

}  // namespace

std::string disassemble(const Bytecode& code) {
  std::ostringstream s;
  s << "; " << code.insns.size() << " instructions, " << code.virtual_registers << " virtual registers ("
    << code.spilled << " spilled to " << code.spill_slots << " stack slots), arena " << code.arena_bytes
    << " bytes\n";
  for (std::size_t k = 0; k < code.insns.size(); ++k) {
    if (k < code.labels.size() && !code.labels[k].empty()) {
      std::istringstream names(code.labels[k]);
      std::string name;
      while (names >> name) s << name << ":\n";
    }
    const Insn& i = code.insns[k];
    const std::uint8_t cls = i.code & 0x07;
    const std::uint8_t o = i.code & 0xf0;
    const bool x = (i.code & op::X) != 0;
    const std::string dst = "r" + std::to_string(i.dst);
    const std::string src = x ? "r" + std::to_string(i.src) : std::to_string(i.imm);
    std::string text;
    char buf[64];
    auto target = [&]() { return "goto " + std::to_string(static_cast<long>(k) + 1 + i.off); };
    switch (cls) {
      case op::ALU64:
      case op::ALU:
        if (o == op::NEG) {
          text = dst + " = -" + dst;
        } else if ((o == op::DIV || o == op::MOD) && i.off == 1) {
          text = dst + (o == op::DIV ? " s/= " : " s%= ") + src;
        } else {
          text = dst + " " + alu_sym(o) + " " + src;
        }
        if (cls == op::ALU) text = "(u32) " + text;
        break;
      case op::LDX:
        text = dst + " = *(" + size_name(i.code & 0x18) + " *)(r" + std::to_string(i.src) + " " +
               (i.off < 0 ? "- " : "+ ") + std::to_string(std::abs(i.off)) + ")";
        break;
      case op::STX:
        text = "*(" + std::string(size_name(i.code & 0x18)) + " *)(" + dst + " " + (i.off < 0 ? "- " : "+ ") +
               std::to_string(std::abs(i.off)) + ") = r" + std::to_string(i.src);
        break;
      case op::ST:
        text = "*(" + std::string(size_name(i.code & 0x18)) + " *)(" + dst + " " + (i.off < 0 ? "- " : "+ ") +
               std::to_string(std::abs(i.off)) + ") = " + std::to_string(i.imm);
        break;
      case op::LD:
        if (k + 1 < code.insns.size()) {
          const std::uint64_t v = static_cast<std::uint32_t>(i.imm) |
                                  (static_cast<std::uint64_t>(static_cast<std::uint32_t>(code.insns[k + 1].imm)) << 32);
          if (i.src == op::kPseudoMapValue) {
            text = dst + " = &arena  ll";
          } else {
            std::snprintf(buf, sizeof buf, "0x%llx ll", static_cast<unsigned long long>(v));
            text = dst + " = " + buf;
          }
          s << "  " << k << ": " << text;
          if (k < code.notes.size() && !code.notes[k].empty()) s << "\t; " << code.notes[k];
          s << "\n";
          ++k;
          continue;
        }
        text = "ld ?";
        break;
      case op::JMP:
      case op::JMP32:
        if (o == op::JA) text = target();
        else if (o == op::EXIT) text = "exit";
        else if (o == op::JCOND) text = "may_goto " + std::to_string(static_cast<long>(k) + 1 + i.off);
        else if (o == op::CALL) text = "call " + std::to_string(i.imm);
        else text = "if " + dst + " " + jmp_sym(o) + " " + src + " " + target();
        break;
      default: text = "?"; break;
    }
    s << "  " << k << ": " << text;
    if (k < code.notes.size() && !code.notes[k].empty()) s << "\t; " << code.notes[k];
    s << "\n";
  }
  return s.str();
}

}  // namespace progmp::ebpf
