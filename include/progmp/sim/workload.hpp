// Application workloads of a simulation: what the sending application writes into its connection and when, and
// what it measures from the receiving application's in-order delivery (flow completion times, message latency,
// page-load times). A workload knows nothing about paths or the transport: it sees one byte stream through
// AppSocket and is told when stream offsets have been delivered in order at the receiver.
//
// Several workloads of one scenario share the connection's stream; each remembers the stream offsets of its own
// writes (AppSocket::stream_offset() before a send is the offset of its first accepted byte).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "progmp/sim/scenario.hpp"
#include "progmp/sim/simulator.hpp"

namespace progmp::sim {

// The sending application's side of the connection, implemented by the simulated sender host.
class AppSocket {
 public:
  virtual Instant now() const = 0;
  // Offers `length` bytes tagged `user` (USER of every packet, runtime.md §11.2); returns how many were accepted,
  // which is less than `length` when the send buffer is full (the workload then waits for on_writable). `push`
  // marks the last packet when the whole call is accepted.
  virtual std::uint64_t send(std::uint64_t length, std::int64_t user, bool push) = 0;
  // Stream offset of the next byte send() will accept (= total bytes accepted so far, by all workloads).
  virtual std::uint64_t stream_offset() const = 0;
  // Application signal to the scheduler: set register Rk (k in 1..6).
  virtual void set_register(int k, std::int64_t value) = 0;

 protected:
  ~AppSocket() = default;
};

class WorkloadRunner : public EventHandler {
 public:
  virtual ~WorkloadRunner() = default;
  // Called once at time 0; schedules the workload's first action (it may be at a later start time).
  virtual void start(Simulator& sim, AppSocket& app) = 0;
  // The send buffer has free space again.
  virtual void on_writable(Simulator& sim, AppSocket& app) = 0;
  // The receiving application now holds every stream byte below `offset` (called at sim.now(), offsets increase).
  virtual void on_delivered(Simulator& sim, std::uint64_t offset) = 0;
  // Bytes this workload handed to the connection (accepted by send).
  virtual std::uint64_t app_bytes() const = 0;
  // True when everything it wanted to send was sent and delivered (a bulk transfer without a size never finishes).
  virtual bool finished() const = 0;
  // Its metrics as a JSON object; `type` is included. `end` is the time the simulation stopped.
  virtual void report(nlohmann::json& out, Instant end) const = 0;
};

// A runner for a parsed workload. `seed` and `index` (its position among the scenario's workloads) give its random
// stream (Poisson arrivals): Rng::stream(seed, element_id("workload.<index>")).
std::unique_ptr<WorkloadRunner> make_workload(const Workload& spec, std::uint64_t seed, std::size_t index);

}  // namespace progmp::sim
