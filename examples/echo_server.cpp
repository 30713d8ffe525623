// An echo server over progmp: every connection gets back what it sends, over whatever paths the client uses.
//   echo_server KEY_FILE ADDR:PORT [ADDR:PORT ...]      (make KEY_FILE with `progmp keygen -o KEY_FILE`)
// Prints "listening on ADDR:PORT" per address, then serves connections one after another.
#include <iostream>
#include <vector>

#include "progmp/net/host.hpp"
#include "progmp/net/key_file.hpp"

int main(int argc, char** argv) {
  using namespace progmp;
  if (argc < 3) {
    std::cerr << "usage: echo_server KEY_FILE ADDR:PORT [ADDR:PORT ...]\n";
    return 2;
  }
  std::string error;
  auto keys = net::load_key_pair(argv[1], error);
  if (!keys) return std::cerr << error << '\n', 2;
  auto host = net::Host::start(net::HostOptions::with_key(*keys), error);
  if (!host) return std::cerr << error << '\n', 2;
  for (int i = 2; i < argc; ++i) {
    auto address = net::SocketAddress::parse(argv[i], error, true);
    auto bound = address ? host->listen(*address, error) : std::nullopt;
    if (!bound) return std::cerr << argv[i] << ": " << error << '\n', 2;
    std::cout << "listening on " << bound->to_string() << std::endl;
  }
  std::vector<std::byte> buffer(64 * 1024);
  while (auto stream = host->accept()) {
    while (std::size_t n = stream->read(buffer)) stream->write(std::span(buffer).first(n));
    stream->close();  // the client closed its side: close ours, then wait until both are done
    stream->wait_closed(std::chrono::seconds(5));
  }
}
