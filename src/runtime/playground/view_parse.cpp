// Validation of playground views (runtime.md §14.2). Three phases, each reporting its first problem: the strict
// JSON reader (syntax, duplicate keys), field checks in document order (unknown keys, types, ranges, required
// keys), then the consistency rules across arrays.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "json_dom.hpp"
#include "progmp/runtime/playground.hpp"

namespace progmp::runtime {
namespace {

constexpr std::int64_t kMaxMs = INT64_MAX / 1000;  // so that a time in ms converts to µs without overflow
constexpr std::int64_t kMaxSubflowId = 2147483647;

using Err = std::optional<ViewError>;

Err fail(const std::string& ptr, std::string problem) { return ViewError{ptr, std::move(problem)}; }

const char* found(const JsonNode& n) {
  switch (n.kind) {
    case JsonNode::Kind::Null: return "null";
    case JsonNode::Kind::Bool: return "a boolean";
    case JsonNode::Kind::Int: return "an integer";
    case JsonNode::Kind::Float: return n.big_int ? "an integer" : "a number with a fraction or exponent";
    case JsonNode::Kind::String: return "a string";
    case JsonNode::Kind::Object: return "an object";
    case JsonNode::Kind::Array: return "an array";
  }
  return "?";
}

std::string literal(const JsonNode& n) {
  if (n.kind == JsonNode::Kind::Float) return n.text;
  return (n.negative ? "-" : "") + std::to_string(n.magnitude);
}

std::string range(std::int64_t lo, std::int64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

Err get_int(const JsonNode& n, const std::string& ptr, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  if (n.kind == JsonNode::Kind::Float && n.big_int) {
    return fail(ptr, "value " + n.text + " is out of range " + range(lo, hi));
  }
  if (n.kind != JsonNode::Kind::Int) return fail(ptr, std::string("expected an integer, found ") + found(n));
  constexpr std::uint64_t kMinMag = std::uint64_t{1} << 63;
  bool fits = n.negative ? n.magnitude <= kMinMag : n.magnitude <= static_cast<std::uint64_t>(INT64_MAX);
  std::int64_t v = 0;
  if (fits) v = n.negative ? static_cast<std::int64_t>(0 - n.magnitude) : static_cast<std::int64_t>(n.magnitude);
  if (!fits || v < lo || v > hi) return fail(ptr, "value " + literal(n) + " is out of range " + range(lo, hi));
  out = v;
  return std::nullopt;
}

Err get_bool(const JsonNode& n, const std::string& ptr, bool& out) {
  if (n.kind != JsonNode::Kind::Bool) return fail(ptr, std::string("expected a boolean, found ") + found(n));
  out = n.boolean;
  return std::nullopt;
}

Err get_int_or_null(const JsonNode& n, const std::string& ptr, std::int64_t lo, std::int64_t hi,
                    std::optional<std::int64_t>& out) {
  if (n.kind == JsonNode::Kind::Null) {
    out.reset();
    return std::nullopt;
  }
  if (n.kind != JsonNode::Kind::Int && !(n.kind == JsonNode::Kind::Float && n.big_int)) {
    return fail(ptr, std::string("expected an integer or null, found ") + found(n));
  }
  std::int64_t v = 0;
  if (Err e = get_int(n, ptr, lo, hi, v)) return e;
  out = v;
  return std::nullopt;
}

Err expect(const JsonNode& n, JsonNode::Kind kind, const std::string& ptr) {
  if (n.kind == kind) return std::nullopt;
  return fail(ptr, std::string("expected ") + (kind == JsonNode::Kind::Object ? "an object" : "an array") +
                       ", found " + found(n));
}

Err get_id_list(const JsonNode& n, const std::string& ptr, std::vector<std::int64_t>& out) {
  if (Err e = expect(n, JsonNode::Kind::Array, ptr)) return e;
  out.clear();
  for (std::size_t j = 0; j < n.items.size(); ++j) {
    const std::string p = pointer_append(ptr, j);
    std::int64_t id = 0;
    if (Err e = get_int(n.items[j], p, 1, kMaxSubflowId, id)) return e;
    if (std::find(out.begin(), out.end(), id) != out.end()) return fail(p, "duplicate subflow ID " + std::to_string(id));
    out.push_back(id);
  }
  return std::nullopt;
}

// A packet as listed in one array, with where it was written.
struct Listed {
  ViewPacket p;
  std::string ptr;
  std::vector<std::string> sent_ptr;    // pointer of each sent_on element (document order)
  std::vector<std::string> queued_ptr;  // pointer of each queued_on element
  bool bare = false;                    // RQ: a bare SEQ
};

Err parse_packet(const JsonNode& n, const std::string& ptr, Listed& out) {
  if (Err e = expect(n, JsonNode::Kind::Object, ptr)) return e;
  out.ptr = ptr;
  bool has_seq = false, has_length = false;
  std::vector<std::int64_t> sent_order, queued_order;
  for (const auto& [key, v] : n.members) {
    const std::string p = pointer_append(ptr, key);
    Err e;
    if (key == "seq") {
      e = get_int(v, p, 0, INT64_MAX, out.p.seq);
      has_seq = true;
    } else if (key == "length") {
      e = get_int(v, p, 1, INT64_MAX, out.p.length);
      has_length = true;
    } else if (key == "user") {
      e = get_int(v, p, INT64_MIN, INT64_MAX, out.p.user);
    } else if (key == "psh") {
      e = get_bool(v, p, out.p.psh);
    } else if (key == "age_ms") {
      e = get_int(v, p, 0, kMaxMs, out.p.age_ms);
    } else if (key == "sent_on") {
      e = get_id_list(v, p, sent_order);
      out.sent_ptr.clear();
      for (std::size_t j = 0; j < sent_order.size(); ++j) out.sent_ptr.push_back(pointer_append(p, j));
    } else if (key == "queued_on") {
      e = get_id_list(v, p, queued_order);
      out.queued_ptr.clear();
      for (std::size_t j = 0; j < queued_order.size(); ++j) out.queued_ptr.push_back(pointer_append(p, j));
    } else {
      e = fail(p, "unknown key");
    }
    if (e) return e;
  }
  if (!has_seq) return fail(ptr, "missing required key \"seq\"");
  if (!has_length) return fail(ptr, "missing required key \"length\"");
  if (out.p.length > INT64_MAX - out.p.seq) {
    return fail(pointer_append(ptr, "length"), "seq + length exceeds 9223372036854775807");
  }
  for (std::size_t j = 0; j < queued_order.size(); ++j) {
    if (std::find(sent_order.begin(), sent_order.end(), queued_order[j]) == sent_order.end()) {
      return fail(out.queued_ptr[j], "subflow " + std::to_string(queued_order[j]) + " is not in sent_on");
    }
  }
  // Keep document order for later pointers; the view stores them sorted.
  out.p.sent_on = sent_order;
  out.p.queued_on = queued_order;
  return std::nullopt;
}

struct ListedSubflow {
  ViewSubflow s;
  std::string ptr;
};

Err parse_subflow(const JsonNode& n, const std::string& ptr, ListedSubflow& out) {
  if (Err e = expect(n, JsonNode::Kind::Object, ptr)) return e;
  out.ptr = ptr;
  ViewSubflow& s = out.s;
  bool has_id = false;
  for (const auto& [key, v] : n.members) {
    const std::string p = pointer_append(ptr, key);
    Err e;
    if (key == "id") {
      e = get_int(v, p, 1, kMaxSubflowId, s.id);
      has_id = true;
    } else if (key == "rtt") e = get_int(v, p, 0, INT64_MAX, s.rtt);
    else if (key == "rtt_var") e = get_int(v, p, 0, INT64_MAX, s.rtt_var);
    else if (key == "cwnd") e = get_int(v, p, 0, INT64_MAX, s.cwnd);
    else if (key == "ssthresh") e = get_int(v, p, 0, INT64_MAX, s.ssthresh);
    else if (key == "skbs_in_flight") e = get_int(v, p, 0, INT64_MAX, s.skbs_in_flight);
    else if (key == "queued") e = get_int(v, p, 0, INT64_MAX, s.queued);
    else if (key == "lost_skbs") e = get_int(v, p, 0, INT64_MAX, s.lost_skbs);
    else if (key == "is_backup") e = get_bool(v, p, s.is_backup);
    else if (key == "throttled") e = get_bool(v, p, s.throttled);
    else if (key == "lossy") e = get_bool(v, p, s.lossy);
    else if (key == "delay_in") e = get_int_or_null(v, p, INT64_MIN, INT64_MAX, s.delay_in);
    else if (key == "delay_out") e = get_int_or_null(v, p, INT64_MIN, INT64_MAX, s.delay_out);
    else if (key == "bw_out_send") e = get_int(v, p, 0, INT64_MAX, s.bw_out_send);
    else if (key == "bw_out_ack") e = get_int(v, p, 0, INT64_MAX, s.bw_out_ack);
    else if (key == "bw") e = get_int(v, p, 0, INT64_MAX, s.bw);
    else if (key == "loss_rate") e = get_int(v, p, 0, 1000, s.loss_rate);
    else if (key == "user") e = get_int(v, p, INT64_MIN, INT64_MAX, s.user);
    else e = fail(p, "unknown key");
    if (e) return e;
  }
  if (!has_id) return fail(ptr, "missing required key \"id\"");
  return std::nullopt;
}

bool same_packet(const ViewPacket& a, const ViewPacket& b) {
  auto sorted = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  return a.seq == b.seq && a.length == b.length && a.user == b.user && a.psh == b.psh && a.age_ms == b.age_ms &&
         sorted(a.sent_on) == sorted(b.sent_on) && sorted(a.queued_on) == sorted(b.queued_on);
}

struct Parsed {
  PlaygroundView view;
  std::vector<ListedSubflow> subflows;
  std::vector<Listed> q, qu, rq;
};

Err parse_fields(const JsonNode& root, Parsed& out) {
  if (root.kind != JsonNode::Kind::Object) return fail("", std::string("expected an object, found ") + found(root));
  PlaygroundView& v = out.view;
  for (const auto& [key, n] : root.members) {
    const std::string p = pointer_append("", key);
    Err e;
    if (key == "version") {
      std::int64_t version = 0;
      e = get_int(n, p, INT64_MIN, INT64_MAX, version);
      if (!e && version != 1) e = fail(p, "unsupported version " + std::to_string(version) + " (only 1 is supported)");
    } else if (key == "time_ms") {
      e = get_int(n, p, 0, kMaxMs, v.time_ms);
    } else if (key == "registers") {
      if (!(e = expect(n, JsonNode::Kind::Array, p))) {
        if (n.items.size() > 6) {
          e = fail(p, "too many registers (at most 6)");
        } else {
          for (std::size_t i = 0; i < n.items.size() && !e; ++i) {
            e = get_int(n.items[i], pointer_append(p, i), INT64_MIN, INT64_MAX, v.registers[i]);
          }
        }
      }
    } else if (key == "random_seed") {
      if (n.kind == JsonNode::Kind::Int && !n.negative) {
        v.random_seed = n.magnitude;
      } else if (n.kind == JsonNode::Kind::Int || (n.kind == JsonNode::Kind::Float && n.big_int)) {
        e = fail(p, "value " + literal(n) + " is out of range [0, 18446744073709551615]");
      } else {
        e = fail(p, std::string("expected an integer, found ") + found(n));
      }
    } else if (key == "window_end") {
      std::optional<std::int64_t> w;
      e = get_int_or_null(n, p, 0, INT64_MAX, w);
      v.window_end = w.value_or(INT64_MAX);
    } else if (key == "mss") {
      e = get_int(n, p, 1, INT64_MAX, v.mss);
    } else if (key == "subflows") {
      if (!(e = expect(n, JsonNode::Kind::Array, p))) {
        if (n.items.size() > 32) {
          e = fail(p, "too many subflows (at most 32)");
        } else {
          for (std::size_t i = 0; i < n.items.size() && !e; ++i) {
            ListedSubflow s;
            e = parse_subflow(n.items[i], pointer_append(p, i), s);
            out.subflows.push_back(std::move(s));
          }
        }
      }
    } else if (key == "Q" || key == "QU" || key == "RQ") {
      std::vector<Listed>& list = key == "Q" ? out.q : key == "QU" ? out.qu : out.rq;
      if (!(e = expect(n, JsonNode::Kind::Array, p))) {
        for (std::size_t i = 0; i < n.items.size() && !e; ++i) {
          const std::string ip = pointer_append(p, i);
          Listed l;
          const JsonNode& item = n.items[i];
          const bool number = item.kind == JsonNode::Kind::Int || (item.kind == JsonNode::Kind::Float && item.big_int);
          if (key == "RQ" && number) {
            l.bare = true;
            l.ptr = ip;
            e = get_int(item, ip, 0, INT64_MAX, l.p.seq);
          } else if (key == "RQ" && item.kind != JsonNode::Kind::Object) {
            e = fail(ip, std::string("expected an integer or a packet object, found ") + found(item));
          } else {
            e = parse_packet(item, ip, l);
          }
          list.push_back(std::move(l));
        }
      }
    } else {
      e = fail(p, "unknown key");
    }
    if (e) return e;
  }
  return std::nullopt;
}

std::string seq_ptr(const Listed& l) { return l.bare ? l.ptr : pointer_append(l.ptr, "seq"); }

Err check_consistency(Parsed& in) {
  // Subflow IDs are unique.
  std::map<std::int64_t, const ListedSubflow*> subflow_ids;
  for (const ListedSubflow& s : in.subflows) {
    auto [it, fresh] = subflow_ids.emplace(s.s.id, &s);
    if (!fresh) {
      return fail(pointer_append(s.ptr, "id"),
                  "duplicate subflow ID " + std::to_string(s.s.id) + " (also at " + it->second->ptr + ")");
    }
  }
  // SEQs are unique within each array.
  const std::pair<const char*, std::vector<Listed>*> arrays[] = {{"Q", &in.q}, {"QU", &in.qu}, {"RQ", &in.rq}};
  for (const auto& [name, list] : arrays) {
    std::map<std::int64_t, const Listed*> seen;
    for (const Listed& l : *list) {
      auto [it, fresh] = seen.emplace(l.p.seq, &l);
      if (!fresh) {
        return fail(seq_ptr(l), "duplicate SEQ " + std::to_string(l.p.seq) + " in " + name + " (also at " +
                                    it->second->ptr + ")");
      }
    }
  }
  // A packet listed in several arrays is the same object everywhere; bare RQ SEQs name QU packets.
  std::map<std::int64_t, const Listed*> first;
  for (const auto& [name, list] : arrays) {
    for (const Listed& l : *list) {
      if (l.bare) continue;
      auto [it, fresh] = first.emplace(l.p.seq, &l);
      if (!fresh && !same_packet(it->second->p, l.p)) {
        return fail(l.ptr, "differs from the packet with SEQ " + std::to_string(l.p.seq) + " at " + it->second->ptr);
      }
    }
  }
  std::set<std::int64_t> in_qu;
  for (const Listed& l : in.qu) in_qu.insert(l.p.seq);
  for (const Listed& l : in.rq) {
    if (l.bare && !in_qu.count(l.p.seq)) {
      return fail(l.ptr, "no packet with SEQ " + std::to_string(l.p.seq) + " in QU");
    }
  }
  std::set<std::int64_t> rq_objects;
  for (const Listed& l : in.rq) {
    if (!l.bare) rq_objects.insert(l.p.seq);
  }
  // A packet only in Q has never been pushed.
  for (const Listed& l : in.q) {
    if (in_qu.count(l.p.seq) || rq_objects.count(l.p.seq)) continue;
    if (!l.p.sent_on.empty()) {
      return fail(pointer_append(l.ptr, "sent_on"),
                  "a packet listed only in Q must have an empty sent_on (list a pushed packet in QU too)");
    }
    if (!l.p.queued_on.empty()) {
      return fail(pointer_append(l.ptr, "queued_on"),
                  "a packet listed only in Q must have an empty queued_on (list a pushed packet in QU too)");
    }
  }
  // Untransmitted copies exist only on available subflows.
  for (const auto& [name, list] : arrays) {
    for (const Listed& l : *list) {
      for (std::size_t j = 0; j < l.p.queued_on.size(); ++j) {
        if (!subflow_ids.count(l.p.queued_on[j])) {
          return fail(l.queued_ptr[j], "subflow " + std::to_string(l.p.queued_on[j]) + " is not listed in subflows");
        }
      }
    }
  }
  // Distinct packets do not overlap.
  std::vector<const Listed*> distinct;
  for (const auto& [seq, l] : first) distinct.push_back(l);  // ascending SEQ
  for (std::size_t i = 1; i < distinct.size(); ++i) {
    const Listed& a = *distinct[i - 1];
    const Listed& b = *distinct[i];
    if (a.p.seq + a.p.length > b.p.seq) {
      return fail(b.ptr, "overlaps the packet with SEQ " + std::to_string(a.p.seq) + " at " + a.ptr);
    }
  }
  // SENT_ON has 64 slots for all subflows, listed or not.
  std::set<std::int64_t> ids;
  for (const auto& [id, s] : subflow_ids) ids.insert(id);
  for (const auto& [name, list] : arrays) {
    for (const Listed& l : *list) {
      for (std::size_t j = 0; j < l.p.sent_on.size(); ++j) {
        ids.insert(l.p.sent_on[j]);
        if (ids.size() > 64) return fail(l.sent_ptr[j], "more than 64 distinct subflow IDs");
      }
    }
  }
  return std::nullopt;
}

void build(Parsed& in) {
  PlaygroundView& v = in.view;
  for (const ListedSubflow& s : in.subflows) v.subflows.push_back(s.s);
  std::sort(v.subflows.begin(), v.subflows.end(), [](const ViewSubflow& a, const ViewSubflow& b) { return a.id < b.id; });
  std::map<std::int64_t, ViewPacket> packets;
  auto add = [&](const ViewPacket& p) -> ViewPacket& {
    auto [it, fresh] = packets.emplace(p.seq, p);
    if (fresh) {
      std::sort(it->second.sent_on.begin(), it->second.sent_on.end());
      std::sort(it->second.queued_on.begin(), it->second.queued_on.end());
    }
    return it->second;
  };
  for (const Listed& l : in.q) add(l.p).in_q = true;
  for (const Listed& l : in.qu) add(l.p).in_qu = true;
  for (const Listed& l : in.rq) {
    if (l.bare) {
      packets.at(l.p.seq).in_rq = true;
    } else {
      ViewPacket& p = add(l.p);
      p.in_rq = true;
      p.in_qu = true;  // an RQ packet object not listed in QU is added to QU
    }
  }
  for (auto& [seq, p] : packets) v.packets.push_back(std::move(p));
}

}  // namespace

std::string ViewError::message(std::string_view file) const {
  return std::string(file) + ": " + pointer + ": " + problem;
}

ViewParse parse_view(std::string_view json) {
  ViewParse out;
  JsonNode root;
  if (auto e = parse_json_strict(json, root)) {
    out.error = ViewError{e->pointer, e->problem};
    return out;
  }
  Parsed parsed;
  if (Err e = parse_fields(root, parsed)) {
    out.error = *e;
    return out;
  }
  if (Err e = check_consistency(parsed)) {
    out.error = *e;
    return out;
  }
  build(parsed);
  out.view = std::move(parsed.view);
  return out;
}

}  // namespace progmp::runtime
