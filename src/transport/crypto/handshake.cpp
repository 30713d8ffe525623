#include "progmp/transport/crypto/handshake.hpp"

#include <sodium.h>

#include <algorithm>
#include <limits>
#include <string_view>

#include "detail.hpp"

namespace progmp::transport::crypto {

namespace {

using detail::CipherState;
using detail::SymmetricState;
using detail::uc;

constexpr std::string_view kProtocolName = "progmp_IK_25519_ChaChaPoly_BLAKE2b";
constexpr std::size_t kHashLen = 64;
constexpr std::size_t kDhLen = 32;
constexpr std::size_t kTagLen = crypto_aead_chacha20poly1305_ietf_ABYTES;
static_assert(kTagLen == 16 && crypto_aead_chacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12 && crypto_scalarmult_BYTES == kDhLen);
static_assert(kProtocolName.size() <= kHashLen);  // so InitializeSymmetric pads instead of hashing
static_assert(kInitiationOverhead == kDhLen + kDhLen + kTagLen + kTagLen);
static_assert(kResponseOverhead == kDhLen + kTagLen);

// Wipes a stack object when the scope ends, on every path out of it.
template <class T>
class WipeOnExit {
 public:
  explicit WipeOnExit(T& object) : object_(object) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { sodium_memzero(&object_, sizeof(T)); }

 private:
  T& object_;
};

template <class T>
void wipe(T& object) {
  sodium_memzero(&object, sizeof(T));
}

using Hash = std::array<std::byte, kHashLen>;

// BLAKE2b-512 over a ‖ b, keyed with `key` if it is not empty (the PRF of the HKDF) or unkeyed (HASH).
void blake2b(Hash& out, std::span<const std::byte> key, std::span<const std::byte> a, std::span<const std::byte> b) {
  crypto_generichash_state st;
  detail::require(crypto_generichash_init(&st, key.empty() ? nullptr : uc(key), key.size(), kHashLen) == 0);
  crypto_generichash_update(&st, uc(a), a.size());
  crypto_generichash_update(&st, uc(b), b.size());
  crypto_generichash_final(&st, uc(out.data()), out.size());
  sodium_memzero(&st, sizeof st);
}

// Noise §4.3 HKDF with two outputs, PRF = keyed BLAKE2b-512 in place of HMAC-HASH:
// temp = PRF(ck, ikm); out1 = PRF(temp, 0x01); out2 = PRF(temp, out1 ‖ 0x02).
void hkdf2(const Hash& chaining_key, std::span<const std::byte> ikm, Hash& out1, Hash& out2) {
  static constexpr std::byte kOne[1] = {std::byte{0x01}};
  static constexpr std::byte kTwo[1] = {std::byte{0x02}};
  Hash temp;
  blake2b(temp, chaining_key, ikm, {});
  blake2b(out1, temp, kOne, {});
  blake2b(out2, temp, out1, kTwo);
  wipe(temp);
}

void mix_hash(SymmetricState& s, std::span<const std::byte> data) {
  Hash next;
  blake2b(next, {}, s.h, data);
  s.h = next;
}

void initialize_key(CipherState& c, std::span<const std::byte> key) {
  std::copy_n(key.begin(), c.k.size(), c.k.begin());  // HASHLEN 64 > 32: Noise truncates to the first 32 bytes
  c.has_key = true;
  c.n = 0;
}

void mix_key(SymmetricState& s, std::span<const std::byte, kDhLen> input_key_material) {
  Hash ck;
  Hash temp_k;
  hkdf2(s.ck, input_key_material, ck, temp_k);
  s.ck = ck;
  initialize_key(s.cipher, temp_k);
  wipe(ck);
  wipe(temp_k);
}

// ChaChaPoly's nonce in Noise: 32 zero bits, then n as 64 bits little-endian.
std::array<unsigned char, 12> nonce_of(std::uint64_t n) {
  std::array<unsigned char, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<unsigned char>(n >> (8 * i));
  return nonce;
}

// EncryptAndHash: `out` receives pt.size() (+ 16 with a key) bytes; returns that length, or 0 on nonce exhaustion.
std::size_t encrypt_and_hash(SymmetricState& s, std::span<const std::byte> plaintext, std::span<std::byte> out) {
  CipherState& c = s.cipher;
  std::size_t length = plaintext.size();
  if (c.has_key) {
    if (c.n == std::numeric_limits<std::uint64_t>::max()) return 0;  // 2^64-1 is reserved (Noise §5.1)
    const auto nonce = nonce_of(c.n);
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(uc(out.data()), uc(out.data() + plaintext.size()), nullptr,
                                                       uc(plaintext), plaintext.size(), uc(s.h.data()), s.h.size(),
                                                       nullptr, nonce.data(), uc(c.k.data()));
    ++c.n;
    length += kTagLen;
  } else {
    std::copy(plaintext.begin(), plaintext.end(), out.begin());
  }
  mix_hash(s, out.first(length));
  return length;
}

// DecryptAndHash: `out` receives ciphertext.size() (- 16 with a key) bytes. False if authentication fails.
bool decrypt_and_hash(SymmetricState& s, std::span<const std::byte> ciphertext, std::span<std::byte> out) {
  CipherState& c = s.cipher;
  if (c.has_key) {
    if (ciphertext.size() < kTagLen || c.n == std::numeric_limits<std::uint64_t>::max()) return false;
    const std::size_t length = ciphertext.size() - kTagLen;
    const auto nonce = nonce_of(c.n);
    if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(uc(out.data()), nullptr, uc(ciphertext), length,
                                                           uc(ciphertext.data() + length), uc(s.h.data()),
                                                           s.h.size(), nonce.data(), uc(c.k.data())) != 0)
      return false;
    ++c.n;
  } else {
    std::copy(ciphertext.begin(), ciphertext.end(), out.begin());
  }
  mix_hash(s, ciphertext);
  return true;
}

// DH(secret, public) followed by MixKey; false if `remote` is a low-order point (the shared secret would be zero).
bool mix_dh(SymmetricState& s, const SecretKey& local, const PublicKey& remote) {
  std::array<std::byte, kDhLen> shared;
  WipeOnExit wipe_shared(shared);
  if (crypto_scalarmult(uc(shared.data()), uc(local.bytes().data()), uc(remote.bytes.data())) != 0) return false;
  mix_key(s, shared);
  return true;
}

// InitializeSymmetric(protocol_name), MixHash(prologue), then the pre-message "<- s": MixHash(responder's static).
void initialize(SymmetricState& s, std::span<const std::byte> prologue, const PublicKey& responder_static) {
  detail::ensure_sodium();
  s = SymmetricState{};
  std::copy_n(reinterpret_cast<const std::byte*>(kProtocolName.data()), kProtocolName.size(), s.h.begin());
  s.ck = s.h;
  mix_hash(s, prologue);
  mix_hash(s, responder_static.bytes);
}

void split(const SymmetricState& s, TransportSecrets& out) {
  Hash k1;
  Hash k2;
  hkdf2(s.ck, {}, k1, k2);
  std::copy_n(k1.begin(), out.initiator_to_responder.size(), out.initiator_to_responder.begin());
  std::copy_n(k2.begin(), out.responder_to_initiator.size(), out.responder_to_initiator.begin());
  out.handshake_hash = s.h;
  wipe(k1);
  wipe(k2);
}

SecretKey ephemeral_from(RandomSource& random) {
  std::array<std::byte, kKeyBytes> raw;
  random.fill(raw);
  SecretKey key(raw);
  wipe(raw);
  return key;
}

PublicKey read_key(std::span<const std::byte> bytes) {
  PublicKey key;
  std::copy_n(bytes.begin(), key.bytes.size(), key.bytes.begin());
  return key;
}

}  // namespace

TransportSecrets::~TransportSecrets() {
  sodium_memzero(initiator_to_responder.data(), initiator_to_responder.size());
  sodium_memzero(responder_to_initiator.data(), responder_to_initiator.size());
  sodium_memzero(handshake_hash.data(), handshake_hash.size());
}

// ---- Initiator ----

Initiator::Initiator(const KeyPair& local_static, const PublicKey& responder_static,
                     std::span<const std::byte> prologue)
    : s_(local_static), rs_(responder_static) {
  initialize(state_, prologue, rs_);
}

Initiator::~Initiator() { wipe(state_); }

std::optional<std::size_t> Initiator::write_initiation(RandomSource& random, std::span<const std::byte> payload,
                                                       std::span<std::byte> out) {
  if (step_ != Step::Start) return std::nullopt;
  if (out.size() < kInitiationOverhead || out.size() - kInitiationOverhead < payload.size()) return std::nullopt;
  const std::size_t total = payload.size() + kInitiationOverhead;

  SymmetricState st = state_;
  WipeOnExit wipe_st(st);
  e_ = ephemeral_from(random);
  const PublicKey e_public = public_key_of(e_);
  // -> e
  std::copy(e_public.bytes.begin(), e_public.bytes.end(), out.begin());
  mix_hash(st, e_public.bytes);
  // -> es, s, ss
  bool ok = mix_dh(st, e_, rs_);
  ok = ok && encrypt_and_hash(st, s_.public_key.bytes, out.subspan(kDhLen, kDhLen + kTagLen)) == kDhLen + kTagLen;
  ok = ok && mix_dh(st, s_.secret, rs_);
  // payload
  ok = ok && encrypt_and_hash(st, payload, out.subspan(2 * kDhLen + kTagLen, payload.size() + kTagLen)) ==
                 payload.size() + kTagLen;
  if (!ok) {
    e_ = SecretKey();
    step_ = Step::Done;  // a low-order responder key: no retry can succeed
    return std::nullopt;
  }
  state_ = st;
  step_ = Step::AwaitResponse;
  return total;
}

std::optional<std::size_t> Initiator::read_response(std::span<const std::byte> message,
                                                    std::span<std::byte> payload_out) {
  if (step_ != Step::AwaitResponse || message.size() < kResponseOverhead) return std::nullopt;
  const std::size_t payload_length = message.size() - kResponseOverhead;
  if (payload_out.size() < payload_length) return std::nullopt;

  // Work on a copy: a forgery must not disturb the state the genuine response needs.
  SymmetricState st = state_;
  WipeOnExit wipe_st(st);
  // <- e
  const PublicKey re = read_key(message.first(kDhLen));
  mix_hash(st, re.bytes);
  // <- ee, se
  if (!mix_dh(st, e_, re) || !mix_dh(st, s_.secret, re)) return std::nullopt;
  // payload
  if (!decrypt_and_hash(st, message.subspan(kDhLen), payload_out.first(payload_length))) return std::nullopt;

  split(st, secrets_);
  wipe(state_);
  e_ = SecretKey();
  step_ = Step::Done;
  return payload_length;
}

// ---- Responder ----

Responder::Responder(const KeyPair& local_static, std::span<const std::byte> prologue) : s_(local_static) {
  initialize(state_, prologue, s_.public_key);
}

Responder::~Responder() { wipe(state_); }

std::optional<std::size_t> Responder::read_initiation(std::span<const std::byte> message,
                                                      std::span<std::byte> payload_out) {
  if (step_ != Step::AwaitInitiation || message.size() < kInitiationOverhead) return std::nullopt;
  const std::size_t payload_length = message.size() - kInitiationOverhead;
  if (payload_out.size() < payload_length) return std::nullopt;

  SymmetricState st = state_;
  WipeOnExit wipe_st(st);
  // -> e
  const PublicKey re = read_key(message.first(kDhLen));
  mix_hash(st, re.bytes);
  // -> es
  if (!mix_dh(st, s_.secret, re)) return std::nullopt;
  // -> s
  PublicKey rs;
  if (!decrypt_and_hash(st, message.subspan(kDhLen, kDhLen + kTagLen), rs.bytes)) return std::nullopt;
  // -> ss
  if (!mix_dh(st, s_.secret, rs)) return std::nullopt;
  // payload
  if (!decrypt_and_hash(st, message.subspan(2 * kDhLen + kTagLen), payload_out.first(payload_length)))
    return std::nullopt;

  state_ = st;
  re_ = re;
  rs_ = rs;
  step_ = Step::Respond;
  return payload_length;
}

std::optional<std::size_t> Responder::write_response(RandomSource& random, std::span<const std::byte> payload,
                                                     std::span<std::byte> out) {
  if (step_ != Step::Respond) return std::nullopt;
  if (out.size() < kResponseOverhead || out.size() - kResponseOverhead < payload.size()) return std::nullopt;
  const std::size_t total = payload.size() + kResponseOverhead;

  SymmetricState st = state_;
  WipeOnExit wipe_st(st);
  const SecretKey e = ephemeral_from(random);
  const PublicKey e_public = public_key_of(e);
  // <- e
  std::copy(e_public.bytes.begin(), e_public.bytes.end(), out.begin());
  mix_hash(st, e_public.bytes);
  // <- ee, se
  bool ok = mix_dh(st, e, re_) && mix_dh(st, e, rs_);
  // payload
  ok = ok && encrypt_and_hash(st, payload, out.subspan(kDhLen, payload.size() + kTagLen)) == payload.size() + kTagLen;
  if (!ok) return std::nullopt;  // cannot happen: both keys passed a DH in read_initiation

  split(st, secrets_);
  wipe(state_);
  step_ = Step::Done;
  return total;
}

}  // namespace progmp::transport::crypto
