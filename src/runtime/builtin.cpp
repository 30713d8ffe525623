// The text of builtin_minrtt, exactly as runtime.md §2.4 gives it.
#include "progmp/runtime/builtin.hpp"

namespace progmp::runtime {

std::string_view builtin_minrtt_source() {
  static constexpr std::string_view kSource =
      "// Reinjections first, then new data, each on the lowest-RTT subflow that has window space.\n"
      "VAR open = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);\n"
      "IF (open.EMPTY) { RETURN; }\n"
      "VAR lost = RQ.TOP;\n"
      "IF (lost != NULL) {\n"
      "  VAR alt = open.FILTER(f => !lost.SENT_ON(f) AND f.HAS_WINDOW_FOR(lost)).MIN(f => f.RTT);\n"
      "  IF (alt != NULL) { alt.PUSH(RQ.POP()); RETURN; }\n"
      "}\n"
      "VAR next = Q.TOP;\n"
      "IF (SUBFLOWS.FILTER(f => !f.IS_BACKUP).EMPTY) {\n"
      "  open.FILTER(f => f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());\n"
      "} ELSE {\n"
      "  open.FILTER(f => !f.IS_BACKUP AND f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());\n"
      "}\n";
  return kSource;
}

}  // namespace progmp::runtime
