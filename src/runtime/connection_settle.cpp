// Settling pops and drops (language.md §13.3) and applying actions (runtime.md §7.5) after an execution that was
// not aborted. Three passes over the effect log: collect per-packet facts, decide each touched packet's fate in
// Q and RQ, then go through the log in program order applying actions and naming results and pop outcomes.
// Per-packet facts live in the packet records (epoch-tagged), so no map is needed and nothing is allocated.
#include "connection.hpp"

namespace progmp::runtime {
namespace {

enum : std::uint16_t {
  kPoppedQ = 1u << 0,
  kPoppedRq = 1u << 1,
  kPushedNow = 1u << 2,    // object of a PUSH anywhere in the action list
  kDroppedQ = 1u << 3,     // object of a DROP with origin Q
  kDroppedRq = 1u << 4,    // object of a DROP with origin RQ
  kLeaveQ = 1u << 5,       // settled: leaves Q
  kRefusedQ = 1u << 6,     // settled: its Q drops are refused (never pushed)
  kLeaveRq = 1u << 7,      // settled: leaves RQ
  kDropQSeen = 1u << 8,    // applying: a DROP with origin Q was already given its result
  kDropRqSeen = 1u << 9,
};

}  // namespace

Progress Connection::settle_and_apply(Stats& d, bool record) {
  ExecWorkspace& ws = shared_.ws;
  const std::vector<Effect>& entries = ws.log.entries();

  // Pass 1: what happened to each packet.
  ++epoch_;
  ws.touched.clear();
  auto touch = [&](const PacketMeta* m) -> PacketRecord& {
    PacketRecord& r = record_of(m);
    if (r.epoch != epoch_) {
      r.epoch = epoch_;
      r.flags = 0;
      ws.touched.push_back(&r);
    }
    return r;
  };
  for (const Effect& e : entries) {
    switch (e.kind) {
      case EffectKind::Pop:
        if (e.queue == QueueId::Q) touch(e.packet).flags |= kPoppedQ;
        else if (e.queue == QueueId::RQ) touch(e.packet).flags |= kPoppedRq;
        break;  // QU pops hide a packet for one execution only: nothing to settle
      case EffectKind::Push:
        touch(e.packet).flags |= kPushedNow;
        break;
      case EffectKind::Drop:
        if (e.queue == QueueId::Q) touch(e.packet).flags |= kDroppedQ;
        else if (e.queue == QueueId::RQ) touch(e.packet).flags |= kDroppedRq;
        break;
      default:
        break;
    }
  }

  // Pass 2: settle (the table of language.md §13.3), before any action changes `pushed`.
  bool packet_progress = false;
  for (PacketRecord* r : ws.touched) {
    std::uint16_t f = r->flags;
    PacketMeta& m = r->meta;
    const bool pushed = m.pushed || (f & kPushedNow) != 0;
    if (f & (kPoppedQ | kDroppedQ)) {
      if ((f & kDroppedQ) && !pushed) {
        f |= kRefusedQ;  // stays in (or returns to) Q
      } else if ((f & kDroppedQ) || ((f & kPoppedQ) && (f & kPushedNow))) {
        f |= kLeaveQ;
      }  // else: popped, neither pushed now nor dropped → returned to Q
    }
    if (f & kPoppedRq) {
      if (f & (kPushedNow | kDroppedRq)) f |= kLeaveRq;
    } else if (f & kDroppedRq) {
      f |= kLeaveRq;
    }
    if ((f & kLeaveQ) && m.in_q) {
      m.in_q = false;
      q_.erase(&m);
      packet_progress = true;
    }
    if ((f & kLeaveRq) && m.in_rq) {
      m.in_rq = false;
      rq_.erase(&m);
      packet_progress = true;
    }
    r->flags = f;
  }

  // Pass 3: apply the actions in program order; name results and pop outcomes.
  if (record) {
    ws.actions.clear();
    ws.pops.clear();
    if (ws.actions.capacity() < ws.log.actions()) ws.actions.reserve(ws.log.actions());
    if (ws.pops.capacity() < entries.size()) ws.pops.reserve(entries.size());
  }
  Transport& tr = *shared_.transport;
  bool user_changed = false;
  for (const Effect& e : entries) {
    switch (e.kind) {
      case EffectKind::Pop: {
        const PacketRecord& r = record_of(e.packet);
        PopOutcome o = PopOutcome::Returned;
        if (e.queue == QueueId::Q) {
          o = (r.flags & kLeaveQ) ? PopOutcome::KeptOut
              : (r.flags & kRefusedQ) ? PopOutcome::DropRefused
                                      : PopOutcome::Returned;
        } else if (e.queue == QueueId::RQ) {
          o = (r.flags & kLeaveRq) ? PopOutcome::KeptOut : PopOutcome::Returned;
        }
        if (o == PopOutcome::Returned && e.queue != QueueId::QU) ++d.pops_returned;
        if (record) ws.pops.push_back(PopReport{e.queue, r.meta.seq, o});
        break;
      }
      case EffectKind::Push: {
        ++d.actions_push;
        SubflowRecord& s = subflows_[ws.subflow_record[e.subflow]];
        PacketMeta& m = record_of(e.packet).meta;
        ActionResult res = ActionResult::Deduplicated;
        if (tr.enqueue(id_, s.id, m) == EnqueueResult::Queued) {
          res = ActionResult::Queued;
          const auto len = static_cast<std::uint64_t>(m.length);
          if (!m.pushed) {
            m.pushed = true;
            qu_.insert(&m);
            d.bytes_pushed_new += len;
          } else {
            d.bytes_redundant += len;  // pushed before: earlier execution or earlier in this list
          }
          m.sent_on |= std::uint64_t{1} << s.slot;
          s.send_est.sample(now_us_, len);
          ++d.pushes_queued;
          d.bytes_pushed += len;
          bytes_by_subflow_[s.bytes_index].second += len;
          packet_progress = true;
        } else {
          ++d.pushes_deduplicated;
        }
        if (record) ws.actions.push_back(ActionReport{EffectKind::Push, s.id, m.seq, e.queue, 0, res});
        break;
      }
      case EffectKind::Drop: {
        ++d.actions_drop;
        PacketRecord& r = record_of(e.packet);
        ActionResult res = ActionResult::NoEffect;
        if (e.queue == QueueId::Q) {
          if (r.flags & kRefusedQ) {
            res = ActionResult::Refused;
            ++d.drop_refused;
            if (!r0001_) {
              r0001_ = true;
              const std::string msg = "DROP refused: packet " + std::to_string(r.meta.seq) +
                                      " was never sent on any subflow and stays in Q";
              emit_diag("warning", "R0001", msg, "seq", r.meta.seq);
            }
          } else if (!(r.flags & kDropQSeen)) {
            res = ActionResult::Removed;
            r.flags |= kDropQSeen;
          }
        } else if (e.queue == QueueId::RQ) {
          if (!(r.flags & kDropRqSeen)) {
            res = ActionResult::Removed;
            r.flags |= kDropRqSeen;
          }
        }
        if (record) ws.actions.push_back(ActionReport{EffectKind::Drop, 0, r.meta.seq, e.queue, 0, res});
        break;
      }
      case EffectKind::SetUser: {
        ++d.actions_set_user;
        SubflowRecord& s = subflows_[ws.subflow_record[e.subflow]];
        ActionResult res = ActionResult::Unchanged;
        if (s.user != e.value) {
          s.user = e.value;
          res = ActionResult::Changed;
          user_changed = true;
        }
        if (record) ws.actions.push_back(ActionReport{EffectKind::SetUser, s.id, 0, QueueId::Q, e.value, res});
        break;
      }
      case EffectKind::Print:
        break;  // written before settling
    }
  }
  return packet_progress ? Progress::Packet : user_changed ? Progress::State : Progress::None;
}

}  // namespace progmp::runtime
