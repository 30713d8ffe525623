// PRINT formatting (language.md §12.6) and JSON string escaping (runtime.md §12.1).
#include "progmp/runtime/print_format.hpp"

namespace progmp::runtime {
namespace {

void append_decimal(std::string& out, std::int64_t v) {
  char buf[24];
  int n = 0;
  std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) out += '-';
  while (n > 0) out += buf[--n];
}

// Lower-case hex of the 64-bit two's-complement pattern, no leading zeros.
void append_hex(std::string& out, std::int64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[16];
  int n = 0;
  auto u = static_cast<std::uint64_t>(v);
  do {
    buf[n++] = kDigits[u & 15];
    u >>= 4;
  } while (u != 0);
  while (n > 0) out += buf[--n];
}

void append_argument(std::string& out, char conv, const PrintValue& arg, std::span<const std::string> strings) {
  using K = PrintValue::Kind;
  const bool hex = conv == 'x';
  const bool text = conv == 's';
  switch (arg.kind) {
    case K::None:  // no argument: never reached (no % processing)
    case K::Null:
      out += "NULL";
      return;
    case K::Int:
      if (hex) append_hex(out, arg.value);
      else append_decimal(out, arg.value);
      return;
    case K::Bool:
      if (text) out += arg.value != 0 ? "true" : "false";
      else out += arg.value != 0 ? '1' : '0';
      return;
    case K::String:
      if (arg.value >= 0 && static_cast<std::uint64_t>(arg.value) < strings.size()) {
        out += strings[static_cast<std::size_t>(arg.value)];
      }
      return;
    case K::Subflow:
    case K::Packet:
      if (hex) {
        append_hex(out, arg.value);
      } else {
        if (text) out += arg.kind == K::Subflow ? "sbf" : "pkt";
        append_decimal(out, arg.value);
      }
      return;
    case K::SubflowList:
    case K::PacketList: {
      if (hex) {
        append_hex(out, arg.value);
      } else if (!text) {
        append_decimal(out, arg.value);
      } else {
        static constexpr std::uint32_t kShown = 16;
        out += '[';
        const std::uint32_t shown = arg.n_elems < kShown ? arg.n_elems : kShown;
        for (std::uint32_t i = 0; i < shown; ++i) {
          if (i != 0) out += ',';
          append_decimal(out, arg.elems[i]);
        }
        if (arg.value > static_cast<std::int64_t>(kShown)) out += ",...";
        out += ']';
      }
      return;
    }
  }
}

void append_replacement(std::string& out) { out += "\xEF\xBF\xBD"; }

}  // namespace

void append_valid_utf8(std::string& out, std::string_view s) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    int need;
    unsigned lower = 0x80, upper = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) lower = 0xA0;
      if (b == 0xED) upper = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) lower = 0x90;
      if (b == 0xF4) upper = 0x8F;  // ≤ U+10FFFF
    } else {
      append_replacement(out);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    bool ok = true;
    for (int k = 0; k < need; ++k, ++j) {
      if (j >= n) {
        ok = false;
        break;
      }
      const auto c = static_cast<unsigned char>(s[j]);
      if (c < lower || c > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xBF;
    }
    if (ok) {
      out.append(s.data() + i, j - i);
    } else {
      append_replacement(out);  // the maximal subpart s[i, j) is replaced; s[j] is decoded afresh
    }
    i = j;
  }
}

void PrintFormatter::format(std::string& out, std::string_view fmt, const PrintValue& arg,
                            std::span<const std::string> strings) {
  raw_.clear();
  if (arg.kind == PrintValue::Kind::None) {
    raw_.append(fmt);
  } else {
    for (std::size_t i = 0; i < fmt.size(); ++i) {
      const char c = fmt[i];
      if (c != '%' || i + 1 == fmt.size()) {
        raw_ += c;
        continue;
      }
      const char next = fmt[i + 1];
      if (next == '%') {
        raw_ += '%';
        ++i;
      } else if (next == 'd' || next == 'i' || next == 'u' || next == 'x' || next == 's') {
        append_argument(raw_, next, arg, strings);
        ++i;
      } else {
        raw_ += '%';  // not a placeholder: literal, and `next` is scanned normally
      }
    }
  }
  out.clear();
  append_valid_utf8(out, raw_);
  if (out.size() > kMaxPrintBytes) {
    std::size_t cut = kMaxPrintBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
}

std::string format_print(std::string_view fmt, const PrintValue& arg, std::span<const std::string> strings) {
  PrintFormatter f;
  std::string out;
  f.format(out, fmt, arg, strings);
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace progmp::runtime
