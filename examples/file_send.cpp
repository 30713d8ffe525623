// Sends a file over progmp, tagging each chunk with its position so a scheduler can treat the head differently.
//   file_send FILE SERVER_PUBLIC_KEY LOCAL=REMOTE [LOCAL=REMOTE ...]
// The receiver (file_receive) prints the SHA-256 of what it got; compare with `sha256sum FILE`.
#include <fstream>
#include <iostream>
#include <vector>

#include "progmp/net/host.hpp"
#include "progmp/net/key_file.hpp"

int main(int argc, char** argv) {
  using namespace progmp;
  if (argc < 4) return std::cerr << "usage: file_send FILE SERVER_PUBLIC_KEY LOCAL=REMOTE ...\n", 2;
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) return std::cerr << argv[1] << ": cannot read\n", 2;
  std::string error;
  auto server_key = net::load_public_key(argv[2], error);
  if (!server_key) return std::cerr << error << '\n', 2;
  std::vector<net::PathConfig> paths;
  for (int i = 3; i < argc; ++i) {
    auto path = net::parse_path_config(argv[i], std::nullopt, error);
    if (!path) return std::cerr << error << '\n', 2;
    paths.push_back(*path);
  }
  auto host = net::Host::start(net::HostOptions::with_new_key(), error);
  auto stream = host ? host->connect(paths, *server_key, error) : nullptr;
  if (!stream) return std::cerr << "cannot connect: " << error << '\n', 2;
  std::vector<char> chunk(1 << 20);
  std::int64_t tag = 1;  // USER of the packets: 1 for the first MiB, 2 for the rest
  while (file.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || file.gcount() > 0) {
    const auto n = static_cast<std::size_t>(file.gcount());
    if (stream->write(std::as_bytes(std::span(chunk).first(n)), tag) < n) break;
    tag = 2;
  }
  stream->close();
  const bool done = stream->wait_closed(std::chrono::seconds(30));
  const auto info = stream->info();
  std::cout << "sent " << info.bytes_sent << " bytes, " << info.bytes_acked << " acknowledged\n";
  return done && info.bytes_acked == info.bytes_sent ? 0 : 1;
}
