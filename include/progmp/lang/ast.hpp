// The checked syntax tree of one ProgMP program: the contract between the front end (lexer, parser, resolver,
// type checker) and everything after it (IR lowering, engines, dump).
//
// Storage: one Program owns flat arrays of expressions and statements indexed by 32-bit ids (kNone = absent).
// Every name is already resolved (locals to slots, built-ins and registers to enums), every expression carries its
// static type and packet origin (language.md §5, §7.6). A Program exists only for sources without errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace progmp::lang {

using ExprId = std::uint32_t;
using StmtId = std::uint32_t;
using SlotId = std::uint32_t;
inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;

// Static types of language.md §5. Error poisons an expression so one mistake gives one message.
enum class Type : std::uint8_t { Error, Null, Int, Bool, String, Subflow, Packet, SubflowList, PacketList };

// "int", "bool", "string", "subflow", "packet", "subflow list", "packet list", "null" ("<error>" for Error).
std::string_view type_name(Type t);

// Static origin of packet and packet-list expressions (language.md §7.6); None for everything else.
enum class Origin : std::uint8_t { None, Q, QU, RQ };

// 1-based line and column (language.md §2.2) plus the byte offset into the source.
struct Loc {
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  std::uint32_t offset = 0;
};

enum class Builtin : std::uint8_t { Q, QU, RQ, Subflows, CurrentTimeMs, Random, WindowEnd, Mss };

// Members after '.', already disambiguated by receiver type (SfUser vs PktUser, SubflowMin vs packet Min is the
// same enum value: the receiver's type tells the list kind).
enum class Member : std::uint8_t {
  // subflow properties (language.md §9)
  Id, Rtt, RttUs, RttMs, RttVar, Cwnd, Ssthresh, SkbsInFlight, Queued, LostSkbs, BwOutSend, BwOutAck, SfUser,
  DelayIn, DelayOut, Bw, LossRate, IsBackup, Throttled, Lossy,
  HasWindowFor,  // call, argument: packet
  // packet properties (language.md §10)
  Seq, Length, Size, PktUser, Psh, AgeMs, SentOnAll,
  SentOn,  // call, argument: subflow
  // list operations (language.md §11)
  Empty, Count, Top, Get, Pop, Filter, Min, Max, Sum,
};

// Upper-case spelling as written in programs ("RTT", "SENT_ON", "FILTER", ...).
std::string_view member_name(Member m);

enum class ExprKind : std::uint8_t {
  IntLit,     // value
  BoolLit,    // value (0/1)
  NullLit,    //
  StringLit,  // value = index into Program::strings
  Builtin,    // op = Builtin
  Register,   // op = 0..5 for R1..R6
  Local,      // slot = variable, loop variable or lambda parameter
  Neg,        // -a
  Not,        // !a
  Arith,      // a op b, op = ArithOp
  Compare,    // a op b, op = CmpOp; operand types (int/bool/subflow/packet) tell value vs identity comparison
  NullTest,   // a == NULL (op = CmpOp::Eq) or a != NULL (op = CmpOp::Ne); a is the tested operand (language.md §7.3)
  And,        // a AND b
  Or,         // a OR b
  Member,     // op = Member; a = receiver; b = argument (GET/SENT_ON/HAS_WINDOW_FOR) or lambda body
              // (FILTER/MIN/MAX/SUM, with slot = the lambda parameter); kNone otherwise
};

enum class ArithOp : std::uint8_t { Add, Sub, Mul, Div, Mod };
enum class CmpOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

struct Expr {
  ExprKind kind{};
  Type type = Type::Error;
  Origin origin = Origin::None;
  std::uint8_t op = 0;  // Builtin / register index / ArithOp / CmpOp / Member, by kind
  ExprId a = kNone;
  ExprId b = kNone;
  SlotId slot = kNone;
  std::int64_t value = 0;
  Loc loc;  // the expression's first token (for Member: the member name)
};

// A run of statements: Program::block_items[first .. first + count).
struct Block {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

enum class StmtKind : std::uint8_t {
  Var,      // slot = declared variable, a = initializer
  If,       // a = condition, then_block, else_block (an ELSE IF is an else block holding one If); has_else
  Foreach,  // slot = loop variable, a = list, then_block = body
  Set,      // op = register 0..5, a = value
  Drop,     // a = packet
  Print,    // b = the format expression (type string: a literal or a string variable), a = argument or kNone
  Void,     // a = expression or kNone
  Return,   //
  Push,     // a = target subflow, b = packet
  SetUser,  // a = target subflow, b = value
};

struct Stmt {
  StmtKind kind{};
  std::uint8_t op = 0;
  bool has_else = false;
  ExprId a = kNone;
  ExprId b = kNone;
  SlotId slot = kNone;
  std::int64_t value = 0;
  Block then_block;
  Block else_block;
  Loc loc;  // first token of the statement
};

enum class SlotKind : std::uint8_t { Var, Loop, LambdaParam };

struct Slot {
  std::string name;
  Type type = Type::Error;
  Origin origin = Origin::None;
  SlotKind kind = SlotKind::Var;
  Loc loc;
};

struct Program {
  std::string header_name;  // from `SCHEDULER name;`, empty if absent
  std::vector<Expr> exprs;
  std::vector<Stmt> stmts;
  std::vector<StmtId> block_items;
  std::vector<std::string> strings;  // string literals after escape processing
  std::vector<Slot> slots;
  Block body;  // the top-level statements

  const Expr& expr(ExprId id) const { return exprs[id]; }
  const Stmt& stmt(StmtId id) const { return stmts[id]; }
  const StmtId* begin(Block b) const { return block_items.data() + b.first; }
  const StmtId* end(Block b) const { return block_items.data() + b.first + b.count; }
};

}  // namespace progmp::lang
