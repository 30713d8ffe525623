// Status codes of the runtime API (runtime.md §11.1). Every fallible API function returns one; the spelling of
// status_name() is the one of the spec ("no_name", "unknown_connection", ...).
#pragma once

#include <cstdint>

namespace progmp::runtime {

enum class Status : std::uint8_t {
  Ok,
  NoName,             // load: no name argument and no SCHEDULER header
  ReservedName,       // load: a name starting with builtin_
  BadName,            // load: not an identifier of 1..255 characters
  CompileError,       // load: the source has errors (see the diagnostics)
  BadAbi,             // load_scheduler_so: ABI or source hash mismatch (reserved for AOT)
  UnknownScheduler,   // no scheduler of that name (or version)
  Builtin,            // unload of a built-in scheduler
  IsDefault,          // unload of the current default scheduler
  UnknownConnection,  // no open connection with that id
  DuplicateConnection,  // open_connection with an id already in use
  BadRegister,        // register index outside 1..6
  Closed,             // send after end_of_flow or abort
  BadEngine,          // set_engine with an engine this build does not provide
  UnknownSubflow,     // a callback named a subflow the connection does not know
  BadSubflow,         // subflow created with an ID that is not larger than every earlier one, or out of range
  TooManySubflows,    // more than kMaxSubflows available, or no free SENT_ON slot (64 subflows not yet removed)
};

// "ok", "no_name", "reserved_name", ... (the spec's spelling).
const char* status_name(Status s);

}  // namespace progmp::runtime
