#include <string>

#include "progmp/sim/rng.hpp"
#include "workloads.hpp"

namespace progmp::sim {

std::unique_ptr<WorkloadRunner> make_workload(const Workload& spec, std::uint64_t seed, std::size_t index) {
  const std::string element = "workload." + std::to_string(index);
  if (const auto* b = std::get_if<BulkWorkload>(&spec)) return detail::make_bulk(*b);
  if (const auto* f = std::get_if<FlowsWorkload>(&spec))
    return detail::make_flows(*f, Rng::stream(seed, element_id(element.c_str())));
  if (const auto* c = std::get_if<CbrWorkload>(&spec)) return detail::make_cbr(*c);
  if (const auto* m = std::get_if<MessagesWorkload>(&spec)) return detail::make_messages(*m);
  return detail::make_http2(std::get<Http2Workload>(spec));
}

}  // namespace progmp::sim
