// Receives one file over progmp (from file_send), writes it to OUT and prints its SHA-256.
//   file_receive KEY_FILE ADDR:PORT OUT
#include <sodium.h>

#include <fstream>
#include <iostream>
#include <vector>

#include "progmp/net/host.hpp"
#include "progmp/net/key_file.hpp"

int main(int argc, char** argv) {
  using namespace progmp;
  if (argc != 4) return std::cerr << "usage: file_receive KEY_FILE ADDR:PORT OUT\n", 2;
  std::string error;
  auto keys = net::load_key_pair(argv[1], error);
  auto address = keys ? net::SocketAddress::parse(argv[2], error, true) : std::nullopt;
  if (!address) return std::cerr << error << '\n', 2;
  auto host = net::Host::start(net::HostOptions::with_key(*keys), error);
  auto bound = host ? host->listen(*address, error) : std::nullopt;
  if (!bound) return std::cerr << error << '\n', 2;
  std::cout << "listening on " << bound->to_string() << std::endl;
  auto stream = host->accept();
  std::ofstream out(argv[3], std::ios::binary);
  crypto_hash_sha256_state sha;
  crypto_hash_sha256_init(&sha);
  std::vector<std::byte> buffer(1 << 20);
  std::size_t total = 0;
  while (std::size_t n = stream->read(buffer)) {
    out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(n));
    crypto_hash_sha256_update(&sha, reinterpret_cast<const unsigned char*>(buffer.data()), n);
    total += n;
  }
  stream->close();
  stream->wait_closed(std::chrono::seconds(5));
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&sha, digest);
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  std::cout << "received " << total << " bytes, sha256 " << hex << std::endl;
}
