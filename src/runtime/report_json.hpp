// JSON objects for actions and pops (runtime.md §14.4), shared by the exec trace record and `progmp run --json`.
#pragma once

#include "json_writer.hpp"
#include "progmp/runtime/round.hpp"

namespace progmp::runtime {

inline void write_action_json(JsonWriter& w, const ActionReport& a) {
  w.begin_object();
  switch (a.op) {
    case EffectKind::Push:
      w.field("op", "PUSH").field("subflow", a.subflow).field("seq", a.seq).field("origin", queue_name(a.origin));
      break;
    case EffectKind::Drop:
      w.field("op", "DROP").field("seq", a.seq).field("origin", queue_name(a.origin));
      break;
    default:
      w.field("op", "SET_USER").field("subflow", a.subflow).field("value", a.value);
      break;
  }
  w.field("result", action_result_name(a.result));
  w.end_object();
}

inline void write_pop_json(JsonWriter& w, const PopReport& p) {
  w.begin_object();
  w.field("queue", queue_name(p.queue)).field("seq", p.seq).field("outcome", pop_outcome_name(p.outcome));
  w.end_object();
}

}  // namespace progmp::runtime
