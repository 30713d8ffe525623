// Strict SAX-based JSON reading for views (see json_dom.hpp).
#include "json_dom.hpp"

#include <nlohmann/json.hpp>

namespace progmp::runtime {

std::string pointer_append(const std::string& base, std::string_view token) {
  std::string out = base;
  out += '/';
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string pointer_append(const std::string& base, std::size_t index) {
  return base + "/" + std::to_string(index);
}

namespace {

// Builds the tree; each open container is a frame holding its node and the pointer to it.
class DomBuilder {
 public:
  explicit DomBuilder(JsonNode& root) : root_(root) {}

  bool null() { return place(JsonNode{}); }
  bool boolean(bool v) {
    JsonNode n;
    n.kind = JsonNode::Kind::Bool;
    n.boolean = v;
    return place(std::move(n));
  }
  bool number_integer(std::int64_t v) {
    JsonNode n;
    n.kind = JsonNode::Kind::Int;
    n.negative = v < 0;
    n.magnitude = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    return place(std::move(n));
  }
  bool number_unsigned(std::uint64_t v) {
    JsonNode n;
    n.kind = JsonNode::Kind::Int;
    n.magnitude = v;
    return place(std::move(n));
  }
  bool number_float(double, const std::string& s) {
    JsonNode n;
    n.kind = JsonNode::Kind::Float;
    n.text = s;
    n.big_int = s.find_first_of(".eE") == std::string::npos;
    return place(std::move(n));
  }
  bool string(std::string& s) {
    JsonNode n;
    n.kind = JsonNode::Kind::String;
    n.text = std::move(s);
    return place(std::move(n));
  }
  bool binary(nlohmann::json::binary_t&) { return false; }  // never produced by the JSON reader

  bool start_object(std::size_t) { return open(JsonNode::Kind::Object); }
  bool start_array(std::size_t) { return open(JsonNode::Kind::Array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& k) {
    Frame& f = frames_.back();
    for (const auto& m : f.node.members) {
      if (m.first == k) {
        error_ = JsonParseError{pointer_append(f.pointer, k), "duplicate key"};
        return false;
      }
    }
    f.key = k;
    f.pending_key = true;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    const auto at = what.find("at line");
    std::string detail = at == std::string::npos ? what : what.substr(at);
    error_ = JsonParseError{current_pointer(), "invalid JSON " + detail};
    return false;
  }

  std::optional<JsonParseError> error() const { return error_; }

 private:
  struct Frame {
    JsonNode node;
    std::string pointer;
    std::string key;           // objects: the last key read
    bool pending_key = false;  // objects: `key` was read and its value is being parsed
  };

  std::string current_pointer() const {
    if (frames_.empty()) return "";
    const Frame& f = frames_.back();
    if (f.node.kind == JsonNode::Kind::Array) return pointer_append(f.pointer, f.node.items.size());
    return f.pending_key ? pointer_append(f.pointer, f.key) : f.pointer;
  }

  bool open(JsonNode::Kind kind) {
    Frame f;
    f.node.kind = kind;
    f.pointer = current_pointer();
    frames_.push_back(std::move(f));
    return true;
  }
  bool close() {
    JsonNode n = std::move(frames_.back().node);
    frames_.pop_back();
    return place(std::move(n));
  }
  bool place(JsonNode&& n) {
    if (frames_.empty()) {
      root_ = std::move(n);
      return true;
    }
    Frame& f = frames_.back();
    if (f.node.kind == JsonNode::Kind::Array) {
      f.node.items.push_back(std::move(n));
    } else {
      f.node.members.push_back(JsonMember{f.key, std::move(n)});
      f.pending_key = false;
    }
    return true;
  }

  JsonNode& root_;
  std::vector<Frame> frames_;
  std::optional<JsonParseError> error_;
};

}  // namespace

std::optional<JsonParseError> parse_json_strict(std::string_view text, JsonNode& out) {
  DomBuilder b(out);
  const bool ok = nlohmann::json::sax_parse(text, &b);
  if (ok) return std::nullopt;
  if (b.error()) return b.error();
  return JsonParseError{"", "invalid JSON"};
}

}  // namespace progmp::runtime
