// A minimal JSON writer appending to a caller-owned string: the trace records, statistics and the playground
// output need a fixed key order and no whitespace, and writing into a reused buffer keeps trace writing free of
// allocations once the buffer has grown. Commas are managed per nesting level.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "progmp/runtime/print_format.hpp"

namespace progmp::runtime {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& key(std::string_view k) {
    comma();
    append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& value(std::int64_t v) { comma(); append_int(v); return *this; }
  JsonWriter& value_uint(std::uint64_t v) { comma(); append_uint(v); return *this; }
  JsonWriter& value(bool v) { comma(); out_ += v ? "true" : "false"; return *this; }
  JsonWriter& value(std::string_view s) { comma(); append_json_string(out_, s); return *this; }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& null() { comma(); out_ += "null"; return *this; }
  // Inserts already-serialised JSON (e.g. the diagnostics array of the front end).
  JsonWriter& raw(std::string_view json) { comma(); out_ += json; return *this; }

  template <class T>
  JsonWriter& field(std::string_view k, T v) {
    key(k);
    if constexpr (std::is_same_v<T, bool>) return value(v);
    else if constexpr (std::is_convertible_v<T, std::string_view>) return value(std::string_view(v));
    else if constexpr (std::is_unsigned_v<T>) return value_uint(static_cast<std::uint64_t>(v));
    else return value(static_cast<std::int64_t>(v));
  }

 private:
  static constexpr int kMaxDepth = 32;

  JsonWriter& open(char c) {
    comma();
    out_ += c;
    if (depth_ < kMaxDepth) first_[depth_] = true;
    ++depth_;
    return *this;
  }
  JsonWriter& close(char c) {
    --depth_;
    out_ += c;
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0 || depth_ > kMaxDepth) return;
    if (!first_[depth_ - 1]) out_ += ',';
    first_[depth_ - 1] = false;
  }
  void append_int(std::int64_t v) {
    if (v < 0) {
      out_ += '-';
      append_uint(0 - static_cast<std::uint64_t>(v));
    } else {
      append_uint(static_cast<std::uint64_t>(v));
    }
  }
  void append_uint(std::uint64_t v) {
    char buf[24];
    int n = 0;
    do {
      buf[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) out_ += buf[--n];
  }

  std::string& out_;
  bool first_[kMaxDepth] = {};
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace progmp::runtime
