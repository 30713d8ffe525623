// Test support: moves data through a ModelTransport the way a lossless network would, so tests can run whole
// transfers against real programs. One step transmits what each available subflow's window allows, acknowledges
// every copy in flight on the subflows, and acknowledges at data level the longest delivered prefix.
#pragma once

#include <set>
#include <vector>

#include "progmp/runtime/model_transport.hpp"
#include "progmp/runtime/runtime.hpp"

namespace progmp::testing {

struct Transfer {
  Transfer(runtime::Runtime& r, runtime::ModelTransport& m, runtime::ConnId c) : rt(r), model(m), conn(c) {}

  runtime::Runtime& rt;
  runtime::ModelTransport& model;
  runtime::ConnId conn;
  std::set<std::int64_t> delivered;
  std::int64_t now_us = 0;

  // One network step; returns false once there is nothing left to acknowledge.
  bool step() {
    now_us += 1000;
    model.set_now(conn, now_us);
    std::vector<runtime::SubflowId> ids;
    for (auto& [id, s] : model.conn(conn).subflows) {
      if (s.up) ids.push_back(id);
    }
    for (runtime::SubflowId id : ids) {
      model.transmit(conn, id);
      const auto flight = model.subflow(conn, id).in_flight;
      for (const auto& c : flight) delivered.insert(c.seq);
      if (!flight.empty()) model.ack_subflow(conn, id, flight.size());
    }
    runtime::ConnectionSnapshot s;
    rt.snapshot(conn, s);
    std::int64_t a = s.data_acked;
    for (const runtime::PacketSnapshot& p : s.packets) {
      if (!delivered.count(p.meta.seq)) break;
      a = p.meta.seq + p.meta.length;
    }
    if (a > s.data_acked) model.ack_data(conn, a);
    if (model.conn(conn).timer_at && *model.conn(conn).timer_at <= now_us) model.fire_timer(conn);
    rt.snapshot(conn, s);
    return !s.packets.empty();
  }

  // Runs steps until everything is acknowledged; returns the number of steps, or -1 after `limit`.
  int run(int limit = 10000) {
    for (int i = 1; i <= limit; ++i) {
      if (!step()) return i;
    }
    return -1;
  }
};

}  // namespace progmp::testing
