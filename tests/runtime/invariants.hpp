// Reusable checks of the queue invariants of runtime.md §4.2, for unit and property tests.
//
//   check_invariants(snapshot)            1, 2, 3, 5: states, RQ ⊆ QU, contiguity and order, membership
//   check_transition(before, after, lost) 4: a packet leaves QU only by data acknowledgement; SENT_ON loses an
//                                         ID only for a subflow that failed or was removed in between
//   check_copies(stats, copies)           6: every queued PUSH is exactly one copy handed to the transport
//
// Each returns the list of violations (empty when all hold), so callers can print them with the seed that
// produced them. InvariantChecker wraps them for a runtime driven through a ModelTransport.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "progmp/runtime/model_transport.hpp"
#include "progmp/runtime/runtime.hpp"
#include "progmp/runtime/snapshot.hpp"

namespace progmp::testing {

// `contiguous`: require invariant 3's contiguity (false for connections built from playground views, whose packets
// may have gaps).
inline std::vector<std::string> check_invariants(const runtime::ConnectionSnapshot& s, bool contiguous = true) {
  std::vector<std::string> bad;
  auto fail = [&](std::int64_t seq, const std::string& what) {
    bad.push_back("packet " + std::to_string(seq) + ": " + what);
  };
  std::vector<std::int64_t> want_q, want_qu, want_rq;
  for (std::size_t i = 0; i < s.packets.size(); ++i) {
    const PacketMeta& m = s.packets[i].meta;
    // 1: exactly one of UNSENT (Q), SCHEDULED (QU), PUSHED_IN_Q (Q and QU): never outside both.
    if (!m.in_q && !m.pushed) fail(m.seq, "in neither Q nor QU");
    // 2: RQ only holds pushed packets.
    if (m.in_rq && !m.pushed) fail(m.seq, "in RQ but never pushed");
    if (m.length < 1) fail(m.seq, "length < 1");
    if (m.in_q) want_q.push_back(m.seq);
    if (m.pushed) want_qu.push_back(m.seq);
    if (m.in_rq) want_rq.push_back(m.seq);
    if (i > 0) {
      const PacketMeta& prev = s.packets[i - 1].meta;
      if (contiguous && prev.seq + prev.length != m.seq) fail(m.seq, "does not follow its predecessor contiguously");
      if (prev.seq + prev.length > m.seq) fail(m.seq, "overlaps or precedes its predecessor");
    }
    if (m.seq + m.length <= s.data_acked) fail(m.seq, "kept although data-acknowledged");
  }
  if (contiguous && !s.packets.empty()) {
    const PacketMeta& last = s.packets.back().meta;
    if (last.seq + last.length != s.next_seq) bad.push_back("last packet does not end at next_seq");
    // Nothing between the acknowledged prefix and the first packet may have vanished.
    if (s.packets.front().meta.seq > s.data_acked) bad.push_back("unacknowledged data before the first packet is gone");
  }
  // Queue lists must match the flags exactly, in ascending SEQ, without duplicates (2, 3, 5).
  auto same = [&](const std::vector<std::int64_t>& have, const std::vector<std::int64_t>& want, const char* name) {
    if (have != want) bad.push_back(std::string(name) + " does not match the packets' membership flags");
    if (!std::is_sorted(have.begin(), have.end()) || std::adjacent_find(have.begin(), have.end()) != have.end()) {
      bad.push_back(std::string(name) + " is not strictly ascending");
    }
  };
  same(s.q, want_q, "Q");
  same(s.qu, want_qu, "QU");
  same(s.rq, want_rq, "RQ");
  for (std::int64_t seq : s.rq) {
    if (!std::binary_search(s.qu.begin(), s.qu.end(), seq)) fail(seq, "in RQ but not in QU");
  }
  return bad;
}

inline std::vector<std::string> check_transition(const runtime::ConnectionSnapshot& before,
                                                 const runtime::ConnectionSnapshot& after,
                                                 std::span<const runtime::SubflowId> lost_subflows) {
  std::vector<std::string> bad;
  for (std::int64_t seq : before.qu) {
    if (std::binary_search(after.qu.begin(), after.qu.end(), seq)) continue;
    auto it = std::find_if(before.packets.begin(), before.packets.end(),
                           [&](const runtime::PacketSnapshot& p) { return p.meta.seq == seq; });
    if (it != before.packets.end() && it->meta.seq + it->meta.length > after.data_acked) {
      bad.push_back("packet " + std::to_string(seq) + " left QU without data acknowledgement");
    }
  }
  for (const runtime::PacketSnapshot& a : after.packets) {
    auto it = std::find_if(before.packets.begin(), before.packets.end(),
                           [&](const runtime::PacketSnapshot& p) { return p.meta.seq == a.meta.seq; });
    if (it == before.packets.end()) continue;
    for (runtime::SubflowId id : it->sent_on) {
      if (std::find(a.sent_on.begin(), a.sent_on.end(), id) != a.sent_on.end()) continue;
      if (std::find(lost_subflows.begin(), lost_subflows.end(), id) == lost_subflows.end()) {
        bad.push_back("packet " + std::to_string(a.meta.seq) + " lost SENT_ON " + std::to_string(id) +
                      " without a failure or removal of that subflow");
      }
    }
  }
  return bad;
}

inline std::vector<std::string> check_copies(std::uint64_t pushes_queued, std::uint64_t copies_handed) {
  if (pushes_queued == copies_handed) return {};
  return {"pushes_queued " + std::to_string(pushes_queued) + " != copies handed to the transport " +
          std::to_string(copies_handed)};
}

// Checks every invariant after each input of a test that drives `rt` through `model`:
//   checker.note_lost(id) before failing or removing subflow `id`; checker.check() after each input.
class InvariantChecker {
 public:
  InvariantChecker(const runtime::Runtime& rt, runtime::ModelTransport& model, runtime::ConnId conn)
      : rt_(rt), model_(model), conn_(conn) {
    rt_.snapshot(conn_, prev_);
  }
  void note_lost(runtime::SubflowId id) { lost_.push_back(id); }

  // Adds a test failure per violation; returns true when all hold.
  bool check(const std::string& context = {}) {
    runtime::ConnectionSnapshot now;
    if (rt_.snapshot(conn_, now) != runtime::Status::Ok) return true;  // closed
    std::vector<std::string> bad = check_invariants(now);
    for (std::string& b : check_transition(prev_, now, lost_)) bad.push_back(std::move(b));
    runtime::ConnectionStats st;
    rt_.connection_stats(conn_, st);
    for (std::string& b : check_copies(st.pushes_queued, model_.conn(conn_).enqueued.size())) bad.push_back(std::move(b));
    for (const std::string& b : bad) ADD_FAILURE() << context << ": invariant violated: " << b;
    prev_ = std::move(now);
    lost_.clear();
    return bad.empty();
  }

 private:
  const runtime::Runtime& rt_;
  runtime::ModelTransport& model_;
  runtime::ConnId conn_;
  runtime::ConnectionSnapshot prev_;
  std::vector<runtime::SubflowId> lost_;
};

}  // namespace progmp::testing
