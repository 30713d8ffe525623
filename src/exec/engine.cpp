// Names of the engine ABI's enumerations, as used in traces and `progmp run` output.
#include "progmp/exec/engine.hpp"

namespace progmp {

const char* end_cause_name(EndCause c) {
  switch (c) {
    case EndCause::End: return "end";
    case EndCause::Return: return "return";
    case EndCause::StepLimit: return "step_limit";
    case EndCause::ActionLimit: return "action_limit";
    case EndCause::Unsupported: return "unsupported";
  }
  return "?";
}

const char* queue_name(QueueId q) {
  switch (q) {
    case QueueId::Q: return "Q";
    case QueueId::QU: return "QU";
    case QueueId::RQ: return "RQ";
  }
  return "?";
}

}  // namespace progmp
