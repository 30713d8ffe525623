// Spellings of types and members, shared by diagnostics, the IR printer and the runtime.
#include "progmp/lang/ast.hpp"

namespace progmp::lang {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Error: return "<error>";
    case Type::Null: return "null";
    case Type::Int: return "int";
    case Type::Bool: return "bool";
    case Type::String: return "string";
    case Type::Subflow: return "subflow";
    case Type::Packet: return "packet";
    case Type::SubflowList: return "subflow list";
    case Type::PacketList: return "packet list";
  }
  return "<error>";
}

std::string_view member_name(Member m) {
  switch (m) {
    case Member::Id: return "ID";
    case Member::Rtt: return "RTT";
    case Member::RttUs: return "RTT_US";
    case Member::RttMs: return "RTT_MS";
    case Member::RttVar: return "RTT_VAR";
    case Member::Cwnd: return "CWND";
    case Member::Ssthresh: return "SSTHRESH";
    case Member::SkbsInFlight: return "SKBS_IN_FLIGHT";
    case Member::Queued: return "QUEUED";
    case Member::LostSkbs: return "LOST_SKBS";
    case Member::BwOutSend: return "BW_OUT_SEND";
    case Member::BwOutAck: return "BW_OUT_ACK";
    case Member::SfUser: return "USER";
    case Member::DelayIn: return "DELAY_IN";
    case Member::DelayOut: return "DELAY_OUT";
    case Member::Bw: return "BW";
    case Member::LossRate: return "LOSS_RATE";
    case Member::IsBackup: return "IS_BACKUP";
    case Member::Throttled: return "THROTTLED";
    case Member::Lossy: return "LOSSY";
    case Member::HasWindowFor: return "HAS_WINDOW_FOR";
    case Member::Seq: return "SEQ";
    case Member::Length: return "LENGTH";
    case Member::Size: return "SIZE";
    case Member::PktUser: return "USER";
    case Member::Psh: return "PSH";
    case Member::AgeMs: return "AGE_MS";
    case Member::SentOnAll: return "SENT_ON_ALL";
    case Member::SentOn: return "SENT_ON";
    case Member::Empty: return "EMPTY";
    case Member::Count: return "COUNT";
    case Member::Top: return "TOP";
    case Member::Get: return "GET";
    case Member::Pop: return "POP";
    case Member::Filter: return "FILTER";
    case Member::Min: return "MIN";
    case Member::Max: return "MAX";
    case Member::Sum: return "SUM";
  }
  return "?";
}

}  // namespace progmp::lang
