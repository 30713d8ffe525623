// The transport's datagrams, wire format version 2: the packet headers around the handshake messages and around the
// protected (encrypted and authenticated) frames of wire.hpp. docs/wire.md has the same diagrams and the handshake
// sequence; docs/security.md says why each field is there.
//
// Byte 0 of every datagram is a magic nibble 0xA (so that stray traffic fails fast) and the version nibble (2);
// byte 1 is the packet type. All integers are big-endian.
//
//   PROTECTED       0 A2 | 1 type 0 | 2 destination connection ID (64) | 10 path ID (32) | 14 packet number (64)
//                   | 22 AEAD ciphertext of frames | tag (16). The header is the AEAD's associated data; the nonce is
//                   path ID ‖ packet number, so every path has its own packet number space and replay window.
//   INITIATION      0 A2 | 1 type 1 | 2 destination connection ID (64, random) | 10 source connection ID (64: the
//                   client's) | 18 token length (8) | 19 token | handshake length (16) | handshake message 1 | zero
//                   padding up to at least 1200 bytes in all. Bytes 0–17 are the handshake's prologue. The padding
//                   makes the client pay for the server's answer (anti-amplification, docs/security.md).
//   RESPONSE        0 A2 | 1 type 2 | 2 destination connection ID (64: the client's) | 10 handshake length (16)
//                   | 12 handshake message 2 (its encrypted payload carries the server's connection ID).
//   RETRY           0 A2 | 1 type 3 | 2 destination connection ID (64: the client's) | 10 original destination
//                   connection ID (64) | 18 token length (8) | 19 token. The client repeats its INITIATION with the
//                   token, proving that it receives datagrams at its address.
//   STATELESS_RESET 0 A2 | 1 type 4 | 2 destination connection ID (64) | 10 reset token (128). From a peer that lost
//                   the connection's state; only the genuine peer can compute the token (a keyed hash of the ID).
//   VERSION_MISMATCH 0 A2 | 1 type 5 | 2 destination connection ID (64) | 10 count (8) | 11 versions (8 each). The
//                   answer to an INITIATION of a version this side does not speak.
//
// Invariant kept by every later version (as QUIC's RFC 8999): bytes 0–1 and the two connection IDs of an
// INITIATION stay where they are, so a server can answer any version with VERSION_MISMATCH.
//
// Error contract: parse() never reads outside its input and never allocates; spans point into the input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "progmp/transport/ids.hpp"

namespace progmp::transport::packet {

inline constexpr std::uint8_t kMagic = 0xA0;  // high nibble of byte 0
inline constexpr std::uint8_t kVersion = 2;   // low nibble of byte 0
inline constexpr std::size_t kProtectedHeaderSize = 22;
inline constexpr std::size_t kMinInitiationSize = 1200;
inline constexpr std::size_t kInitiationPrologueSize = 18;
inline constexpr std::size_t kMaxTokenSize = 64;
inline constexpr std::size_t kResetTokenSize = 16;
inline constexpr std::size_t kResetSize = 26;

enum class Type : std::uint8_t {
  Protected = 0,
  Initiation = 1,
  Response = 2,
  Retry = 3,
  StatelessReset = 4,
  VersionMismatch = 5,
};

struct ProtectedHeader {
  ConnectionId dcid{};
  PathId path{};
  std::uint64_t packet_number = 0;
};

struct Initiation {
  ConnectionId dcid{}, scid{};
  std::span<const std::byte> token;
  std::span<const std::byte> handshake;
  std::span<const std::byte> prologue;  // bytes 0–17
};

struct Response {
  ConnectionId dcid{};
  std::span<const std::byte> handshake;
};

struct Retry {
  ConnectionId dcid{}, original_dcid{};
  std::span<const std::byte> token;
};

struct StatelessReset {
  ConnectionId dcid{};
  std::span<const std::byte, kResetTokenSize> token;
};

struct VersionMismatch {
  ConnectionId dcid{};
  std::span<const std::byte> versions;
};

using Packet = std::variant<ProtectedHeader, Initiation, Response, Retry, StatelessReset, VersionMismatch>;

enum class ErrorCode : std::uint8_t {
  Truncated,           // a field extends past the end of the datagram
  BadMagic,            // byte 0's high nibble is not 0xA
  UnknownVersion,      // byte 0's low nibble is not a version this side speaks
  UnknownType,         // byte 1 is not a packet type
  InitiationTooSmall,  // an INITIATION below kMinInitiationSize bytes
  TokenTooLong,        // a token above kMaxTokenSize bytes
  NonZeroPadding,      // bytes after an INITIATION's handshake message that are not zero
  TrailingBytes,       // bytes after the end of a fixed-size packet
};

struct Error {
  ErrorCode code = ErrorCode::Truncated;
  std::size_t offset = 0;
};

std::string_view error_name(ErrorCode code);  // "truncated", "bad_magic", ...
std::string describe(const Error& error);      // "packet: truncated at byte 9: ..."

class Parsed {
 public:
  Parsed(Packet p) : v_(p) {}  // NOLINT(google-explicit-constructor): a result type
  Parsed(Error e) : v_(e) {}   // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const Packet& packet() const { return std::get<Packet>(v_); }  // precondition: ok()
  const Error& error() const { return std::get<Error>(v_); }     // precondition: !ok()

 private:
  std::variant<Packet, Error> v_;
};

Parsed parse(std::span<const std::byte> datagram);

// An INITIATION of another version (UnknownVersion from parse()): its version and connection IDs, read by the
// invariant layout; false if the datagram is not one (too small for an INITIATION, other type).
struct ForeignInitiation {
  std::uint8_t version = 0;
  ConnectionId dcid{}, scid{};
};
bool parse_foreign_initiation(std::span<const std::byte> datagram, ForeignInitiation& out);

// ---- writing: each returns the bytes written, 0 if `out` is too small or a field is out of range ----

std::size_t write_protected_header(std::span<std::byte> out, const ProtectedHeader& header);
// The prologue (bytes 0–17) of an INITIATION, which the handshake message must be computed over.
std::array<std::byte, kInitiationPrologueSize> initiation_prologue(ConnectionId dcid, ConnectionId scid);
// Pads with zeros to kMinInitiationSize.
std::size_t write_initiation(std::span<std::byte> out, ConnectionId dcid, ConnectionId scid,
                             std::span<const std::byte> token, std::span<const std::byte> handshake);
std::size_t write_response(std::span<std::byte> out, ConnectionId dcid, std::span<const std::byte> handshake);
std::size_t write_retry(std::span<std::byte> out, ConnectionId dcid, ConnectionId original_dcid,
                        std::span<const std::byte> token);
std::size_t write_stateless_reset(std::span<std::byte> out, ConnectionId dcid,
                                  std::span<const std::byte, kResetTokenSize> token);
std::size_t write_version_mismatch(std::span<std::byte> out, ConnectionId dcid);

}  // namespace progmp::transport::packet
