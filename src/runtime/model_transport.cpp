// The in-memory model transport (see the header for its reporting rules).
#include "progmp/runtime/model_transport.hpp"

#include <algorithm>

namespace progmp::runtime {

void ModelTransport::open(ConnId c) {
  conns_[c] = Conn{};
  rt_->open_connection(c);
}

SubflowId ModelTransport::add_subflow(ConnId c, const SubflowValues& v, bool establish_now) {
  Conn& k = conn(c);
  const SubflowId id = k.next_id++;
  Subflow s;
  s.id = id;
  s.values = v;
  k.subflows[id] = s;
  rt_->on_subflow_created(c, id);
  if (establish_now) {
    k.subflows[id].up = true;
    rt_->on_subflow_up(c, id);
    poll(c);
  }
  return id;
}

void ModelTransport::establish(ConnId c, SubflowId s) {
  subflow(c, s).up = true;
  rt_->on_subflow_up(c, s);
  poll(c);
}

EnqueueResult ModelTransport::enqueue(ConnId c, SubflowId s, const PacketMeta& p) {
  Conn& k = conn(c);
  Subflow& sf = k.subflows.at(s);
  for (const Copy& q : sf.queue) {
    if (q.seq == p.seq) {
      ++k.deduplicated;
      return EnqueueResult::Deduplicated;
    }
  }
  sf.queue.push_back(Copy{p.seq, p.length});
  k.enqueued.emplace_back(s, p.seq);
  return EnqueueResult::Queued;
}

void ModelTransport::subflow_values(ConnId c, SubflowId s, SubflowValues& out) {
  const Subflow& sf = subflow(c, s);
  out = sf.values;
  out.queued += static_cast<std::int64_t>(sf.queue.size());
  out.in_flight += static_cast<std::int64_t>(sf.in_flight.size());
}

std::size_t ModelTransport::transmit(ConnId c, SubflowId s, std::size_t max) {
  Subflow& sf = subflow(c, s);
  std::size_t n = 0;
  while (n < max && !sf.queue.empty() &&
         static_cast<std::int64_t>(sf.in_flight.size()) + sf.values.in_flight < sf.values.cwnd) {
    sf.in_flight.push_back(sf.queue.front());
    sf.queue.pop_front();
    ++n;
  }
  return n;
}

void ModelTransport::ack_subflow(ConnId c, SubflowId s, std::size_t n) {
  Subflow& sf = subflow(c, s);
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < n && !sf.in_flight.empty(); ++i) {
    bytes += static_cast<std::uint64_t>(sf.in_flight.front().length);
    sf.in_flight.pop_front();
  }
  rt_->on_subflow_ack(c, s, bytes, true);
  poll(c);
}

void ModelTransport::ack_data(ConnId c, std::int64_t a) {
  for (auto& [id, sf] : conn(c).subflows) {
    auto acked = [a](const Copy& k) { return k.seq + k.length <= a; };
    std::erase_if(sf.queue, acked);  // never transmit a copy of an acknowledged packet
  }
  rt_->on_data_ack(c, a);
  poll(c);
}

std::vector<std::int64_t> ModelTransport::drop_copies(Subflow& sf) {
  std::vector<std::int64_t> seqs;
  for (const Copy& k : sf.queue) seqs.push_back(k.seq);
  for (const Copy& k : sf.in_flight) seqs.push_back(k.seq);
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  sf.queue.clear();
  sf.in_flight.clear();
  return seqs;
}

void ModelTransport::fail(ConnId c, SubflowId s) {
  Subflow& sf = subflow(c, s);
  sf.up = false;
  const std::vector<std::int64_t> seqs = drop_copies(sf);
  rt_->on_subflow_failed(c, s, seqs);
  poll(c);
}

void ModelTransport::recover(ConnId c, SubflowId s) { establish(c, s); }

void ModelTransport::remove(ConnId c, SubflowId s) {
  Subflow& sf = subflow(c, s);
  const std::vector<std::int64_t> seqs = drop_copies(sf);
  conn(c).subflows.erase(s);
  rt_->on_subflow_removed(c, s, seqs);
  poll(c);
}

void ModelTransport::timeout(ConnId c, SubflowId s) {
  std::vector<std::int64_t> seqs;
  for (const Copy& k : subflow(c, s).in_flight) seqs.push_back(k.seq);
  rt_->on_reinject(c, seqs, ReinjectCause::SubflowTimeout);
  poll(c);
}

void ModelTransport::reinject(ConnId c, std::vector<std::int64_t> seqs) {
  rt_->on_reinject(c, seqs, ReinjectCause::DataRetransmitTimer);
  poll(c);
}

void ModelTransport::fire_timer(ConnId c) {
  conn(c).timer_at.reset();
  rt_->on_timer(c);
  poll(c);
}

void ModelTransport::set_backup(ConnId c, SubflowId s, bool backup) {
  subflow(c, s).values.backup = backup;
  rt_->on_backup_changed(c, s);
  poll(c);
}

void ModelTransport::send_space(ConnId c, SubflowId s) {
  rt_->on_send_space(c, s);
  poll(c);
}

}  // namespace progmp::runtime
