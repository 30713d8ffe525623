// Cost of the secure transport's cryptography: sealing and opening one datagram with ChaCha20-Poly1305 at typical
// payload sizes (1200: QUIC's minimum, 1400: a common path MTU payload, 9000: a jumbo frame), and one complete
// Noise-IK handshake (initiation, response, and the initiator reading the response; three X25519 key generations
// and eight DHs, counting both sides).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <vector>

#include "progmp/transport/crypto/handshake.hpp"
#include "progmp/transport/crypto/packet_protection.hpp"
#include "progmp/transport/random.hpp"

namespace {

using namespace progmp::transport;
using namespace progmp::transport::crypto;

constexpr std::size_t kHeader = 16;

std::array<std::byte, 32> secret() {
  std::array<std::byte, 32> s;
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::byte>(i * 7 + 1);
  return s;
}

// Arguments: payload bytes, and the AEAD (1 ChaCha20-Poly1305, 2 AES-256-GCM).
bool usable(benchmark::State& state, Aead aead) {
  if (aead == Aead::Aes256Gcm && !aes256gcm_available()) {
    state.SkipWithError("no AES-NI");
    return false;
  }
  state.SetLabel(std::string(aead_name(aead)));
  return true;
}

void BM_Seal(benchmark::State& state) {
  const auto payload = static_cast<std::size_t>(state.range(0));
  const auto aead = static_cast<Aead>(state.range(1));
  if (!usable(state, aead)) return;
  const PacketKey key(aead, secret());
  std::vector<std::byte> buffer(kHeader + payload + kTagBytes, std::byte{0x5a});
  std::uint64_t pn = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(key.seal(1, pn++, buffer, kHeader, payload));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(payload));
}

void BM_Open(benchmark::State& state) {
  const auto payload = static_cast<std::size_t>(state.range(0));
  const auto aead = static_cast<Aead>(state.range(1));
  if (!usable(state, aead)) return;
  const PacketKey key(aead, secret());
  std::vector<std::byte> datagram(kHeader + payload + kTagBytes, std::byte{0x5a});
  key.seal(1, 7, datagram, kHeader, payload);
  std::vector<std::byte> out(payload);
  for (auto _ : state) {
    const auto n = key.open(1, 7, datagram, kHeader, out);
    if (!n) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(payload));
}

void BM_Handshake(benchmark::State& state) {
  SeededRandom random(1);
  const KeyPair initiator_static = generate_key_pair(random);
  const KeyPair responder_static = generate_key_pair(random);
  const std::byte prologue[8] = {};
  std::vector<std::byte> payload(64, std::byte{1}), received(64);
  std::vector<std::byte> m1(payload.size() + kInitiationOverhead), m2(payload.size() + kResponseOverhead);
  for (auto _ : state) {
    Initiator initiator(initiator_static, responder_static.public_key, prologue);
    Responder responder(responder_static, prologue);
    const bool ok = initiator.write_initiation(random, payload, m1) && responder.read_initiation(m1, received) &&
                    responder.write_response(random, payload, m2) && initiator.read_response(m2, received);
    if (!ok) state.SkipWithError("handshake failed");
    benchmark::DoNotOptimize(initiator.secrets().handshake_hash.data());
  }
}

}  // namespace

BENCHMARK(BM_Seal)->ArgsProduct({{1200, 1400, 9000}, {1, 2}});
BENCHMARK(BM_Open)->ArgsProduct({{1200, 1400, 9000}, {1, 2}});
BENCHMARK(BM_Handshake)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
