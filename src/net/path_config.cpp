#include "progmp/net/node.hpp"

namespace progmp::net {

std::optional<PathConfig> parse_path_config(std::string_view spec, const std::optional<SocketAddress>& default_remote,
                                            std::string& error) {
  PathConfig out;
  std::string_view local = spec, remote;
  if (const auto eq = spec.find('='); eq != std::string_view::npos) {
    local = spec.substr(0, eq);
    remote = spec.substr(eq + 1);
  }
  if (const auto at = local.rfind('@'); at != std::string_view::npos) {
    out.device = std::string(local.substr(at + 1));
    local = local.substr(0, at);
  }
  out.local = std::string(local);
  if (remote.empty()) {
    if (!default_remote) {
      error = "path '" + std::string(spec) + "' names no remote address (LOCAL=REMOTE)";
      return std::nullopt;
    }
    out.remote = *default_remote;
    return out;
  }
  auto r = SocketAddress::resolve(remote, error);
  if (!r) {
    error = "path '" + std::string(spec) + "': " + error;
    return std::nullopt;
  }
  out.remote = *r;
  return out;
}

}  // namespace progmp::net
