// Path construction: per-direction Rng streams keyed by the path name, so adding a path leaves others' draws alone.
#include "progmp/sim/path.hpp"

namespace progmp::sim {

Path::Path(const std::string& path_name, std::uint64_t seed, const LinkConfig& forward_config,
           const LinkConfig& reverse_config, PacketSink& forward_sink, PacketSink& reverse_sink)
    : name(path_name),
      forward(forward_config, Rng::stream(seed, element_id((path_name + ".fwd").c_str())), forward_sink),
      reverse(reverse_config, Rng::stream(seed, element_id((path_name + ".rev").c_str())), reverse_sink) {}

void Path::schedule(Simulator& sim, const std::vector<LinkChange>& changes) {
  forward.schedule(sim, changes);
  reverse.schedule(sim, changes);
}

}  // namespace progmp::sim
