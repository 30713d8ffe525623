// TOML → Scenario: key checking, value validation and positioned errors (contract in scenario.hpp).
// Each table kind has one function that walks its keys, so an unknown key is caught where it is read.
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "progmp/sim/scenario.hpp"
#include "scenario_fields.hpp"

namespace progmp::sim {
namespace detail {

[[noreturn]] void FieldContext::fail(const toml::source_region& where, const std::string& message) const {
  std::string out = label;
  if (with_positions && where.begin.line != 0) {
    out += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
  }
  throw FieldError{out + ": " + message};
}

double FieldContext::number(const toml::node& n, std::string_view key, double lo, double hi) const {
  double v;
  if (auto i = n.as_integer()) {
    v = static_cast<double>(i->get());
  } else if (auto f = n.as_floating_point()) {
    v = f->get();
  } else {
    fail(n.source(), "'" + std::string(key) + "' must be a number");
  }
  if (!(v >= lo && v <= hi)) {  // also rejects NaN
    std::ostringstream os;
    os << "'" << key << "' must be in [" << lo << ", " << hi << "], got " << v;
    fail(n.source(), os.str());
  }
  return v;
}

std::int64_t FieldContext::integer(const toml::node& n, std::string_view key, std::int64_t lo, std::int64_t hi) const {
  auto i = n.as_integer();
  if (!i) fail(n.source(), "'" + std::string(key) + "' must be an integer");
  const std::int64_t v = i->get();
  if (v < lo || v > hi) {
    fail(n.source(), "'" + std::string(key) + "' must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                         "], got " + std::to_string(v));
  }
  return v;
}

bool FieldContext::boolean(const toml::node& n, std::string_view key) const {
  auto b = n.as_boolean();
  if (!b) fail(n.source(), "'" + std::string(key) + "' must be true or false");
  return b->get();
}

std::string FieldContext::string(const toml::node& n, std::string_view key) const {
  auto s = n.as_string();
  if (!s) fail(n.source(), "'" + std::string(key) + "' must be a string");
  return s->get();
}

std::string FieldContext::one_of(const toml::node& n, std::string_view key,
                                 std::initializer_list<std::string_view> allowed) const {
  std::string v = string(n, key);
  std::string list;
  for (auto a : allowed) {
    if (v == a) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  fail(n.source(), "'" + std::string(key) + "' must be one of " + list + ", got '" + v + "'");
}

bool set_link_key(LinkSpec& link, std::string_view key, const toml::node& v, const FieldContext& ctx) {
  constexpr double kMaxMbit = 1e6;  // 1 Tbit/s: beyond any link we simulate; keeps ns arithmetic in range
  constexpr double kMaxMs = 1e6;    // 1000 s one way
  if (key == "rate_mbit") link.rate_mbit = ctx.number(v, key, 0, kMaxMbit);
  else if (key == "delay_ms") link.delay_ms = ctx.number(v, key, 0, kMaxMs);
  else if (key == "jitter_ms") link.jitter_ms = ctx.number(v, key, 0, kMaxMs);
  else if (key == "loss") link.loss = ctx.number(v, key, 0, 1);
  else if (key == "loss_model") link.loss_model = ctx.one_of(v, key, {"bernoulli", "gilbert"});
  else if (key == "gilbert_p") link.gilbert_p = ctx.number(v, key, 0, 1);
  else if (key == "gilbert_r") link.gilbert_r = ctx.number(v, key, 0, 1);
  else if (key == "gilbert_loss_good") link.gilbert_loss_good = ctx.number(v, key, 0, 1);
  else if (key == "queue_pkts") link.queue_pkts = static_cast<std::uint64_t>(ctx.integer(v, key, 0, 1'000'000'000));
  else if (key == "queue_bytes") link.queue_bytes = static_cast<std::uint64_t>(ctx.integer(v, key, 0, INT64_MAX));
  else if (key == "trace") link.trace = ctx.string(v, key);
  else return false;
  return true;
}

bool set_path_key(PathSpec& path, std::string_view key, const toml::node& v, const FieldContext& ctx) {
  if (key == "name") {
    path.name = ctx.string(v, key);
    if (path.name.empty()) ctx.fail(v.source(), "'name' must not be empty");
    return true;
  }
  if (key == "backup") {
    path.backup = ctx.boolean(v, key);
    return true;
  }
  if (key.starts_with("reverse_")) return set_link_key(path.reverse, key.substr(8), v, ctx);
  // A forward key sets both directions; reverse_ keys are applied afterwards and win.
  if (set_link_key(path.forward, key, v, ctx)) {
    set_link_key(path.reverse, key, v, ctx);
    return true;
  }
  return false;
}

bool set_transport_key(TransportSpec& t, std::string_view key, const toml::node& v, const FieldContext& ctx) {
  if (key == "cc") t.cc = ctx.one_of(v, key, {"reno", "cubic", "lia", "olia"});
  // 536 is TCP's minimum MSS; 9000 a jumbo frame.
  else if (key == "mss") t.mss = static_cast<std::uint32_t>(ctx.integer(v, key, 536, 9000));
  else if (key == "rcv_buf_kb") t.rcv_buf_kb = static_cast<std::uint64_t>(ctx.integer(v, key, 1, 1 << 22));
  else if (key == "snd_buf_kb") t.snd_buf_kb = static_cast<std::uint64_t>(ctx.integer(v, key, 1, 1 << 22));
  else if (key == "encrypt") t.encrypt = ctx.boolean(v, key);
  else if (key == "path_timeout_ms") t.path_timeout_ms = ctx.integer(v, key, 0, 3'600'000);
  else if (key == "pacing") t.pacing = ctx.boolean(v, key);
  else return false;
  return true;
}

bool set_scheduler_key(SchedulerSpec& s, std::string_view key, const toml::node& v, const FieldContext& ctx) {
  if (key == "file") s.file = ctx.string(v, key);
  else if (key == "name") s.name = ctx.string(v, key);
  else if (key == "registers") {
    auto arr = v.as_array();
    if (!arr) ctx.fail(v.source(), "'registers' must be an array of integers");
    // The language has six registers R1..R6 (runtime.md).
    if (arr->size() > 6) ctx.fail(v.source(), "'registers' has " + std::to_string(arr->size()) + " values, at most 6");
    s.registers.clear();
    for (const auto& e : *arr) s.registers.push_back(ctx.integer(e, "registers", INT64_MIN, INT64_MAX));
  } else return false;
  return true;
}

bool set_top_key(Scenario& s, std::string_view key, const toml::node& v, const FieldContext& ctx) {
  if (key == "name") s.name = ctx.string(v, key);
  // One simulated day at most: longer runs are a typo, and ns stay far from overflow.
  else if (key == "duration_s") s.duration_s = ctx.number(v, key, 0.001, 86'400);
  else if (key == "seed") s.seed = static_cast<std::uint64_t>(ctx.integer(v, key, 0, INT64_MAX));
  else return false;
  return true;
}

}  // namespace detail

namespace {
using detail::FieldContext;

[[noreturn]] void unknown_key(const FieldContext& ctx, const toml::key& k, std::string_view where) {
  ctx.fail(k.source(), "unknown key '" + std::string(k.str()) + "' in " + std::string(where));
}

const toml::table& as_table(const toml::node& n, std::string_view what, const FieldContext& ctx) {
  auto t = n.as_table();
  if (!t) ctx.fail(n.source(), std::string(what) + " must be a table");
  return *t;
}

const toml::array& as_table_array(const toml::node& n, std::string_view what, const FieldContext& ctx) {
  auto a = n.as_array();
  if (!a || !a->is_array_of_tables()) ctx.fail(n.source(), std::string(what) + " must be an array of tables ([[" +
                                                            std::string(what) + "]])");
  return *a;
}

PathChange parse_change(const toml::table& t, const FieldContext& ctx) {
  PathChange c;
  bool has_at = false;
  for (const auto& [k, v] : t) {
    const std::string_view key = k.str();
    if (key == "at_s") {
      c.at_s = ctx.number(v, key, 0, 86'400);
      has_at = true;
    } else if (key == "rate_mbit") c.rate_mbit = ctx.number(v, key, 0, 1e6);
    else if (key == "delay_ms") c.delay_ms = ctx.number(v, key, 0, 1e6);
    else if (key == "loss") c.loss = ctx.number(v, key, 0, 1);
    else if (key == "up") c.up = ctx.boolean(v, key);
    else unknown_key(ctx, k, "[[path.change]]");
  }
  if (!has_at) ctx.fail(t.source(), "[[path.change]] needs 'at_s'");
  if (!c.rate_mbit && !c.delay_ms && !c.loss && !c.up) {
    ctx.fail(t.source(), "[[path.change]] changes nothing (set rate_mbit, delay_ms, loss or up)");
  }
  return c;
}

PathSpec parse_path(const toml::table& t, const FieldContext& ctx) {
  PathSpec p;
  // Forward keys first, then reverse_ overrides, so the order inside the table does not matter.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "change") {
        if (pass == 0) {
          for (const auto& e : as_table_array(v, "path.change", ctx)) p.changes.push_back(parse_change(*e.as_table(), ctx));
        }
        continue;
      }
      if (key.starts_with("reverse_") != (pass == 1)) continue;
      if (!detail::set_path_key(p, key, v, ctx)) unknown_key(ctx, k, "[[path]]");
    }
  }
  if (p.name.empty()) ctx.fail(t.source(), "[[path]] needs 'name'");
  for (std::size_t i = 1; i < p.changes.size(); ++i) {
    if (p.changes[i].at_s < p.changes[i - 1].at_s) {
      ctx.fail(t.source(), "path '" + p.name + "': [[path.change]] entries must be in time order");
    }
  }
  for (const LinkSpec* l : {&p.forward, &p.reverse}) {
    if (l->rate_mbit <= 0 && l->trace.empty()) {
      ctx.fail(t.source(), "path '" + p.name + "': rate_mbit must be positive (or give a trace)");
    }
  }
  return p;
}

Workload parse_workload(const toml::table& t, const FieldContext& ctx) {
  const toml::node* type_node = t.get("type");
  if (!type_node) ctx.fail(t.source(), "[[workload]] needs 'type'");
  const std::string type = ctx.one_of(*type_node, "type", {"bulk", "flows", "cbr", "messages", "http2"});
  auto u64 = [&](const toml::node& v, std::string_view key, std::int64_t lo = 0) {
    return static_cast<std::uint64_t>(ctx.integer(v, key, lo, INT64_MAX));
  };
  auto start = [&](const toml::node& v, std::string_view key) { return ctx.number(v, key, 0, 86'400); };
  auto reg = [&](const toml::node& v, std::string_view key) { return static_cast<int>(ctx.integer(v, key, 1, 6)); };
  // [[workload.signal]] {at_s, register, value}: accepted by every workload type.
  auto signals = [&](const toml::node& v, std::vector<RegisterSignal>& out) {
    for (const auto& e : as_table_array(v, "workload.signal", ctx)) {
      RegisterSignal sig;
      bool has_at = false, has_reg = false, has_value = false;
      for (const auto& [sk, sv] : *e.as_table()) {
        if (sk.str() == "at_s") {
          sig.at_s = start(sv, sk.str());
          has_at = true;
        } else if (sk.str() == "register") {
          sig.reg = reg(sv, sk.str());
          has_reg = true;
        } else if (sk.str() == "value") {
          sig.value = ctx.integer(sv, sk.str(), INT64_MIN, INT64_MAX);
          has_value = true;
        } else unknown_key(ctx, sk, "[[workload.signal]]");
      }
      if (!has_at || !has_reg || !has_value)
        ctx.fail(e.source(), "[[workload.signal]] needs 'at_s', 'register' and 'value'");
      if (!out.empty() && sig.at_s < out.back().at_s)
        ctx.fail(e.source(), "[[workload.signal]] entries must be in non-decreasing at_s order");
      out.push_back(sig);
    }
  };
  Workload w;
  if (type == "bulk") {
    BulkWorkload b;
    for (const auto& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "type") continue;
      if (key == "bytes") b.bytes = u64(v, key);
      else if (key == "start_s") b.start_s = start(v, key);
      else if (key == "signal") signals(v, b.signals);
      else unknown_key(ctx, k, "bulk [[workload]]");
    }
    w = b;
  } else if (type == "flows") {
    FlowsWorkload f;
    for (const auto& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "type") continue;
      if (key == "sizes") {
        auto arr = v.as_array();
        if (!arr || arr->empty()) ctx.fail(v.source(), "'sizes' must be a non-empty array of byte counts");
        for (const auto& e : *arr) f.sizes.push_back(u64(e, "sizes", 1));
      } else if (key == "count") f.count = u64(v, key);
      else if (key == "arrival") f.arrival = ctx.one_of(v, key, {"sequential", "poisson"});
      else if (key == "rate_per_s") f.rate_per_s = ctx.number(v, key, 1e-6, 1e6);
      else if (key == "start_s") f.start_s = start(v, key);
      else if (key == "end_of_flow_register") f.end_of_flow_register = reg(v, key);
      else if (key == "signal") signals(v, f.signals);
      else unknown_key(ctx, k, "flows [[workload]]");
    }
    if (f.sizes.empty()) ctx.fail(t.source(), "flows [[workload]] needs 'sizes'");
    if (f.count == 0) f.count = f.sizes.size();
    w = f;
  } else if (type == "cbr") {
    CbrWorkload c;
    for (const auto& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "type") continue;
      if (key == "phase") {
        for (const auto& e : as_table_array(v, "workload.phase", ctx)) {
          CbrPhase ph;
          bool has_rate = false;
          for (const auto& [pk, pv] : *e.as_table()) {
            if (pk.str() == "at_s") ph.at_s = start(pv, pk.str());
            else if (pk.str() == "rate_mbyte_s") {
              ph.rate_mbyte_s = ctx.number(pv, pk.str(), 1e-6, 1e5);
              has_rate = true;
            } else unknown_key(ctx, pk, "[[workload.phase]]");
          }
          if (!has_rate) ctx.fail(e.source(), "[[workload.phase]] needs 'rate_mbyte_s'");
          if (!c.phases.empty() && ph.at_s <= c.phases.back().at_s) {
            ctx.fail(e.source(), "[[workload.phase]] entries must be in increasing at_s order");
          }
          c.phases.push_back(ph);
        }
      } else if (key == "rate_mbyte_s") c.phases.insert(c.phases.begin(), CbrPhase{0, ctx.number(v, key, 1e-6, 1e5)});
      else if (key == "block_bytes") c.block_bytes = u64(v, key, 1);
      else if (key == "slices_per_s") c.slices_per_s = static_cast<std::uint32_t>(ctx.integer(v, key, 1, 1000));
      else if (key == "user") c.user = ctx.integer(v, key, INT64_MIN, INT64_MAX);
      else if (key == "target_register") c.target_register = reg(v, key);
      else if (key == "signal") signals(v, c.signals);
      else unknown_key(ctx, k, "cbr [[workload]]");
    }
    if (c.phases.empty()) ctx.fail(t.source(), "cbr [[workload]] needs 'rate_mbyte_s' or [[workload.phase]]");
    if (c.phases.size() > 1 && c.phases[1].at_s <= c.phases[0].at_s)  // only 'rate_mbyte_s' (at 0) can collide
      ctx.fail(t.source(), "cbr [[workload]]: 'rate_mbyte_s' is the rate from 0 s, as is a [[workload.phase]] at 0");
    w = c;
  } else if (type == "messages") {
    MessagesWorkload m;
    for (const auto& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "type") continue;
      if (key == "count") m.count = u64(v, key, 1);
      else if (key == "size") m.size = u64(v, key, 1);
      else if (key == "interval_ms") m.interval_ms = ctx.number(v, key, 0, 1e6);
      else if (key == "user") m.user = ctx.integer(v, key, INT64_MIN, INT64_MAX);
      else if (key == "deadline_ms") m.deadline_ms = ctx.integer(v, key, 1, 86'400'000);
      else if (key == "start_s") m.start_s = start(v, key);
      else if (key == "signal") signals(v, m.signals);
      else unknown_key(ctx, k, "messages [[workload]]");
    }
    w = m;
  } else {
    Http2Workload h;
    for (const auto& [k, v] : t) {
      const std::string_view key = k.str();
      if (key == "type") continue;
      if (key == "html_bytes") h.html_bytes = u64(v, key, 1);
      else if (key == "critical_bytes") h.critical_bytes = u64(v, key);
      else if (key == "images_bytes") h.images_bytes = u64(v, key);
      else if (key == "start_s") h.start_s = start(v, key);
      else if (key == "dependency_register") h.dependency_register = reg(v, key);
      else if (key == "signal") signals(v, h.signals);
      else unknown_key(ctx, k, "http2 [[workload]]");
    }
    w = h;
  }
  return w;
}

void validate(const Scenario& s, const toml::table& root, const FieldContext& ctx) {
  if (s.paths.empty()) ctx.fail(root.source(), "scenario needs at least one [[path]]");
  if (s.workloads.empty()) ctx.fail(root.source(), "scenario needs at least one [[workload]]");
  if (!s.scheduler.file.empty() && !s.scheduler.name.empty()) {
    ctx.fail(root["scheduler"].node()->source(), "[scheduler] takes 'file' or 'name', not both");
  }
}

void parse_root(const toml::table& root, Scenario& s, const FieldContext& ctx) {
  s = Scenario{};
  bool has_name = false, has_duration = false;
  for (const auto& [k, v] : root) {
    const std::string_view key = k.str();
    if (key == "path") {
      for (const auto& e : as_table_array(v, "path", ctx)) {
        PathSpec p = parse_path(*e.as_table(), ctx);
        for (const auto& q : s.paths) {
          if (q.name == p.name) ctx.fail(e.source(), "duplicate path name '" + p.name + "'");
        }
        s.paths.push_back(std::move(p));
      }
    } else if (key == "workload") {
      for (const auto& e : as_table_array(v, "workload", ctx)) {
        s.workloads.push_back(parse_workload(*e.as_table(), ctx));
        std::ostringstream text;
        text << toml::toml_formatter{*e.as_table()};
        s.workload_tables.push_back(text.str());
      }
    } else if (key == "transport") {
      for (const auto& [tk, tv] : as_table(v, "[transport]", ctx)) {
        if (!detail::set_transport_key(s.transport, tk.str(), tv, ctx)) unknown_key(ctx, tk, "[transport]");
      }
    } else if (key == "scheduler") {
      for (const auto& [sk, sv] : as_table(v, "[scheduler]", ctx)) {
        if (!detail::set_scheduler_key(s.scheduler, sk.str(), sv, ctx)) unknown_key(ctx, sk, "[scheduler]");
      }
    } else if (detail::set_top_key(s, key, v, ctx)) {
      has_name |= key == "name";
      has_duration |= key == "duration_s";
    } else {
      unknown_key(ctx, k, "the top level");
    }
  }
  if (!has_name) ctx.fail(root.source(), "missing required key 'name'");
  if (!has_duration) ctx.fail(root.source(), "missing required key 'duration_s'");
  validate(s, root, ctx);
}

}  // namespace

bool parse_scenario(std::string_view text, std::string_view file_name, Scenario& out, std::string& error) {
  const FieldContext ctx{std::string(file_name)};
  try {
    toml::table root = toml::parse(text, file_name);
    parse_root(root, out, ctx);
    return true;
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    error = std::string(file_name) + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": " +
            std::string(e.description());
  } catch (const detail::FieldError& e) {
    error = e.message;
  }
  return false;
}

bool load_scenario(const std::string& path, Scenario& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open file";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_scenario(ss.str(), path, out, error);
}

namespace detail {

Workload rewrite_workload(std::string& text, std::string_view key, const toml::node& v, const FieldContext& ctx) {
  toml::table t = toml::parse(text);
  if (key.empty() || key.find('.') != std::string_view::npos)
    throw FieldError{ctx.label + ": unknown key"};
  t.insert_or_assign(key, v);
  Workload w = parse_workload(t, ctx);
  std::ostringstream out;
  out << toml::toml_formatter{t};
  text = out.str();
  return w;
}

}  // namespace detail

}  // namespace progmp::sim
