// A strict JSON reader for playground views: builds a small document tree through nlohmann's SAX interface so
// that duplicate keys (which nlohmann's DOM silently merges) are errors, and keeps integers apart from numbers
// with a fraction or exponent. Reports the first problem with its RFC 6901 pointer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace progmp::runtime {

struct JsonMember;

struct JsonNode {
  enum class Kind : std::uint8_t { Null, Bool, Int, Float, String, Object, Array };
  Kind kind = Kind::Null;
  bool boolean = false;
  bool negative = false;         // Int: sign
  std::uint64_t magnitude = 0;   // Int: |value| (fits: −2^63 … 2^64−1)
  bool big_int = false;          // Float: an integer literal outside the 64-bit range
  std::string text;              // String: the value; Float: the literal as written
  std::vector<JsonMember> members;                        // Object, in document order
  std::vector<JsonNode> items;                            // Array
};

// An object member. Not std::pair: a pair of an incomplete type inside vector<> is rejected by clang.
struct JsonMember {
  std::string first;  // key
  JsonNode second;    // value
};

struct JsonParseError {
  std::string pointer;
  std::string problem;
};

// Parses `text` into `out`. On failure returns the error (syntax, or a duplicate key).
std::optional<JsonParseError> parse_json_strict(std::string_view text, JsonNode& out);

// Appends "/" + token with RFC 6901 escaping ("~" → "~0", "/" → "~1").
std::string pointer_append(const std::string& base, std::string_view token);
std::string pointer_append(const std::string& base, std::size_t index);

}  // namespace progmp::runtime
