// The printed forms of diagnostics (language.md §14.2): gcc-style text with excerpt and caret, and JSON.
#include <nlohmann/json.hpp>

#include "progmp/lang/diagnostics.hpp"
#include "source_text.hpp"

namespace progmp::lang {
namespace {

std::string_view severity_text(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "note";
}

// Spaces for every character before the column, TABs kept so the caret lines up under any tab width.
std::string caret_line(std::string_view line, std::uint32_t col) {
  std::string out;
  std::size_t pos = 0;
  for (std::uint32_t c = 1; c < col; ++c) {
    if (pos < line.size()) {
      out += line[pos] == '\t' ? '\t' : ' ';
      pos += utf8_char_length(line, pos);
    } else {
      out += ' ';
    }
  }
  out += '^';
  return out;
}

}  // namespace

std::string format_diagnostics_text(const std::vector<Diagnostic>& diags, std::string_view file,
                                    std::string_view source) {
  LineTable lines(source);
  std::string out;
  for (const Diagnostic& d : diags) {
    if (d.line == 0) {
      out += std::string(file) + ": " + std::string(severity_text(d.severity)) + ": " + d.message + "\n";
      continue;
    }
    out += std::string(file) + ":" + std::to_string(d.line) + ":" + std::to_string(d.col) + ": " +
           std::string(severity_text(d.severity));
    if (!d.code.empty()) out += "[" + d.code + "]";
    out += ": " + d.message + "\n";
    std::string number = std::to_string(d.line);
    std::string_view text = lines.line(d.line);
    out += number + " | " + std::string(text) + "\n";
    out += std::string(number.size(), ' ') + " | " + caret_line(text, d.col) + "\n";
    for (const DiagNote& n : d.notes) {
      out += std::string(file) + ":" + std::to_string(n.line) + ":" + std::to_string(n.col) + ": note: " + n.message +
             "\n";
    }
  }
  return out;
}

std::string format_diagnostics_json(const std::vector<Diagnostic>& diags, std::string_view file) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const Diagnostic& d : diags) {
    nlohmann::ordered_json o;
    o["file"] = std::string(file);
    if (d.severity != Severity::Note) {
      o["line"] = d.line;
      o["col"] = d.col;
    }
    o["severity"] = std::string(severity_text(d.severity));
    if (d.severity != Severity::Note) o["code"] = d.code;
    o["message"] = d.message;
    nlohmann::ordered_json notes = nlohmann::ordered_json::array();
    for (const DiagNote& n : d.notes) {
      nlohmann::ordered_json jn;
      jn["line"] = n.line;
      jn["col"] = n.col;
      jn["message"] = n.message;
      notes.push_back(std::move(jn));
    }
    o["notes"] = std::move(notes);
    arr.push_back(std::move(o));
  }
  // Messages may quote source text that is not valid UTF-8 (string literals); never throw on it.
  return arr.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

bool has_errors(const std::vector<Diagnostic>& diags) {
  for (const Diagnostic& d : diags) {
    if (d.severity == Severity::Error) return true;
  }
  return false;
}

}  // namespace progmp::lang
