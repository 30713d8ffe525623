// Connection state outside rounds: creation, program switch, packetisation of send (§11.2), end of flow, the
// transport events of §8, closing and inspection.
#include "connection.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace progmp::runtime {

Connection::Connection(RuntimeShared& shared, ConnId id, std::uint64_t conn_index, ProgramPtr program)
    : shared_(shared), id_(id), conn_index_(conn_index), program_(std::move(program)),
      engine_(shared.default_engine) {
  rng_ = shared.config.runtime_seed ^ (conn_index * 0xD1B54A32D192ED03ull);  // §7.4
  print_tokens_ = shared.config.print_burst * 1'000'000;                      // the bucket starts full
  ++program_->usage->stats.connections;
  ++program_->usage->stats.connections_total;
}

void Connection::set_program(ProgramPtr program) {
  --program_->usage->stats.connections;
  program_ = std::move(program);
  exe_program_ = nullptr;
  ++program_->usage->stats.connections;
  ++program_->usage->stats.connections_total;
  for (SubflowRecord& s : subflows_) s.user = 0;
  exhaustions_ = 0;
  fallback_active_ = false;
  raise(Trigger::SchedulerSet);
}

void Connection::reserve_queues() {
  // Every packet can be in each queue at most once, so this capacity makes later insertions allocation-free.
  q_.reserve(packets_.size());
  qu_.reserve(packets_.size());
  rq_.reserve(packets_.size());
}

SendResult Connection::send(const std::byte* data, std::size_t len, SendOptions opt) {
  if (end_of_flow_) return {Status::Closed, 0};
  if (len == 0) return {Status::Ok, 0};
  const std::uint64_t unacked = payload_.size();
  const std::uint64_t buf = shared_.config.snd_buf_bytes;
  const std::uint64_t free = buf > unacked ? buf - unacked : 0;
  const std::size_t accepted = static_cast<std::size_t>(std::min<std::uint64_t>(len, free));
  if (accepted == 0) return {Status::Ok, 0};

  Transport& tr = *shared_.transport;
  const std::int64_t mss = std::max<std::int64_t>(1, tr.mss(id_));
  const std::int64_t now = tr.now_us(id_);
  if (packets_.empty()) payload_seq_ = next_seq_;
  payload_.append(data, accepted);
  const std::size_t first_new = packets_.size();
  std::size_t off = 0;
  while (off < accepted) {
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(mss), accepted - off);
    PacketRecord r;
    r.meta.seq = next_seq_;
    r.meta.length = static_cast<std::int64_t>(n);
    r.meta.user = opt.user;
    r.meta.t_app_us = now;
    r.meta.in_q = true;
    packets_.push_back(r);
    next_seq_ += static_cast<std::int64_t>(n);
    off += n;
  }
  if (opt.push && accepted == len) packets_.back().meta.psh = true;
  reserve_queues();
  for (std::size_t i = first_new; i < packets_.size(); ++i) q_.insert(&packets_[i].meta);
  raise(Trigger::AppData);
  return {Status::Ok, accepted};
}

Status Connection::end_of_flow() {
  if (end_of_flow_) return Status::Ok;
  end_of_flow_ = true;
  if (!packets_.empty()) {
    PacketMeta& last = packets_.back().meta;
    if (last.seq + last.length == next_seq_ && last.in_q && !last.pushed && !last.psh) {
      last.psh = true;
      raise(Trigger::AppData);
    }
  }
  return Status::Ok;
}

std::size_t Connection::read_payload(std::int64_t seq, std::span<std::byte> out) const {
  if (seq < payload_seq_) return 0;
  return payload_.read(static_cast<std::size_t>(seq - payload_seq_), out);
}

PacketRecord* Connection::find_packet(std::int64_t seq) {
  return const_cast<PacketRecord*>(std::as_const(*this).packet_at(seq));
}

const PacketRecord* Connection::packet_at(std::int64_t seq) const {
  auto it = std::lower_bound(packets_.begin(), packets_.end(), seq,
                             [](const PacketRecord& r, std::int64_t s) { return r.meta.seq < s; });
  return it != packets_.end() && it->meta.seq == seq ? &*it : nullptr;
}

SubflowRecord* Connection::find_subflow(SubflowId sf) {
  auto it = std::lower_bound(subflows_.begin(), subflows_.end(), sf,
                             [](const SubflowRecord& r, SubflowId id) { return r.id < id; });
  return it != subflows_.end() && it->id == sf ? &*it : nullptr;
}

const SubflowRecord* Connection::find_subflow(SubflowId sf) const {
  return const_cast<Connection*>(this)->find_subflow(sf);
}

std::span<const PacketMeta* const> Connection::queue(QueueId q) const {
  switch (q) {
    case QueueId::Q: return q_.span();
    case QueueId::QU: return qu_.span();
    case QueueId::RQ: return rq_.span();
  }
  return {};
}

void Connection::on_data_ack(std::int64_t acked_upto) {
  const std::int64_t a = std::min(acked_upto, next_seq_);
  if (a <= acked_) return;
  acked_ = a;
  auto acked = [a](const PacketMeta* p) { return p->seq + p->length <= a; };
  q_.erase_front_while(acked);
  qu_.erase_front_while(acked);
  rq_.erase_front_while(acked);
  while (!packets_.empty() && acked(&packets_.front().meta)) packets_.pop_front();
  const std::int64_t first_unacked = packets_.empty() ? next_seq_ : packets_.front().meta.seq;
  if (first_unacked > payload_seq_) {
    payload_.release_front(static_cast<std::size_t>(first_unacked - payload_seq_));
    payload_seq_ = first_unacked;
  }
  raise(Trigger::DataAck);
}

Status Connection::on_subflow_ack(SubflowId sf, std::uint64_t bytes, bool changed) {
  SubflowRecord* rec = find_subflow(sf);
  if (!rec) return Status::UnknownSubflow;
  if (bytes > 0) rec->ack_est.sample(shared_.transport->now_us(id_), bytes);
  if (changed) raise(Trigger::SubflowAck);
  return Status::Ok;
}

void Connection::on_reinject(std::span<const std::int64_t> seqs) {
  bool added = false;
  for (std::int64_t seq : seqs) {
    PacketRecord* p = find_packet(seq);
    if (!p || !p->meta.pushed || p->meta.in_rq) continue;  // unknown, acknowledged, never pushed, or already in RQ
    p->meta.in_rq = true;
    rq_.insert(&p->meta);
    added = true;
  }
  if (added) raise(Trigger::Reinject);
}

Status Connection::on_subflow_created(SubflowId sf) {
  if (sf == 0 || sf > 0x7FFFFFFFu || sf <= last_subflow_id_) return Status::BadSubflow;
  if (slots_used_ == ~std::uint64_t{0}) return Status::TooManySubflows;
  SubflowRecord rec;
  rec.id = sf;
  rec.slot = static_cast<std::uint8_t>(std::countr_one(slots_used_));
  slots_used_ |= std::uint64_t{1} << rec.slot;
  rec.bytes_index = bytes_by_subflow_.size();
  bytes_by_subflow_.emplace_back(sf, 0);
  subflows_.push_back(rec);
  last_subflow_id_ = sf;
  return Status::Ok;
}

Status Connection::on_subflow_up(SubflowId sf) {
  SubflowRecord* rec = find_subflow(sf);
  if (!rec) return Status::UnknownSubflow;
  if (rec->available) return Status::Ok;
  const auto available = std::count_if(subflows_.begin(), subflows_.end(),
                                       [](const SubflowRecord& s) { return s.available; });
  if (available >= kMaxSubflows) return Status::TooManySubflows;
  rec->available = true;
  raise(Trigger::SubflowUp);
  return Status::Ok;
}

void Connection::lose_subflow(SubflowRecord& rec, std::span<const std::int64_t> affected) {
  const std::uint64_t bit = std::uint64_t{1} << rec.slot;
  for (std::int64_t seq : affected) {
    PacketRecord* p = find_packet(seq);
    if (!p) continue;  // acknowledged meanwhile
    p->meta.sent_on &= ~bit;
    if (p->meta.pushed && !p->meta.in_rq) {
      p->meta.in_rq = true;
      rq_.insert(&p->meta);
    }
  }
}

Status Connection::on_subflow_failed(SubflowId sf, std::span<const std::int64_t> affected) {
  SubflowRecord* rec = find_subflow(sf);
  if (!rec) return Status::UnknownSubflow;
  rec->available = false;
  lose_subflow(*rec, affected);
  raise(Trigger::SubflowDown);
  return Status::Ok;
}

Status Connection::on_subflow_removed(SubflowId sf, std::span<const std::int64_t> affected) {
  SubflowRecord* rec = find_subflow(sf);
  if (!rec) return Status::UnknownSubflow;
  lose_subflow(*rec, affected);
  // The slot is reused by a later subflow, so no packet may keep this subflow's bit.
  const std::uint64_t bit = std::uint64_t{1} << rec->slot;
  for (PacketRecord& p : packets_) p.meta.sent_on &= ~bit;
  slots_used_ &= ~bit;
  subflows_.erase(subflows_.begin() + (rec - subflows_.data()));
  raise(Trigger::SubflowDown);
  return Status::Ok;
}

void Connection::insert_packet(const PacketMeta& meta) {
  PacketRecord r;
  r.meta = meta;
  packets_.push_back(r);  // callers insert in ascending SEQ
  PacketMeta* m = &packets_.back().meta;
  next_seq_ = std::max(next_seq_, m->seq + m->length);
  reserve_queues();
  if (m->in_q) q_.insert(m);
  if (m->pushed) qu_.insert(m);
  if (m->in_rq) rq_.insert(m);
}

void Connection::close() {
  running_ = nullptr;
  if (prints_pending_suppressed_ > 0 && trace_on(0)) {
    now_us_ = shared_.transport->now_us(id_);
    write_print_suppressed();
  }
  if (timer_armed_) {
    shared_.transport->cancel_timer(id_);
    timer_armed_ = false;
  }
  if (program_) --program_->usage->stats.connections;
  program_.reset();
}

void Connection::snapshot(ConnectionSnapshot& out) const {
  out = ConnectionSnapshot{};
  out.id = id_;
  out.conn_index = conn_index_;
  out.program = program_ ? program_->label : std::string();
  out.fallback_active = fallback_active_;
  out.exhaustions = exhaustions_;
  out.registers = registers_;
  out.rng = rng_;
  out.next_seq = next_seq_;
  out.data_acked = acked_;
  out.end_of_flow = end_of_flow_;
  out.timer_armed = timer_armed_;
  out.pending_triggers = triggers_;
  for (const SubflowRecord& s : subflows_) {
    out.subflows.push_back(
        SubflowSnapshotInfo{s.id, s.available, s.user, s.slot, bytes_by_subflow_[s.bytes_index].second});
  }
  for (const PacketRecord& r : packets_) {
    PacketSnapshot p;
    p.meta = r.meta;
    for (const SubflowRecord& s : subflows_) {
      if ((r.meta.sent_on >> s.slot) & 1u) p.sent_on.push_back(s.id);
    }
    out.packets.push_back(std::move(p));
  }
  for (const PacketMeta* p : q_.span()) out.q.push_back(p->seq);
  for (const PacketMeta* p : qu_.span()) out.qu.push_back(p->seq);
  for (const PacketMeta* p : rq_.span()) out.rq.push_back(p->seq);
}

void Connection::stats(ConnectionStats& out) const {
  static_cast<Stats&>(out) = stats_;
  out.bytes_pushed_by_subflow = bytes_by_subflow_;
}

}  // namespace progmp::runtime
