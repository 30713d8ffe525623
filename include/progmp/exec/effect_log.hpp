// The effect log of one execution (runtime.md §7.1, §10.2): POP, PUSH, DROP, SET_USER and PRINT entries in program
// order. Its storage is reserved once, outside executions; appending never allocates. Engines append through
// the try_* functions, which report a full log instead of growing it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "progmp/exec/view.hpp"

namespace progmp {

enum class QueueId : std::uint8_t { Q, QU, RQ };
const char* queue_name(QueueId q);  // "Q", "QU", "RQ"

enum class EffectKind : std::uint8_t { Pop, Push, Drop, SetUser, Print };

inline constexpr std::uint32_t kMaxActionsPerExecution = 65536;  // PUSH + DROP + SET_USER (runtime.md §10.1)
inline constexpr std::uint32_t kMaxPrintsPerExecution = 64;      // PRINT_MAX_PER_EXECUTION
inline constexpr std::uint32_t kPrintListElems = 17;             // list elements a PRINT argument carries

// The typed argument of a PRINT (runtime.md §7.1). Only the runtime turns it into text (language.md §12.6).
struct PrintValue {
  enum class Kind : std::uint8_t { None, Null, Int, Bool, String, Subflow, Packet, SubflowList, PacketList };
  Kind kind = Kind::None;   // None: PRINT without an argument
  std::int64_t value = 0;   // int, bool (0/1), string id, subflow ID, packet SEQ, or list COUNT
  std::uint32_t n_elems = 0;                          // lists: elements stored (≤ 17)
  std::array<std::int64_t, kPrintListElems> elems{};  // lists: IDs or SEQs of the first elements
};

struct Effect {
  EffectKind kind{};
  QueueId queue = QueueId::Q;            // Pop: the queue popped; Push/Drop: the packet's static origin
  std::uint8_t subflow = 0;              // Push/SetUser: position in SchedulerView::subflows
  std::uint32_t print = 0;               // Print: index into EffectLog::prints()
  const PacketMeta* packet = nullptr;    // Pop/Push/Drop
  std::int64_t value = 0;                // SetUser: the value; Print: the format string id
};

class EffectLog {
 public:
  // Reserves room for the worst case of one execution over a view with `max_pops` packets in Q, QU and RQ together.
  void reserve(std::size_t max_pops) {
    const std::size_t need = kMaxActionsPerExecution + max_pops + kMaxPrintsPerExecution;
    if (entries_.capacity() < need) entries_.reserve(need);
    if (prints_.capacity() < kMaxPrintsPerExecution) prints_.reserve(kMaxPrintsPerExecution);
  }
  void clear() {
    entries_.clear();
    prints_.clear();
    actions_ = 0;
  }

  // False when the action limit is reached (the engine then aborts with ActionLimit).
  bool try_action(const Effect& e) {
    if (actions_ >= kMaxActionsPerExecution) return false;
    ++actions_;
    entries_.push_back(e);  // never reallocates: capacity reserved
    return true;
  }
  void pop(QueueId q, const PacketMeta* p) { entries_.push_back(Effect{EffectKind::Pop, q, 0, 0, p, 0}); }
  // False when the PRINT cap is reached (the PRINT is then counted as suppressed).
  bool try_print(std::int64_t format_id, const PrintValue& v) {
    if (prints_.size() >= kMaxPrintsPerExecution) return false;
    prints_.push_back(v);
    entries_.push_back(Effect{EffectKind::Print, QueueId::Q, 0, static_cast<std::uint32_t>(prints_.size() - 1),
                              nullptr, format_id});
    return true;
  }

  const std::vector<Effect>& entries() const { return entries_; }
  const std::vector<PrintValue>& prints() const { return prints_; }
  std::uint32_t actions() const { return actions_; }

 private:
  std::vector<Effect> entries_;
  std::vector<PrintValue> prints_;
  std::uint32_t actions_ = 0;
};

}  // namespace progmp
