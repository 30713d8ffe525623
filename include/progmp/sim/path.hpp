// A path: the two directions of a link between two nodes, wired to the nodes' sinks. Built from scenario data
// (see scenario.hpp); each direction draws from its own Rng stream ("<name>.fwd", "<name>.rev").
#pragma once

#include <string>
#include <vector>

#include "progmp/sim/link.hpp"

namespace progmp::sim {

struct Path {
  Path(const std::string& name, std::uint64_t seed, const LinkConfig& forward_config, const LinkConfig& reverse_config,
       PacketSink& forward_sink, PacketSink& reverse_sink);

  // Schedules the same changes on both directions (a [[path.change]] applies to the whole path).
  void schedule(Simulator& sim, const std::vector<LinkChange>& changes);

  std::string name;
  Link forward;  // sender → receiver
  Link reverse;  // receiver → sender (ACKs)
};

}  // namespace progmp::sim
