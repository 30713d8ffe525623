// The workload kinds (one file each) and their factory functions.
#pragma once

#include <memory>
#include <optional>

#include "progmp/sim/rng.hpp"
#include "workload_base.hpp"

namespace progmp::sim::detail {

std::unique_ptr<WorkloadRunner> make_bulk(const BulkWorkload& w);
std::unique_ptr<WorkloadRunner> make_flows(const FlowsWorkload& w, Rng rng);
std::unique_ptr<WorkloadRunner> make_cbr(const CbrWorkload& w);
std::unique_ptr<WorkloadRunner> make_messages(const MessagesWorkload& w);
std::unique_ptr<WorkloadRunner> make_http2(const Http2Workload& w);

}  // namespace progmp::sim::detail
