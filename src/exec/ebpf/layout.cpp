// The arena layout of a program and the host side of the flat encoding: the view in, the effect log out.
#include <cstring>

#include "internal.hpp"

namespace progmp::ebpf {

Layout Layout::of(std::uint32_t n_slots, std::uint32_t n_loops, std::uint32_t n_regions) {
  Layout l;
  l.n_slots = n_slots;
  l.n_loops = n_loops;
  l.n_regions = n_regions;
  l.values = arena::kSlots;
  l.nulls = l.values + 8 * n_slots;
  l.loops = l.nulls + 8 * n_slots;
  std::uint32_t at = l.loops + 8 * n_loops;
  at = (at + 255) & ~255u;
  l.subflows = at;
  at += Capacities::kMaxSubflows * arena::kSfRecord;
  l.packets = at;
  at += Capacities::kPacketTable * arena::kPktRecord;
  for (int k = 0; k < 3; ++k) {
    l.queues[k] = at;
    at += Capacities::kMaxQueuePackets * 8;
  }
  for (int k = 0; k < 3; ++k) {
    l.popped[k] = at;
    at += Capacities::kMaxQueuePackets;
  }
  l.regions = at;
  at += n_regions * arena::kRegionWords * 8;
  l.effects = at;
  at += Capacities::kMaxEffects * arena::kEffectRecord;
  l.prints = at;
  at += arena::kPrintRecords * arena::kPrintRecord + 256;
  l.total = (at + 4095) & ~4095u;
  return l;
}

namespace {

template <class T>
void put(std::uint8_t* arena, std::uint32_t off, T v) {
  std::memcpy(arena + off, &v, sizeof v);
}
template <class T>
T get(const std::uint8_t* arena, std::uint32_t off) {
  T v;
  std::memcpy(&v, arena + off, sizeof v);
  return v;
}

// Index of `p` in `list` (ascending SEQ), searched from the position of its SEQ; -1 if absent.
std::int64_t find(std::span<const PacketMeta* const> list, const PacketMeta* p, std::size_t& cursor) {
  while (cursor < list.size() && list[cursor]->seq < p->seq) ++cursor;
  for (std::size_t i = cursor; i < list.size() && list[i]->seq == p->seq; ++i)
    if (list[i] == p) return static_cast<std::int64_t>(i);
  return -1;
}

}  // namespace

bool encode_view(const Layout& l, const SchedulerView& view, std::uint8_t* a, const PacketMeta** table) {
  const std::span<const PacketMeta* const> queues[3] = {view.q, view.qu, view.rq};
  if (view.subflows.size() > Capacities::kMaxSubflows) return false;
  for (const auto& q : queues)
    if (q.size() > Capacities::kMaxQueuePackets) return false;

  put<std::int64_t>(a, arena::kNowMs, view.now_us / 1000);
  put<std::int64_t>(a, arena::kWindowEnd, view.window_end);
  put<std::int64_t>(a, arena::kMss, view.mss);
  put<std::uint64_t>(a, arena::kNSf, view.subflows.size());
  for (int k = 0; k < 3; ++k) {
    put<std::uint64_t>(a, arena::kNQueue + 8 * k, queues[k].size());
    put<std::uint64_t>(a, arena::kPops + 8 * k, 0);
  }
  put<std::uint64_t>(a, arena::kNEffects, 0);
  put<std::uint64_t>(a, arena::kNPrints, 0);
  put<std::uint64_t>(a, arena::kSuppressed, 0);

  for (std::size_t i = 0; i < view.subflows.size(); ++i) {
    const SubflowSnapshot& s = view.subflows[i];
    std::uint8_t* rec = a + l.subflows + i * arena::kSfRecord;
    std::memcpy(rec, &s, sizeof s);
    put<std::int64_t>(rec, arena::kSfRttMs, s.rtt_us / 1000);
  }

  // The packet table: one record per distinct packet (RQ members are QU members; identity is the record index).
  std::uint32_t n = 0;
  auto record = [&](const PacketMeta* p) {
    std::uint8_t* rec = a + l.packets + n * arena::kPktRecord;
    std::memcpy(rec, p, sizeof *p);
    const auto age = static_cast<std::int64_t>(static_cast<std::uint64_t>(view.now_us) -
                                               static_cast<std::uint64_t>(p->t_app_us)) / 1000;
    put<std::int64_t>(rec, arena::kPktAgeMs, age);
    rec[arena::kPktHasWindow] = static_cast<__int128>(p->seq) + p->length <= view.window_end;
    bool all = true;
    for (std::size_t i = 0; i < view.subflows.size(); ++i)
      if (!view.sent_on(*p, i)) all = false;
    rec[arena::kPktSentOnAll] = all;
    table[n] = p;
    return n++;
  };
  std::uint32_t index[3][Capacities::kMaxQueuePackets];
  for (int k = 0; k < 3; ++k) {
    std::size_t cursors[3] = {0, 0, 0};
    for (std::size_t i = 0; i < queues[k].size(); ++i) {
      const PacketMeta* p = queues[k][i];
      std::int64_t found = -1;
      for (int j = 0; j < k && found < 0; ++j) {
        const std::int64_t at = find(queues[j], p, cursors[j]);
        if (at >= 0) found = index[j][at];
      }
      index[k][i] = found >= 0 ? static_cast<std::uint32_t>(found) : record(p);
      put<std::uint64_t>(a, l.queues[k] + 8 * static_cast<std::uint32_t>(i), index[k][i]);
    }
    std::memset(a + l.popped[k], 0, queues[k].size());
  }
  return true;
}

bool decode_log(const Layout& l, const std::uint8_t* a, const PacketMeta* const* table, EffectLog& log) {
  const auto n_effects = get<std::uint64_t>(a, arena::kNEffects);
  const auto n_prints = get<std::uint64_t>(a, arena::kNPrints);
  if (n_effects > Capacities::kMaxEffects || n_prints > Capacities::kMaxPrints) return false;
  for (std::uint32_t i = 0; i < n_effects; ++i) {
    const auto w0 = get<std::uint64_t>(a, l.effects + i * arena::kEffectRecord);
    const auto w1 = get<std::int64_t>(a, l.effects + i * arena::kEffectRecord + 8);
    const auto kind = static_cast<EffectKind>(w0 & 0xff);
    const auto queue = static_cast<QueueId>((w0 >> 8) & 0xff);
    const auto subflow = static_cast<std::uint8_t>((w0 >> 16) & 0xff);
    const auto packet = [&]() -> const PacketMeta* {
      return table[static_cast<std::uint64_t>(w1) & (Capacities::kPacketTable - 1)];
    };
    switch (kind) {
      case EffectKind::Pop: log.pop(queue, packet()); break;
      case EffectKind::Push:
      case EffectKind::Drop:
        if (!log.try_action(Effect{kind, queue, subflow, 0, packet(), 0})) return false;
        break;
      case EffectKind::SetUser:
        if (!log.try_action(Effect{kind, QueueId::Q, subflow, 0, nullptr, w1})) return false;
        break;
      case EffectKind::Print: {
        const std::uint32_t p = static_cast<std::uint32_t>(w0 >> 32);
        if (p >= n_prints) return false;
        const std::uint32_t base = l.prints + p * arena::kPrintRecord;
        PrintValue pv;
        pv.kind = static_cast<PrintValue::Kind>(get<std::uint64_t>(a, base));
        pv.value = get<std::int64_t>(a, base + 8);
        pv.n_elems = static_cast<std::uint32_t>(get<std::uint64_t>(a, base + 16));
        if (pv.n_elems > kPrintListElems) return false;
        for (std::uint32_t e = 0; e < pv.n_elems; ++e) pv.elems[e] = get<std::int64_t>(a, base + 24 + 8 * e);
        if (!log.try_print(w1, pv)) return false;
        break;
      }
      default: return false;
    }
  }
  return true;
}

}  // namespace progmp::ebpf
