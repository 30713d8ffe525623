// Readable form of a ProgramProfile (`progmp sim --profile`, docs/profiling.md): a header with executions, time
// and end causes, then the program text with each line prefixed by its count, like a coverage report:
//
//   profile minrtt@1: 1204 executions, 0.412 ms (342 ns per execution), 9.21 steps per execution
//   ends: end 1100, return 104
//        1204 |    2 | VAR usable = SUBFLOWS.FILTER(...);
//       ##### |    5 |   DROP(lost);          <- code never executed
//             |    6 | }                      <- no code
#pragma once

#include <string>

#include "progmp/runtime/profile.hpp"

namespace progmp::runtime {

// The header lines (name, executions, time, ns and steps per execution, end causes that occurred).
std::string format_profile_header(const ProgramProfile& p);
// The annotated source: one line per source line, "COUNT | LINE | text", COUNT right-aligned in 9 columns,
// "#####" for code never executed, blank for lines without code.
std::string format_profile_source(const ProgramProfile& p);
// Header, then annotated source.
std::string format_profile(const ProgramProfile& p);

}  // namespace progmp::runtime
