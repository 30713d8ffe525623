// kernel_socket_stats: the kernel's own tcp_info and MPTCP subflow structures (<linux/tcp.h>, <linux/mptcp.h>;
// glibc's <netinet/tcp.h> has an older tcp_info without the byte counters, so it is not included here).
#include "progmp/testbed/kernel_socket_stats.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>  // before the linux headers: glibc then keeps linux/in.h from redefining its types
#include <sys/socket.h>

#include <linux/mptcp.h>
#include <linux/tcp.h>

#include <cerrno>
#include <cstring>
#include <vector>

#ifndef SOL_MPTCP
#define SOL_MPTCP 284
#endif

namespace progmp::testbed {
namespace {

std::string address_text(const sockaddr* a) {
  char host[INET6_ADDRSTRLEN] = {};
  if (a->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(a);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (a->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "?";
}

KernelSubflowStats from_tcp_info(const tcp_info& t) {
  KernelSubflowStats s;
  s.bytes_sent = t.tcpi_bytes_sent;
  s.bytes_received = t.tcpi_bytes_received;
  s.bytes_retransmitted = t.tcpi_bytes_retrans;
  s.srtt_ms = t.tcpi_rtt / 1000.0;
  s.cwnd = t.tcpi_snd_cwnd;
  return s;
}

// getsockopt of an MPTCP per-subflow array: header + elements of `element` bytes.
template <typename Element>
bool subflow_array(int fd, int optname, std::vector<Element>& out, std::string& error) {
  constexpr std::size_t kMax = 16;
  std::vector<unsigned char> buf(sizeof(mptcp_subflow_data) + kMax * sizeof(Element));
  auto* header = reinterpret_cast<mptcp_subflow_data*>(buf.data());
  std::memset(header, 0, sizeof *header);
  header->size_subflow_data = sizeof(mptcp_subflow_data);
  header->size_user = sizeof(Element);
  socklen_t length = static_cast<socklen_t>(buf.size());
  if (::getsockopt(fd, SOL_MPTCP, optname, buf.data(), &length) != 0) {
    error = std::string("getsockopt(SOL_MPTCP, ") + (optname == MPTCP_TCPINFO ? "MPTCP_TCPINFO" : "MPTCP_SUBFLOW_ADDRS") +
            "): " + std::strerror(errno) + (errno == EOPNOTSUPP ? " (the connection fell back to TCP)" : "");
    return false;
  }
  const std::size_t n = std::min<std::size_t>(header->num_subflows, kMax);
  const std::size_t stride = header->size_user;  // the kernel's element size if smaller than ours
  out.assign(n, Element{});
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(&out[i], buf.data() + sizeof(mptcp_subflow_data) + i * stride, std::min(stride, sizeof(Element)));
  return true;
}

}  // namespace

bool kernel_socket_stats(int fd, bool mptcp, std::vector<KernelSubflowStats>& out, std::string& error) {
  out.clear();
  if (!mptcp) {
    tcp_info t{};
    socklen_t length = sizeof t;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &t, &length) != 0) {
      error = std::string("getsockopt(TCP_INFO): ") + std::strerror(errno);
      return false;
    }
    KernelSubflowStats s = from_tcp_info(t);
    sockaddr_storage a{};
    socklen_t al = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &al) == 0) s.local = address_text(reinterpret_cast<sockaddr*>(&a));
    al = sizeof a;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &al) == 0) s.remote = address_text(reinterpret_cast<sockaddr*>(&a));
    out.push_back(std::move(s));
    return true;
  }
  std::vector<tcp_info> infos;
  std::vector<mptcp_subflow_addrs> addrs;
  if (!subflow_array(fd, MPTCP_TCPINFO, infos, error) || !subflow_array(fd, MPTCP_SUBFLOW_ADDRS, addrs, error))
    return false;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    KernelSubflowStats s = from_tcp_info(infos[i]);
    if (i < addrs.size()) {
      s.local = address_text(&addrs[i].sa_local);
      s.remote = address_text(&addrs[i].sa_remote);
    }
    out.push_back(std::move(s));
  }
  return true;
}

}  // namespace progmp::testbed
