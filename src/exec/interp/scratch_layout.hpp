// Word layout of the interpreter's scratch arena for one execution over a given view:
//
//   [values: n_slots][nulls: n_slots][regions: n_regions × (1 + cap)][loops: 2 × n_loops][popped Q|QU|RQ bitmaps]
//
// cap = max(|Q|, |QU|, |RQ|, |SUBFLOWS|): no snapshot is longer than its source (runtime.md §10.2). The pop bitmaps
// come last so that one memset clears exactly them before each execution.
#pragma once

#include <algorithm>
#include <cstddef>

#include "progmp/exec/view.hpp"
#include "progmp/ir/nodes.hpp"

namespace progmp::interp {

struct Layout {
  std::size_t values = 0;
  std::size_t nulls = 0;
  std::size_t regions = 0;
  std::size_t region_stride = 0;
  std::size_t loops = 0;
  std::size_t popped[3] = {0, 0, 0};
  std::size_t total = 0;

  static Layout of(const ir::Module& m, const SchedulerView& v) {
    Layout l;
    const std::size_t n_slots = m.slots.size();
    const std::size_t cap = std::max({v.q.size(), v.qu.size(), v.rq.size(), v.subflows.size()});
    l.values = 0;
    l.nulls = n_slots;
    l.regions = 2 * n_slots;
    l.region_stride = 1 + cap;
    l.loops = l.regions + static_cast<std::size_t>(m.n_regions) * l.region_stride;
    l.popped[0] = l.loops + 2 * static_cast<std::size_t>(m.n_loops);
    l.popped[1] = l.popped[0] + (v.q.size() + 63) / 64;
    l.popped[2] = l.popped[1] + (v.qu.size() + 63) / 64;
    l.total = l.popped[2] + (v.rq.size() + 63) / 64;
    return l;
  }
};

}  // namespace progmp::interp
