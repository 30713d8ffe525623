// Member tables per receiver type.
#include "members.hpp"

namespace progmp::lang {
namespace {

// Results that depend on the receiver (its element type, or the list type itself for FILTER); the checker
// resolves them by member.
constexpr Type kDependent = Type::Error;

std::vector<MemberSpec> subflow_members() {
  using enum Member;
  std::vector<MemberSpec> v;
  for (auto [n, m] : {std::pair{"ID", Id}, {"RTT", Rtt}, {"RTT_US", RttUs}, {"RTT_MS", RttMs}, {"RTT_VAR", RttVar},
                      {"CWND", Cwnd}, {"SSTHRESH", Ssthresh}, {"SKBS_IN_FLIGHT", SkbsInFlight}, {"QUEUED", Queued},
                      {"LOST_SKBS", LostSkbs}, {"BW_OUT_SEND", BwOutSend}, {"BW_OUT_ACK", BwOutAck},
                      {"USER", SfUser}, {"DELAY_IN", DelayIn}, {"DELAY_OUT", DelayOut}, {"BW", Bw},
                      {"LOSS_RATE", LossRate}}) {
    v.push_back({n, m, MemberForm::Property, Type::Int});
  }
  for (auto [n, m] : {std::pair{"IS_BACKUP", IsBackup}, {"THROTTLED", Throttled}, {"LOSSY", Lossy}}) {
    v.push_back({n, m, MemberForm::Property, Type::Bool});
  }
  v.push_back({"HAS_WINDOW_FOR", HasWindowFor, MemberForm::OneExpr, Type::Bool, Type::Packet,
               "HAS_WINDOW_FOR argument"});
  return v;
}

std::vector<MemberSpec> packet_members() {
  using enum Member;
  std::vector<MemberSpec> v;
  for (auto [n, m] : {std::pair{"SEQ", Seq}, {"LENGTH", Length}, {"SIZE", Size}, {"USER", PktUser},
                      {"AGE_MS", AgeMs}}) {
    v.push_back({n, m, MemberForm::Property, Type::Int});
  }
  v.push_back({"PSH", Psh, MemberForm::Property, Type::Bool});
  v.push_back({"SENT_ON_ALL", SentOnAll, MemberForm::Property, Type::Bool});
  v.push_back({"SENT_ON", SentOn, MemberForm::OneExpr, Type::Bool, Type::Subflow, "SENT_ON argument"});
  return v;
}

std::vector<MemberSpec> list_members(bool packets) {
  using enum Member;
  std::vector<MemberSpec> v = {
      {"EMPTY", Empty, MemberForm::Property, Type::Bool},
      {"COUNT", Count, MemberForm::Property, Type::Int},
      {"FILTER", Filter, MemberForm::OneLambda, kDependent, Type::Bool, "FILTER predicate"},
      {"GET", Get, MemberForm::OneExpr, kDependent, Type::Int, "GET index"},
      {"MIN", Min, MemberForm::OneLambda, kDependent, Type::Int, "MIN key"},
      {"MAX", Max, MemberForm::OneLambda, kDependent, Type::Int, "MAX key"},
      {"SUM", Sum, MemberForm::OneLambda, Type::Int, Type::Int, "SUM key"},
  };
  if (packets) {
    v.push_back({"TOP", Top, MemberForm::Property, kDependent});
    v.push_back({"POP", Pop, MemberForm::EmptyCall, kDependent});
  }
  return v;
}

}  // namespace

const std::vector<MemberSpec>& members_of(Type t) {
  static const std::vector<MemberSpec> kNoMembers;
  static const std::vector<MemberSpec> kSubflow = subflow_members();
  static const std::vector<MemberSpec> kPacket = packet_members();
  static const std::vector<MemberSpec> kSubflowList = list_members(false);
  static const std::vector<MemberSpec> kPacketList = list_members(true);
  switch (t) {
    case Type::Subflow: return kSubflow;
    case Type::Packet: return kPacket;
    case Type::SubflowList: return kSubflowList;
    case Type::PacketList: return kPacketList;
    default: return kNoMembers;
  }
}

std::optional<MemberSpec> find_member(Type t, std::string_view name) {
  for (const MemberSpec& m : members_of(t)) {
    if (m.name == name) return m;
  }
  return std::nullopt;
}

Type element_type(Type list) {
  if (list == Type::SubflowList) return Type::Subflow;
  if (list == Type::PacketList) return Type::Packet;
  return Type::Error;
}

}  // namespace progmp::lang
