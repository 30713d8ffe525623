// The frame codec of wire.hpp: one frame parser, used by decode_frames(), by FrameRange and by the FrameWriter's
// check of each frame it writes, so the rules of the format exist in exactly one place.
#include "progmp/transport/wire.hpp"

#include <algorithm>
#include <type_traits>

namespace progmp::transport::wire {

namespace {

constexpr std::uint8_t kDataFin = 0x01;
constexpr std::uint8_t kDataPush = 0x02;
constexpr std::uint8_t kBackupFlag = 0x01;

constexpr std::size_t kDataFixedSize = 20;
constexpr std::size_t kAckFixedSize = 38;
constexpr std::size_t kSackBlockSize = 16;

constexpr std::string_view kMessages[] = {
    "a field extends past the end of the payload",
    "flag bits set that this version does not define",
    "packet has no frame",
    "unknown frame type",
    "DATA frame with length 0 and no FIN",
    "DATA length runs past the end of the datagram",
    "stream offset above 2^63-1",
    "ACK window end below its data ack",
    "ACK has more SACK blocks than allowed",
    "first SACK block starts at or below the cumulative ack",
    "SACK block with end at or below its start",
    "SACK block does not start after the end of the previous one",
    "subflow ID 0 (subflows are numbered from 1)",
};

constexpr std::string_view kErrorNames[] = {
    "truncated",
    "reserved_bits",
    "empty_payload",
    "unknown_frame_type",
    "zero_length_data",
    "length_beyond_datagram",
    "offset_overflow",
    "window_below_data_ack",
    "too_many_sack_blocks",
    "sack_below_cumulative",
    "sack_block_empty",
    "sack_out_of_order",
    "zero_subflow",
};
static_assert(std::size(kMessages) == static_cast<std::size_t>(DecodeErrorCode::ZeroSubflow) + 1);
static_assert(std::size(kErrorNames) == std::size(kMessages));

DecodeError error_at(DecodeErrorCode code, std::size_t offset) {
  return DecodeError{code, offset, kMessages[static_cast<std::size_t>(code)]};
}

using Result = std::optional<DecodeError>;

// Reads big-endian fields from a payload; a read past the end fails with Truncated at the field's first byte.
class Cursor {
 public:
  Cursor(std::span<const std::byte> bytes, std::size_t pos) : bytes_(bytes), pos_(pos) {}

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

  template <class T>
  Result read(T& out) {
    static_assert(std::is_unsigned_v<T>);
    if (remaining() < sizeof(T)) return error_at(DecodeErrorCode::Truncated, pos_);
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | std::to_integer<T>(bytes_[pos_ + i]));
    pos_ += sizeof(T);
    out = v;
    return std::nullopt;
  }

  std::span<const std::byte> take(std::size_t n) {  // precondition: n <= remaining()
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  bool at_zero_byte() const { return pos_ < bytes_.size() && bytes_[pos_] == std::byte{0}; }

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_;
};

#define PROGMP_WIRE_READ(cursor, field) \
  do {                                  \
    if (Result e = (cursor).read(field)) return e; \
  } while (0)

Result parse_data(Cursor& c, Data& d) {
  const std::size_t flags_at = c.pos();
  std::uint8_t flags = 0;
  PROGMP_WIRE_READ(c, flags);
  if (flags & ~(kDataFin | kDataPush)) return error_at(DecodeErrorCode::ReservedBits, flags_at);
  d.fin = (flags & kDataFin) != 0;
  d.push = (flags & kDataPush) != 0;
  PROGMP_WIRE_READ(c, d.subflow_seq);
  const std::size_t offset_at = c.pos();
  PROGMP_WIRE_READ(c, d.data_offset);
  if (d.data_offset > kMaxStreamOffset) return error_at(DecodeErrorCode::OffsetOverflow, offset_at);
  const std::size_t length_at = c.pos();
  std::uint16_t length = 0;
  PROGMP_WIRE_READ(c, length);
  if (length == 0 && !d.fin) return error_at(DecodeErrorCode::ZeroLengthData, length_at);
  if (length > c.remaining()) return error_at(DecodeErrorCode::LengthBeyondDatagram, length_at);
  // data_offset <= 2^63 − 1, so the sum cannot wrap.
  if (d.data_offset + length > kMaxStreamOffset) return error_at(DecodeErrorCode::OffsetOverflow, length_at);
  d.payload = c.take(length);
  return std::nullopt;
}

Result parse_ack(Cursor& c, Ack& a) {
  PROGMP_WIRE_READ(c, a.cumulative);
  const std::size_t data_ack_at = c.pos();
  PROGMP_WIRE_READ(c, a.data_ack);
  if (a.data_ack > kMaxStreamOffset) return error_at(DecodeErrorCode::OffsetOverflow, data_ack_at);
  const std::size_t window_at = c.pos();
  PROGMP_WIRE_READ(c, a.window_end);
  if (a.window_end > kMaxStreamOffset) return error_at(DecodeErrorCode::OffsetOverflow, window_at);
  if (a.window_end < a.data_ack) return error_at(DecodeErrorCode::WindowBelowDataAck, window_at);
  std::uint64_t echo = 0;
  PROGMP_WIRE_READ(c, echo);
  a.timestamp_echo = Instant::from_nanos(static_cast<std::int64_t>(echo));  // two's complement round trip
  PROGMP_WIRE_READ(c, a.ack_delay_us);
  const std::size_t count_at = c.pos();
  PROGMP_WIRE_READ(c, a.sack_count);
  if (a.sack_count > kMaxSackBlocks) return error_at(DecodeErrorCode::TooManySackBlocks, count_at);
  std::uint64_t previous_end = a.cumulative;
  for (std::size_t i = 0; i < a.sack_count; ++i) {
    SackBlock& b = a.sack[i];
    const std::size_t start_at = c.pos();
    PROGMP_WIRE_READ(c, b.start);
    if (b.start <= previous_end) {
      return error_at(i == 0 ? DecodeErrorCode::SackBelowCumulative : DecodeErrorCode::SackOutOfOrder, start_at);
    }
    const std::size_t end_at = c.pos();
    PROGMP_WIRE_READ(c, b.end);
    if (b.end <= b.start) return error_at(DecodeErrorCode::SackBlockEmpty, end_at);
    previous_end = b.end;
  }
  std::fill(a.sack.begin() + a.sack_count, a.sack.end(), SackBlock{});
  return std::nullopt;
}

Result parse_backup_flags(Cursor& c, bool& backup) {
  const std::size_t flags_at = c.pos();
  std::uint8_t flags = 0;
  PROGMP_WIRE_READ(c, flags);
  if (flags & ~kBackupFlag) return error_at(DecodeErrorCode::ReservedBits, flags_at);
  backup = (flags & kBackupFlag) != 0;
  return std::nullopt;
}

Result parse_subflow(Cursor& c, std::uint32_t& subflow) {
  const std::size_t at = c.pos();
  PROGMP_WIRE_READ(c, subflow);
  if (subflow == 0) return error_at(DecodeErrorCode::ZeroSubflow, at);
  return std::nullopt;
}

Result parse_code(Cursor& c, CloseCode& code) {
  std::uint32_t raw = 0;
  PROGMP_WIRE_READ(c, raw);
  code = static_cast<CloseCode>(raw);
  return std::nullopt;
}

// Parses the frame whose type byte is at `pos` (< bytes.size()) into `out` and sets `next` past it.
Result parse_frame(std::span<const std::byte> bytes, std::size_t pos, Frame& out, std::size_t& next) {
  Cursor c(bytes, pos);
  std::uint8_t type = 0;
  PROGMP_WIRE_READ(c, type);
  Result r;
  switch (static_cast<FrameType>(type)) {
    case FrameType::Padding: {
      Padding p;  // the type byte is the run's first zero
      while (c.at_zero_byte()) {
        c.take(1);
        ++p.length;
      }
      out = p;
      break;
    }
    case FrameType::Ping:
      out = Ping{};
      break;
    case FrameType::Data: {
      Data d;
      r = parse_data(c, d);
      out = d;
      break;
    }
    case FrameType::Ack: {
      // Parse in place: an Ack is 300 bytes, and the scratch frame is usually an Ack already.
      if (!std::holds_alternative<Ack>(out)) out = Ack{};
      r = parse_ack(c, std::get<Ack>(out));
      break;
    }
    case FrameType::Join: {
      Join j;
      r = parse_backup_flags(c, j.backup);
      if (!r) r = parse_subflow(c, j.subflow);
      out = j;
      break;
    }
    case FrameType::PathClose: {
      PathClose f;
      r = parse_subflow(c, f.subflow);
      if (!r) r = parse_code(c, f.code);
      out = f;
      break;
    }
    case FrameType::ConnectionClose: {
      ConnectionClose f;
      r = parse_code(c, f.code);
      out = f;
      break;
    }
    case FrameType::Backup: {
      Backup b;
      r = parse_backup_flags(c, b.backup);
      out = b;
      break;
    }
    case FrameType::Timestamp: {
      std::uint64_t raw = 0;
      r = c.read(raw);
      out = Timestamp{Instant::from_nanos(static_cast<std::int64_t>(raw))};
      break;
    }
    case FrameType::PathChallenge: {
      PathChallenge f;
      r = c.read(f.data);
      out = f;
      break;
    }
    case FrameType::PathResponse: {
      PathResponse f;
      r = c.read(f.data);
      out = f;
      break;
    }
    default:
      return error_at(DecodeErrorCode::UnknownFrameType, pos);
  }
  next = c.pos();
  return r;
}

#undef PROGMP_WIRE_READ

// Big-endian writes into a span the caller sized with encoded_size().
class Out {
 public:
  explicit Out(std::span<std::byte> s) : s_(s) {}
  template <class T>
  void put(T v) {
    static_assert(std::is_unsigned_v<T>);
    for (std::size_t i = 0; i < sizeof(T); ++i) s_[pos_ + i] = std::byte(v >> (8 * (sizeof(T) - 1 - i)) & 0xFF);
    pos_ += sizeof(T);
  }
  void put_bytes(std::span<const std::byte> b) {
    std::copy(b.begin(), b.end(), s_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ += b.size();
  }
  void put_zeros(std::size_t n) {
    std::fill_n(s_.begin() + static_cast<std::ptrdiff_t>(pos_), n, std::byte{0});
    pos_ += n;
  }

 private:
  std::span<std::byte> s_;
  std::size_t pos_ = 0;
};

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::uint8_t type_byte(FrameType t) { return static_cast<std::uint8_t>(t); }

void write_frame(Out& o, const Frame& frame) {
  std::visit(Overloaded{
                 [&](const Padding& p) { o.put_zeros(p.length); },
                 [&](const Ping&) { o.put(type_byte(FrameType::Ping)); },
                 [&](const Data& d) {
                   o.put(type_byte(FrameType::Data));
                   o.put(static_cast<std::uint8_t>((d.fin ? kDataFin : 0) | (d.push ? kDataPush : 0)));
                   o.put(d.subflow_seq);
                   o.put(d.data_offset);
                   o.put(static_cast<std::uint16_t>(d.payload.size()));
                   o.put_bytes(d.payload);
                 },
                 [&](const Ack& a) {
                   o.put(type_byte(FrameType::Ack));
                   o.put(a.cumulative);
                   o.put(a.data_ack);
                   o.put(a.window_end);
                   o.put(static_cast<std::uint64_t>(a.timestamp_echo.ns_since_epoch()));
                   o.put(a.ack_delay_us);
                   o.put(a.sack_count);
                   for (const SackBlock& b : a.sack_blocks()) {
                     o.put(b.start);
                     o.put(b.end);
                   }
                 },
                 [&](const Join& j) {
                   o.put(type_byte(FrameType::Join));
                   o.put(static_cast<std::uint8_t>(j.backup ? kBackupFlag : 0));
                   o.put(j.subflow);
                 },
                 [&](const PathClose& f) {
                   o.put(type_byte(FrameType::PathClose));
                   o.put(f.subflow);
                   o.put(static_cast<std::uint32_t>(f.code));
                 },
                 [&](const ConnectionClose& f) {
                   o.put(type_byte(FrameType::ConnectionClose));
                   o.put(static_cast<std::uint32_t>(f.code));
                 },
                 [&](const Backup& b) {
                   o.put(type_byte(FrameType::Backup));
                   o.put(static_cast<std::uint8_t>(b.backup ? kBackupFlag : 0));
                 },
                 [&](const PathChallenge& f) {
                   o.put(type_byte(FrameType::PathChallenge));
                   o.put(f.data);
                 },
                 [&](const PathResponse& f) {
                   o.put(type_byte(FrameType::PathResponse));
                   o.put(f.data);
                 },
                 [&](const Timestamp& t) {
                   o.put(type_byte(FrameType::Timestamp));
                   o.put(static_cast<std::uint64_t>(t.sent.ns_since_epoch()));
                 },
             },
             frame);
}

// Frames whose fields cannot even be represented on the wire.
bool representable(const Frame& frame) {
  if (const auto* p = std::get_if<Padding>(&frame)) return p->length >= 1;
  if (const auto* d = std::get_if<Data>(&frame)) return d->payload.size() <= kMaxDataLength;
  if (const auto* a = std::get_if<Ack>(&frame)) return a->sack_count <= kMaxSackBlocks;
  return true;
}

}  // namespace

bool operator==(const Data& a, const Data& b) {
  return a.subflow_seq == b.subflow_seq && a.data_offset == b.data_offset && a.fin == b.fin && a.push == b.push &&
         std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
}

bool Ack::add_sack(std::uint64_t start, std::uint64_t end) {
  if (sack_count >= kMaxSackBlocks) return false;
  sack[sack_count++] = SackBlock{start, end};
  return true;
}

bool operator==(const Ack& a, const Ack& b) {
  return a.cumulative == b.cumulative && a.data_ack == b.data_ack && a.window_end == b.window_end &&
         a.timestamp_echo == b.timestamp_echo && a.ack_delay_us == b.ack_delay_us &&
         std::ranges::equal(a.sack_blocks(), b.sack_blocks());
}

FrameType frame_type(const Frame& frame) { return static_cast<FrameType>(frame.index()); }

std::string_view frame_type_name(FrameType type) {
  switch (type) {
    case FrameType::Padding: return "PADDING";
    case FrameType::Ping: return "PING";
    case FrameType::Data: return "DATA";
    case FrameType::Ack: return "ACK";
    case FrameType::Join: return "JOIN";
    case FrameType::PathClose: return "PATH_CLOSE";
    case FrameType::ConnectionClose: return "CONNECTION_CLOSE";
    case FrameType::Backup: return "BACKUP";
    case FrameType::Timestamp: return "TIMESTAMP";
    case FrameType::PathChallenge: return "PATH_CHALLENGE";
    case FrameType::PathResponse: return "PATH_RESPONSE";
  }
  return "UNKNOWN";
}

std::size_t encoded_size(const Frame& frame) {
  return std::visit(Overloaded{
                        [](const Padding& p) { return p.length; },
                        [](const Ping&) { return std::size_t{1}; },
                        [](const Data& d) { return kDataFixedSize + d.payload.size(); },
                        [](const Ack& a) { return kAckFixedSize + kSackBlockSize * a.sack_count; },
                        [](const Join&) { return std::size_t{6}; },
                        [](const PathClose&) { return std::size_t{9}; },
                        [](const ConnectionClose&) { return std::size_t{5}; },
                        [](const Backup&) { return std::size_t{2}; },
                        [](const Timestamp&) { return kTimestampFrameSize; },
                        [](const PathChallenge&) { return std::size_t{9}; },
                        [](const PathResponse&) { return std::size_t{9}; },
                    },
                    frame);
}

std::string_view decode_error_name(DecodeErrorCode code) { return kErrorNames[static_cast<std::size_t>(code)]; }

std::string describe(const DecodeError& error) {
  return "wire: " + std::string(decode_error_name(error.code)) + " at byte " + std::to_string(error.offset) + ": " +
         std::string(error.message);
}

bool ack_eliciting(FrameType type) {
  switch (type) {
    case FrameType::Padding:
    case FrameType::Ack:
    case FrameType::Timestamp:
    case FrameType::ConnectionClose:
      return false;
    default:
      return true;
  }
}

DecodedFrames decode_frames(std::span<const std::byte> payload) {
  if (payload.empty()) return error_at(DecodeErrorCode::EmptyPayload, 0);
  Frame scratch;
  std::size_t pos = 0;
  while (pos < payload.size()) {
    std::size_t next = pos;
    if (Result e = parse_frame(payload, pos, scratch, next)) return *e;
    pos = next;
  }
  return FrameRange(payload);
}

FrameRange::iterator::iterator(std::span<const std::byte> bytes, std::size_t pos) : bytes_(bytes), pos_(pos) {
  load();
}

void FrameRange::iterator::load() {
  if (pos_ >= bytes_.size()) {
    pos_ = bytes_.size();
    return;
  }
  // The datagram was validated by decode(), so this cannot fail.
  (void)parse_frame(bytes_, pos_, frame_, next_);
}

FrameRange::iterator& FrameRange::iterator::operator++() {
  pos_ = next_;
  load();
  return *this;
}

std::optional<EncodeError> FrameWriter::append(const Frame& frame) {
  if (!representable(frame)) return EncodeError::InvalidFrame;
  const std::size_t n = encoded_size(frame);
  if (n > remaining()) return EncodeError::BufferTooSmall;
  Out o(buffer_.subspan(size_, n));
  write_frame(o, frame);
  // Let the parser judge the frame just written: one definition of validity for both directions.
  Frame check;
  std::size_t next = size_;
  if (parse_frame(buffer_.first(size_ + n), size_, check, next) || next != size_ + n) {
    return EncodeError::InvalidFrame;
  }
  size_ += n;
  return std::nullopt;
}

std::span<std::byte> FrameWriter::append_data(std::uint64_t subflow_seq, std::uint64_t data_offset,
                                              std::size_t length, bool fin, bool push) {
  // The same rules parse_data() enforces, checked on the fields (the payload is not written yet).
  if (length > kMaxDataLength || (length == 0 && !fin) || data_offset > kMaxStreamOffset ||
      data_offset + length > kMaxStreamOffset || kDataFixedSize + length > remaining()) {
    return {};
  }
  Out o(buffer_.subspan(size_, kDataFixedSize));
  o.put(type_byte(FrameType::Data));
  o.put(static_cast<std::uint8_t>((fin ? kDataFin : 0) | (push ? kDataPush : 0)));
  o.put(subflow_seq);
  o.put(data_offset);
  o.put(static_cast<std::uint16_t>(length));
  const std::span<std::byte> payload = buffer_.subspan(size_ + kDataFixedSize, length);
  size_ += kDataFixedSize + length;
  return payload;
}

}  // namespace progmp::transport::wire
