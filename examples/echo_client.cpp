// An echo client over progmp: sends its stdin over every given path, prints what comes back.
//   echo_client SERVER_PUBLIC_KEY LOCAL=REMOTE [LOCAL=REMOTE ...]   e.g. 127.0.0.2=127.0.0.1:4433
// Its scheduler sends each message on every path with window space, so a slow or dying path delays nothing.
#include <iostream>
#include <string>
#include <vector>

#include "progmp/net/host.hpp"
#include "progmp/net/key_file.hpp"

int main(int argc, char** argv) {
  using namespace progmp;
  if (argc < 3) return std::cerr << "usage: echo_client SERVER_PUBLIC_KEY LOCAL=REMOTE ...\n", 2;
  std::string error;
  auto server_key = net::load_public_key(argv[1], error);
  if (!server_key) return std::cerr << error << '\n', 2;
  std::vector<net::PathConfig> paths;
  for (int i = 2; i < argc; ++i) {
    auto path = net::parse_path_config(argv[i], std::nullopt, error);
    if (!path) return std::cerr << error << '\n', 2;
    paths.push_back(*path);
  }
  auto host = net::Host::start(net::HostOptions::with_new_key(), error);
  auto stream = host ? host->connect(paths, *server_key, error) : nullptr;
  if (!stream) return std::cerr << "cannot connect: " << error << '\n', 2;
  const char* everywhere = R"(SCHEDULER everywhere;
    VAR open = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED);
    IF (!open.EMPTY AND Q.TOP != NULL) { VAR p = Q.POP(); FOREACH (VAR f IN open) { f.PUSH(p); } })";
  if (host->load_scheduler("", everywhere).status != runtime::Status::Ok || !stream->set_scheduler("everywhere"))
    return std::cerr << "scheduler does not load\n", 1;
  std::string line;
  std::vector<std::byte> reply(64 * 1024);
  while (std::getline(std::cin, line)) {
    line += '\n';
    stream->write(std::as_bytes(std::span(line)));
    const std::size_t n = stream->read_exactly(std::span(reply).first(line.size()));
    std::cout.write(reinterpret_cast<const char*>(reply.data()), static_cast<std::streamsize>(n)) << std::flush;
  }
  stream->close();
  stream->wait_closed(std::chrono::seconds(5));
}
