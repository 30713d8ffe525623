// A generator of random, statically valid ProgMP programs, type-directed over the grammar of language.md §3:
// every expression is generated for a wanted type from the names in scope, POP appears only where §11.4 allows
// it, and every declaration gets a fresh name. Used by property and differential tests.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace progmp::testing {

class ProgramGen {
 public:
  explicit ProgramGen(std::uint64_t seed) : rng_(seed) {}

  std::string program(int statements = 8) {
    scopes_.assign(1, {});
    next_name_ = 0;
    std::string out = "SCHEDULER gen;\n";
    for (int i = 0; i < statements; ++i) out += stmt(2);
    return out;
  }

 private:
  enum class T { Int, Bool, Subflow, Packet, SubflowList, PacketList };
  struct Var {
    std::string name;
    T type;
    char origin;  // 'Q', 'U' (QU), 'R' (RQ) or 0
  };

  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }

  std::vector<const Var*> vars_of(T t) const {
    std::vector<const Var*> out;
    for (const auto& scope : scopes_)
      for (const auto& v : scope)
        if (v.type == t) out.push_back(&v);
    return out;
  }
  std::string fresh(const char* prefix) { return prefix + std::to_string(next_name_++); }

  // ---- statements ---------------------------------------------------------------------------------------------
  std::string stmt(int depth) {
    const int k = pick(depth > 0 ? 12 : 9);
    switch (k) {
      case 0:
      case 1: return var_stmt(depth);
      case 2: return "SET(R" + std::to_string(1 + pick(6)) + ", " + expr(T::Int, depth) + ");\n";
      case 3: return push_stmt(depth);
      case 4: return push_stmt(depth);
      case 5: return expr(T::Subflow, depth) + ".SET_USER(" + expr(T::Int, depth) + ");\n";
      case 6: return drop_stmt(depth);
      case 7:
        if (chance(50)) return "PRINT(\"v %d %s\", " + expr(random_type(), depth) + ");\n";
        return "VOID(" + (chance(30) ? list_expr(chance(50) ? T::PacketList : T::SubflowList, depth)
                                     : expr(random_type(), depth)) + ");\n";
      case 8: return chance(15) ? "RETURN;\n" : var_stmt(depth);
      case 9:
      case 10: return if_stmt(depth);
      default: return foreach_stmt(depth);
    }
  }

  std::string var_stmt(int depth) {
    const std::string name = fresh("v");
    if (chance(20)) {
      const char origin = "QUR"[pick(3)];
      std::string s = "VAR " + name + " = " + pop_expr(origin, depth) + ";\n";
      scopes_.back().push_back({name, T::Packet, origin});
      return s;
    }
    const T t = random_type_with_lists();
    char origin = 0;
    std::string e = t == T::PacketList ? packet_list(depth, origin) : t == T::Packet ? packet(depth, origin)
                                                                                      : expr(t, depth);
    scopes_.back().push_back({name, t, origin});
    return "VAR " + name + " = " + e + ";\n";
  }

  std::string push_stmt(int depth) {
    std::string arg;
    if (chance(50)) {
      arg = pop_expr("QUR"[pick(3)], depth);
    } else {
      char origin = 0;
      arg = packet(depth, origin);
    }
    return expr(T::Subflow, depth) + ".PUSH(" + arg + ");\n";
  }

  std::string drop_stmt(int depth) {
    if (chance(60)) return "DROP(" + pop_expr("QUR"[pick(3)], depth) + ");\n";
    char origin = 0;
    return "DROP(" + packet(depth, origin) + ");\n";
  }

  std::string if_stmt(int depth) {
    std::string s = "IF (" + expr(T::Bool, depth) + ") " + block(depth - 1);
    if (chance(40)) s += " ELSE " + (chance(30) ? if_stmt(depth - 1) : block(depth - 1));
    return s + "\n";
  }

  std::string foreach_stmt(int depth) {
    const bool packets = chance(50);
    const std::string list = list_expr(packets ? T::PacketList : T::SubflowList, depth);
    const std::string name = fresh("e");
    scopes_.emplace_back();
    scopes_.back().push_back({name, packets ? T::Packet : T::Subflow, packets ? 'Q' : '\0'});
    std::string body;
    const int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) body += stmt(depth - 1);
    scopes_.pop_back();
    return "FOREACH (VAR " + name + " IN " + list + ") {\n" + body + "}\n";
  }

  std::string block(int depth) {
    scopes_.emplace_back();
    std::string body;
    const int n = pick(3);
    for (int i = 0; i < n; ++i) body += stmt(depth);
    scopes_.pop_back();
    return "{\n" + body + "}";
  }

  // ---- expressions --------------------------------------------------------------------------------------------
  T random_type() { return static_cast<T>(pick(4)); }
  T random_type_with_lists() { return static_cast<T>(pick(6)); }

  std::string pop_expr(char origin, int depth) {
    std::string q = origin == 'Q' ? "Q" : origin == 'U' ? "QU" : "RQ";
    if (chance(30)) q += ".FILTER(" + lambda(T::Packet, T::Bool, depth) + ")";
    return q + ".POP()";
  }

  std::string lambda(T param, T body, int depth) {
    const std::string name = fresh("x");
    scopes_.emplace_back();
    scopes_.back().push_back({name, param, param == T::Packet ? 'Q' : '\0'});
    std::string e = expr(body, depth - 1);
    scopes_.pop_back();
    return name + " => " + e;
  }

  std::string list_expr(T t, int depth) {
    char origin = 0;
    return t == T::PacketList ? packet_list(depth, origin) : subflow_list(depth);
  }

  std::string subflow_list(int depth) {
    auto vars = vars_of(T::SubflowList);
    std::string base = (!vars.empty() && chance(40)) ? vars[pick(static_cast<int>(vars.size()))]->name : "SUBFLOWS";
    if (depth > 0 && chance(50)) base += ".FILTER(" + lambda(T::Subflow, T::Bool, depth) + ")";
    return base;
  }

  std::string packet_list(int depth, char& origin) {
    auto vars = vars_of(T::PacketList);
    std::string base;
    if (!vars.empty() && chance(30)) {
      const Var* v = vars[pick(static_cast<int>(vars.size()))];
      base = v->name;
      origin = v->origin;
    } else {
      const int k = pick(3);
      base = k == 0 ? "Q" : k == 1 ? "QU" : "RQ";
      origin = "QUR"[k];
    }
    if (depth > 0 && chance(40)) base += ".FILTER(" + lambda(T::Packet, T::Bool, depth) + ")";
    return base;
  }

  std::string packet(int depth, char& origin) {
    auto vars = vars_of(T::Packet);
    if (!vars.empty() && chance(40)) {
      const Var* v = vars[pick(static_cast<int>(vars.size()))];
      origin = v->origin;
      return v->name;
    }
    const std::string list = packet_list(depth, origin);
    switch (pick(4)) {
      case 0: return list + ".TOP";
      case 1: return list + ".GET(" + expr(T::Int, depth - 1) + ")";
      case 2: return list + ".MIN(" + lambda(T::Packet, T::Int, depth) + ")";
      default: return list + ".MAX(" + lambda(T::Packet, T::Int, depth) + ")";
    }
  }

  std::string subflow(int depth) {
    auto vars = vars_of(T::Subflow);
    if (!vars.empty() && chance(40)) return vars[pick(static_cast<int>(vars.size()))]->name;
    const std::string list = subflow_list(depth);
    switch (pick(3)) {
      case 0: return list + ".GET(" + std::to_string(pick(4)) + ")";
      case 1: return list + ".MIN(" + lambda(T::Subflow, T::Int, depth) + ")";
      default: return list + ".MAX(" + lambda(T::Subflow, T::Int, depth) + ")";
    }
  }

  std::string expr(T t, int depth) {
    if (depth < 0) depth = 0;
    switch (t) {
      case T::Int: return int_expr(depth);
      case T::Bool: return bool_expr(depth);
      case T::Subflow: return subflow(depth);
      case T::Packet: {
        char origin = 0;
        return packet(depth, origin);
      }
      case T::SubflowList: return subflow_list(depth);
      case T::PacketList: {
        char origin = 0;
        return packet_list(depth, origin);
      }
    }
    return "0";
  }

  std::string int_expr(int depth) {
    static const char* kSfProps[] = {"ID", "RTT", "RTT_MS", "RTT_US", "RTT_VAR", "CWND", "SSTHRESH",
                                     "SKBS_IN_FLIGHT", "QUEUED", "LOST_SKBS", "BW_OUT_SEND", "BW_OUT_ACK",
                                     "USER", "DELAY_IN", "DELAY_OUT", "BW", "LOSS_RATE"};
    static const char* kPktProps[] = {"SEQ", "LENGTH", "SIZE", "USER", "AGE_MS"};
    auto vars = vars_of(T::Int);
    const int k = pick(depth > 0 ? 13 : 6);
    switch (k) {
      case 0: return std::to_string(pick(3) == 0 ? static_cast<int>(rng_() % 100000) : pick(5));
      case 1: return "R" + std::to_string(1 + pick(6));
      case 2: {
        static const char* kBuiltins[] = {"CURRENT_TIME_MS", "RANDOM", "MSS", "WINDOW_END"};
        return kBuiltins[pick(4)];
      }
      case 3:
        if (!vars.empty()) return vars[pick(static_cast<int>(vars.size()))]->name;
        return "7";
      case 4: return "9223372036854775807";
      case 5: return "0";
      case 6: return subflow(depth - 1) + "." + kSfProps[pick(17)];
      case 7: return expr(T::Packet, depth - 1) + "." + kPktProps[pick(5)];
      case 8: return list_expr(chance(50) ? T::PacketList : T::SubflowList, depth - 1) + ".COUNT";
      case 9: {
        const bool packets = chance(50);
        return list_expr(packets ? T::PacketList : T::SubflowList, depth - 1) + ".SUM(" +
               lambda(packets ? T::Packet : T::Subflow, T::Int, depth - 1) + ")";
      }
      case 10: return "-" + int_expr(depth - 1);
      default: {
        static const char* kOps[] = {" + ", " - ", " * ", " / ", " % "};
        return "(" + int_expr(depth - 1) + kOps[pick(5)] + int_expr(depth - 1) + ")";
      }
    }
  }

  std::string bool_expr(int depth) {
    static const char* kCmp[] = {" == ", " != ", " < ", " <= ", " > ", " >= "};
    static const char* kSfBool[] = {"IS_BACKUP", "THROTTLED", "LOSSY"};
    auto vars = vars_of(T::Bool);
    const int k = pick(depth > 0 ? 14 : 3);
    switch (k) {
      case 0: return chance(50) ? "TRUE" : "FALSE";
      case 1:
        if (!vars.empty()) return vars[pick(static_cast<int>(vars.size()))]->name;
        return "TRUE";
      case 2: return "(R" + std::to_string(1 + pick(6)) + kCmp[pick(6)] + std::to_string(pick(4)) + ")";
      case 3: return "(" + int_expr(depth - 1) + kCmp[pick(6)] + int_expr(depth - 1) + ")";
      case 4: return "(" + bool_expr(depth - 1) + (chance(50) ? " AND " : " OR ") + bool_expr(depth - 1) + ")";
      case 5: return "!" + bool_expr(depth - 1);
      case 6: return subflow(depth - 1) + "." + kSfBool[pick(3)];
      case 7: return expr(T::Packet, depth - 1) + (chance(50) ? ".PSH" : ".SENT_ON_ALL");
      case 8: return expr(T::Packet, depth - 1) + ".SENT_ON(" + subflow(depth - 1) + ")";
      case 9: return subflow(depth - 1) + ".HAS_WINDOW_FOR(" + expr(T::Packet, depth - 1) + ")";
      case 10: return list_expr(chance(50) ? T::PacketList : T::SubflowList, depth - 1) + ".EMPTY";
      case 11: {
        const T t = static_cast<T>(pick(4));
        return "(" + expr(t, depth - 1) + (chance(50) ? " == NULL)" : " != NULL)");
      }
      case 12: return "(" + subflow(depth - 1) + " == " + subflow(depth - 1) + ")";
      default: return "(" + expr(T::Packet, depth - 1) + " != " + expr(T::Packet, depth - 1) + ")";
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::vector<Var>> scopes_;
  int next_name_ = 0;
};

}  // namespace progmp::testing
