// The packet headers of packet.hpp.
#include "progmp/transport/packet.hpp"

#include <algorithm>
#include <optional>

namespace progmp::transport::packet {

namespace {

constexpr std::string_view kNames[] = {
    "truncated", "bad_magic", "unknown_version", "unknown_type", "initiation_too_small", "token_too_long",
    "non_zero_padding", "trailing_bytes",
};
constexpr std::string_view kMessages[] = {
    "a field extends past the end of the datagram",
    "not a progmp datagram (the magic nibble of byte 0 is not 0xA)",
    "unknown wire format version",
    "unknown packet type",
    "an INITIATION must be at least 1200 bytes",
    "a token longer than 64 bytes",
    "an INITIATION's padding is not zero",
    "bytes after the end of the packet",
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> b) : b_(b) {}
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return b_.size() - pos_; }
  template <class T>
  bool read(T& out) {
    if (remaining() < sizeof(T)) return false;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | std::to_integer<T>(b_[pos_ + i]));
    pos_ += sizeof(T);
    out = v;
    return true;
  }
  std::span<const std::byte> take(std::size_t n) {
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::byte> b_;
  std::size_t pos_ = 0;
};

class Writer {
 public:
  explicit Writer(std::span<std::byte> b) : b_(b) {}
  bool fits(std::size_t n) const { return b_.size() - pos_ >= n; }
  template <class T>
  void put(T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) b_[pos_ + i] = std::byte(v >> (8 * (sizeof(T) - 1 - i)) & 0xFF);
    pos_ += sizeof(T);
  }
  void put_bytes(std::span<const std::byte> s) {
    std::copy(s.begin(), s.end(), b_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ += s.size();
  }
  std::size_t pos() const { return pos_; }
  void start(Type t) {
    put(static_cast<std::uint8_t>(kMagic | kVersion));
    put(static_cast<std::uint8_t>(t));
  }

 private:
  std::span<std::byte> b_;
  std::size_t pos_ = 0;
};

Error err(ErrorCode c, std::size_t at) { return Error{c, at}; }

// A token with its 8-bit length (INITIATION, RETRY).
std::optional<Error> read_token(Reader& r, std::span<const std::byte>& token) {
  std::uint8_t length = 0;
  const std::size_t at = r.pos();
  if (!r.read(length)) return err(ErrorCode::Truncated, at);
  if (length > kMaxTokenSize) return err(ErrorCode::TokenTooLong, at);
  if (r.remaining() < length) return err(ErrorCode::Truncated, r.pos());
  token = r.take(length);
  return std::nullopt;
}

}  // namespace

std::string_view error_name(ErrorCode code) { return kNames[static_cast<std::size_t>(code)]; }

std::string describe(const Error& e) {
  return "packet: " + std::string(error_name(e.code)) + " at byte " + std::to_string(e.offset) + ": " +
         std::string(kMessages[static_cast<std::size_t>(e.code)]);
}

Parsed parse(std::span<const std::byte> d) {
  Reader r(d);
  std::uint8_t first = 0, type = 0;
  if (!r.read(first)) return err(ErrorCode::Truncated, 0);
  if ((first & 0xF0) != kMagic) return err(ErrorCode::BadMagic, 0);
  if ((first & 0x0F) != kVersion) return err(ErrorCode::UnknownVersion, 0);
  if (!r.read(type)) return err(ErrorCode::Truncated, 1);
  std::uint64_t dcid = 0;
  if (!r.read(dcid)) return err(ErrorCode::Truncated, 2);
  switch (static_cast<Type>(type)) {
    case Type::Protected: {
      ProtectedHeader h;
      h.dcid = ConnectionId{dcid};
      std::uint32_t path = 0;
      if (!r.read(path)) return err(ErrorCode::Truncated, r.pos());
      if (!r.read(h.packet_number)) return err(ErrorCode::Truncated, r.pos());
      h.path = PathId{path};
      return Packet{h};
    }
    case Type::Initiation: {
      if (d.size() < kMinInitiationSize) return err(ErrorCode::InitiationTooSmall, d.size());
      Initiation p;
      p.dcid = ConnectionId{dcid};
      std::uint64_t scid = 0;
      if (!r.read(scid)) return err(ErrorCode::Truncated, r.pos());
      p.scid = ConnectionId{scid};
      p.prologue = d.first(kInitiationPrologueSize);
      if (auto e = read_token(r, p.token)) return *e;
      std::uint16_t hs_len = 0;
      const std::size_t hs_at = r.pos();
      if (!r.read(hs_len)) return err(ErrorCode::Truncated, hs_at);
      if (r.remaining() < hs_len) return err(ErrorCode::Truncated, hs_at);
      p.handshake = r.take(hs_len);
      while (r.remaining() > 0) {
        const std::size_t at = r.pos();
        std::uint8_t z = 0;
        r.read(z);
        if (z != 0) return err(ErrorCode::NonZeroPadding, at);
      }
      return Packet{p};
    }
    case Type::Response: {
      Response p;
      p.dcid = ConnectionId{dcid};
      std::uint16_t hs_len = 0;
      const std::size_t hs_at = r.pos();
      if (!r.read(hs_len)) return err(ErrorCode::Truncated, hs_at);
      if (r.remaining() < hs_len) return err(ErrorCode::Truncated, hs_at);
      p.handshake = r.take(hs_len);
      if (r.remaining() > 0) return err(ErrorCode::TrailingBytes, r.pos());
      return Packet{p};
    }
    case Type::Retry: {
      Retry p;
      p.dcid = ConnectionId{dcid};
      std::uint64_t odcid = 0;
      if (!r.read(odcid)) return err(ErrorCode::Truncated, r.pos());
      p.original_dcid = ConnectionId{odcid};
      if (auto e = read_token(r, p.token)) return *e;
      if (r.remaining() > 0) return err(ErrorCode::TrailingBytes, r.pos());
      return Packet{p};
    }
    case Type::StatelessReset: {
      if (r.remaining() < kResetTokenSize) return err(ErrorCode::Truncated, r.pos());
      const std::size_t at = r.pos();
      r.take(kResetTokenSize);
      if (r.remaining() > 0) return err(ErrorCode::TrailingBytes, r.pos());
      return Packet{StatelessReset{ConnectionId{dcid}, d.subspan(at).first<kResetTokenSize>()}};
    }
    case Type::VersionMismatch: {
      VersionMismatch p;
      p.dcid = ConnectionId{dcid};
      std::uint8_t count = 0;
      if (!r.read(count)) return err(ErrorCode::Truncated, r.pos());
      if (r.remaining() < count) return err(ErrorCode::Truncated, r.pos());
      p.versions = r.take(count);
      if (r.remaining() > 0) return err(ErrorCode::TrailingBytes, r.pos());
      return Packet{p};
    }
  }
  return err(ErrorCode::UnknownType, 1);
}

bool parse_foreign_initiation(std::span<const std::byte> d, ForeignInitiation& out) {
  if (d.size() < kMinInitiationSize) return false;
  Reader r(d);
  std::uint8_t first = 0, type = 0;
  std::uint64_t dcid = 0, scid = 0;
  r.read(first);
  r.read(type);
  r.read(dcid);
  r.read(scid);
  if ((first & 0xF0) != kMagic || type != static_cast<std::uint8_t>(Type::Initiation)) return false;
  out.version = first & 0x0F;
  out.dcid = ConnectionId{dcid};
  out.scid = ConnectionId{scid};
  return true;
}

std::size_t write_protected_header(std::span<std::byte> out, const ProtectedHeader& h) {
  Writer w(out);
  if (!w.fits(kProtectedHeaderSize)) return 0;
  w.start(Type::Protected);
  w.put(static_cast<std::uint64_t>(h.dcid));
  w.put(static_cast<std::uint32_t>(h.path));
  w.put(h.packet_number);
  return w.pos();
}

std::array<std::byte, kInitiationPrologueSize> initiation_prologue(ConnectionId dcid, ConnectionId scid) {
  std::array<std::byte, kInitiationPrologueSize> p{};
  Writer w(p);
  w.start(Type::Initiation);
  w.put(static_cast<std::uint64_t>(dcid));
  w.put(static_cast<std::uint64_t>(scid));
  return p;
}

std::size_t write_initiation(std::span<std::byte> out, ConnectionId dcid, ConnectionId scid,
                             std::span<const std::byte> token, std::span<const std::byte> handshake) {
  if (token.size() > kMaxTokenSize || handshake.size() > 0xFFFF) return 0;
  const std::size_t body = kInitiationPrologueSize + 1 + token.size() + 2 + handshake.size();
  const std::size_t total = std::max(body, kMinInitiationSize);
  Writer w(out);
  if (!w.fits(total)) return 0;
  w.put_bytes(initiation_prologue(dcid, scid));
  w.put(static_cast<std::uint8_t>(token.size()));
  w.put_bytes(token);
  w.put(static_cast<std::uint16_t>(handshake.size()));
  w.put_bytes(handshake);
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(body), out.begin() + static_cast<std::ptrdiff_t>(total),
            std::byte{0});
  return total;
}

std::size_t write_response(std::span<std::byte> out, ConnectionId dcid, std::span<const std::byte> handshake) {
  if (handshake.size() > 0xFFFF) return 0;
  Writer w(out);
  if (!w.fits(12 + handshake.size())) return 0;
  w.start(Type::Response);
  w.put(static_cast<std::uint64_t>(dcid));
  w.put(static_cast<std::uint16_t>(handshake.size()));
  w.put_bytes(handshake);
  return w.pos();
}

std::size_t write_retry(std::span<std::byte> out, ConnectionId dcid, ConnectionId original_dcid,
                        std::span<const std::byte> token) {
  if (token.size() > kMaxTokenSize) return 0;
  Writer w(out);
  if (!w.fits(19 + token.size())) return 0;
  w.start(Type::Retry);
  w.put(static_cast<std::uint64_t>(dcid));
  w.put(static_cast<std::uint64_t>(original_dcid));
  w.put(static_cast<std::uint8_t>(token.size()));
  w.put_bytes(token);
  return w.pos();
}

std::size_t write_stateless_reset(std::span<std::byte> out, ConnectionId dcid,
                                  std::span<const std::byte, kResetTokenSize> token) {
  Writer w(out);
  if (!w.fits(kResetSize)) return 0;
  w.start(Type::StatelessReset);
  w.put(static_cast<std::uint64_t>(dcid));
  w.put_bytes(token);
  return w.pos();
}

std::size_t write_version_mismatch(std::span<std::byte> out, ConnectionId dcid) {
  Writer w(out);
  if (!w.fits(12)) return 0;
  w.start(Type::VersionMismatch);
  w.put(static_cast<std::uint64_t>(dcid));
  w.put(std::uint8_t{1});
  w.put(kVersion);
  return w.pos();
}

}  // namespace progmp::transport::packet
