// A copy of one connection's runtime state for tests, tools and invariant checks (runtime.md §4.2). Taking one
// costs O(packets); it is never taken on the hot path.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "progmp/exec/view.hpp"
#include "progmp/runtime/transport.hpp"

namespace progmp::runtime {

struct PacketSnapshot {
  PacketMeta meta;                  // meta.sent_on is in slot bits; see sent_on for IDs
  std::vector<SubflowId> sent_on;   // ascending
};

struct SubflowSnapshotInfo {
  SubflowId id = 0;
  bool available = false;  // member of SUBFLOWS
  std::int64_t user = 0;
  std::uint8_t slot = 0;   // its bit in PacketMeta::sent_on
  std::uint64_t bytes_pushed = 0;
};

struct ConnectionSnapshot {
  ConnId id = 0;
  std::uint64_t conn_index = 0;
  std::string program;              // "name@version" of the connection's program (not the fallback)
  bool fallback_active = false;
  std::uint32_t exhaustions = 0;
  std::array<std::int64_t, 6> registers{};
  std::uint64_t rng = 0;
  std::int64_t next_seq = 0;
  std::int64_t data_acked = 0;      // highest data-level acknowledgement so far
  bool end_of_flow = false;
  bool timer_armed = false;
  std::uint16_t pending_triggers = 0;
  std::vector<PacketSnapshot> packets;  // every unacknowledged packet, ascending SEQ
  std::vector<std::int64_t> q, qu, rq;  // SEQs in queue order
  std::vector<SubflowSnapshotInfo> subflows;  // created and not removed, ascending ID
};

}  // namespace progmp::runtime
