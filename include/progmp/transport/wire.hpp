// The frames of the transport's protected packets (wire format version 2) and their codec. A protected packet
// (packet.hpp) carries, after its header and inside its AEAD ciphertext, one or more frames; this file parses and
// writes that plaintext. All integers are big-endian and fixed-width; the format has no optional encodings, so every
// frame sequence has exactly one byte representation and encode(decode(p)) == p (the fuzz target checks this).
// docs/wire.md has the same diagrams.
//
// Frames, each introduced by a type byte (offsets relative to the type byte):
//
//   PADDING 0x00   a run of zero bytes; one frame per run. Makes probes and tests reach a given size.
//   PING    0x01   no body. Elicits an ACK (keep-alive, liveness and window probes).
//   DATA    0x02   0 type | 1 flags: FIN 0x01, PSH 0x02 | 2 subflow seq (64) | 10 data offset (64) | 18 length (16)
//                  | 20 payload. One packet of the sender's stream with its full data-level mapping (MPTCP DSS, one
//                  packet per mapping). Length 0 only with FIN (end of stream after all earlier bytes).
//   ACK     0x03   0 type | 1 cumulative (64) | 9 data ack (64) | 17 window end (64) | 25 timestamp echo (64)
//                  | 33 ack delay µs (32) | 37 SACK count (8) | 38 blocks: count × { start (64) | end (64) }.
//                  Acknowledges the peer's DATA frames on the path this packet travels on. Cumulative: the next
//                  subflow seq expected (all below received). SACK blocks: received subflow seq ranges [start, end)
//                  above it, ascending, disjoint and not adjacent (RFC 2018 semantics). Data ack: the next stream
//                  offset expected at the data level (MPTCP DATA_ACK). Window end: the stream offset just past the
//                  data-level receive window (flow control). Timestamp echo: the TIMESTAMP value of the packet that
//                  triggered this ACK, and ack delay: how long the receiver held it (RTT and one-way delay samples,
//                  runtime.md §15.1).
//   JOIN    0x04   0 type | 1 flags: BACKUP 0x01 | 2 subflow ID (32, ≥ 1). Opens the path this packet travels on for
//                  the given subflow (its number is the same on both ends). The packet is protected with the
//                  connection's keys, which binds the join to the connection; a PATH_CHALLENGE travels with it.
//   PATH_CLOSE 0x05 0 type | 1 subflow ID (32) | 5 code (32). The sender removes that subflow for good.
//   CONNECTION_CLOSE 0x06 0 type | 1 code (32). The sender closed the whole connection at once (abort, error).
//   BACKUP  0x07   0 type | 1 flags: BACKUP 0x01. The path this packet travels on is a backup (or not) for both
//                  ends' sending (MP_PRIO).
//   TIMESTAMP 0x08 0 type | 1 sender clock, ns (64). Echoed by the peer's ACK.
//   PATH_CHALLENGE 0x09 0 type | 1 data (64). Must be echoed in a PATH_RESPONSE on the same path (RFC 9000 §8.2).
//   PATH_RESPONSE  0x0A 0 type | 1 data (64).
//
// Limits and why: DATA length is 16 bits because a UDP payload is below 64 KiB. At most kMaxSackBlocks blocks per
// ACK: 16 blocks (256 bytes) keep an ACK far below any path MTU, and more holes are reported by later ACKs, as TCP
// does with its 3–4 blocks (RFC 2018 §4). Stream offsets (data offset + length, data ack, window end) stay within
// 2^63 − 1, the value runtime.md §15.1 uses for "unlimited window", so they fit the runtime's signed integers.
//
// Error contract: decode_frames() never reads outside its input and never allocates. It validates the whole payload
// before returning any frame, so a receiver never acts on half of a malformed packet. A DecodeError names the first
// field, in byte order, at which the input stopped being a valid prefix of some frame sequence: its code and the
// offset of that field's first byte within the payload (for a check across fields, the later field). The writer
// refuses frames the decoder would reject (it checks each frame by decoding it); a refused frame leaves the payload
// unchanged.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "progmp/transport/ids.hpp"
#include "progmp/transport/units.hpp"

namespace progmp::transport::wire {

inline constexpr std::size_t kMaxSackBlocks = 16;
inline constexpr std::size_t kMaxDataLength = 0xFFFF;
inline constexpr std::uint64_t kMaxStreamOffset = (std::uint64_t{1} << 63) - 1;
inline constexpr std::size_t kDataFrameOverhead = 20;  // DATA frame bytes besides its payload
inline constexpr std::size_t kTimestampFrameSize = 9;

enum class FrameType : std::uint8_t {
  Padding = 0x00,
  Ping = 0x01,
  Data = 0x02,
  Ack = 0x03,
  Join = 0x04,
  PathClose = 0x05,
  ConnectionClose = 0x06,
  Backup = 0x07,
  Timestamp = 0x08,
  PathChallenge = 0x09,
  PathResponse = 0x0A,
};

// PATH_CLOSE and CONNECTION_CLOSE codes. Any 32-bit value decodes (a newer peer may send codes this version does
// not name).
enum class CloseCode : std::uint32_t {
  NoError = 0,
  ProtocolViolation = 1,  // the peer sent something this side rejects (e.g. a DecodeError in a protected packet)
  FlowControl = 2,        // data beyond the advertised window
  JoinRejected = 3,       // too many paths (runtime.md §3.2: at most 32 available), or an unknown subflow
  Internal = 4,
  IdleTimeout = 5,
  ApplicationAbort = 6,
  NotAllowed = 7,         // the server does not accept this client's key
  ServerBusy = 8,         // the server is at its connection limit
};

struct Padding {
  std::size_t length = 1;  // bytes in the run, ≥ 1
  friend bool operator==(const Padding&, const Padding&) = default;
};

struct Ping {
  friend bool operator==(const Ping&, const Ping&) = default;
};

struct Data {
  std::uint64_t subflow_seq = 0;
  std::uint64_t data_offset = 0;        // stream offset of the first payload byte
  std::span<const std::byte> payload;   // decoded: points into the payload, no copy
  bool fin = false;
  bool push = false;
  // Compares payload contents, not addresses.
  friend bool operator==(const Data& a, const Data& b);
};

struct SackBlock {
  std::uint64_t start = 0;  // first received subflow seq
  std::uint64_t end = 0;    // one past the last
  friend bool operator==(const SackBlock&, const SackBlock&) = default;
};

struct Ack {
  std::uint64_t cumulative = 0;
  std::uint64_t data_ack = 0;
  std::uint64_t window_end = 0;
  Instant timestamp_echo;
  std::uint32_t ack_delay_us = 0;
  std::uint8_t sack_count = 0;
  std::array<SackBlock, kMaxSackBlocks> sack{};  // the first sack_count entries are meaningful

  std::span<const SackBlock> sack_blocks() const { return {sack.data(), sack_count}; }
  // Appends a block; false if kMaxSackBlocks are already there.
  bool add_sack(std::uint64_t start, std::uint64_t end);
  // Compares the meaningful blocks only.
  friend bool operator==(const Ack& a, const Ack& b);
};

struct Join {
  std::uint32_t subflow = 1;
  bool backup = false;
  friend bool operator==(const Join&, const Join&) = default;
};

struct PathClose {
  std::uint32_t subflow = 1;
  CloseCode code = CloseCode::NoError;
  friend bool operator==(const PathClose&, const PathClose&) = default;
};

struct ConnectionClose {
  CloseCode code = CloseCode::NoError;
  friend bool operator==(const ConnectionClose&, const ConnectionClose&) = default;
};

struct Backup {
  bool backup = false;
  friend bool operator==(const Backup&, const Backup&) = default;
};

struct Timestamp {
  Instant sent;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

struct PathChallenge {
  std::uint64_t data = 0;
  friend bool operator==(const PathChallenge&, const PathChallenge&) = default;
};

struct PathResponse {
  std::uint64_t data = 0;
  friend bool operator==(const PathResponse&, const PathResponse&) = default;
};

// Alternatives in FrameType order.
using Frame = std::variant<Padding, Ping, Data, Ack, Join, PathClose, ConnectionClose, Backup, Timestamp,
                           PathChallenge, PathResponse>;

FrameType frame_type(const Frame& frame);
std::string_view frame_type_name(FrameType type);  // "PADDING", "PING", "DATA", ...
// Bytes the frame takes on the wire (Data: 20 + payload; Ack: 38 + 16 per block; Padding: its length).
std::size_t encoded_size(const Frame& frame);
// True for frames that oblige the receiver to acknowledge the packet (all but ACK, PADDING, TIMESTAMP and
// CONNECTION_CLOSE), as RFC 9000 §13.2.1 defines "ack-eliciting".
bool ack_eliciting(FrameType type);

// ---- decoding ----------------------------------------------------------------------------------------------------

enum class DecodeErrorCode : std::uint8_t {
  Truncated,             // a field extends past the end of the payload
  ReservedBits,          // a flags byte has bits this version does not define
  EmptyPayload,          // no frame at all
  UnknownFrameType,      // a type byte outside 0x00..0x0A
  ZeroLengthData,        // DATA with length 0 and no FIN
  LengthBeyondDatagram,  // DATA length larger than the bytes that follow
  OffsetOverflow,        // a stream offset (data offset + length, data ack, window end) above kMaxStreamOffset
  WindowBelowDataAck,    // ACK window end below its data ack
  TooManySackBlocks,     // SACK count above kMaxSackBlocks
  SackBelowCumulative,   // the first SACK block starts at or below the cumulative ack
  SackBlockEmpty,        // a SACK block with end <= start
  SackOutOfOrder,        // a SACK block starts at or below the end of the previous one (unsorted, overlapping or
                         // adjacent)
  ZeroSubflow,           // JOIN or PATH_CLOSE naming subflow 0
};

struct DecodeError {
  DecodeErrorCode code = DecodeErrorCode::Truncated;
  std::size_t offset = 0;    // payload offset of the first byte of the offending field
  std::string_view message;  // static text describing the code
  friend bool operator==(const DecodeError& a, const DecodeError& b) {
    return a.code == b.code && a.offset == b.offset;
  }
};

std::string_view decode_error_name(DecodeErrorCode code);  // "truncated", "reserved_bits", ...
// "wire: truncated at byte 17: a field extends past the end of the payload"
std::string describe(const DecodeError& error);

class DecodedFrames;

// The frames of a validated payload, parsed lazily in order (input forward range). Iterating never fails.
class FrameRange {
 public:
  class iterator {
   public:
    using value_type = Frame;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    const Frame& operator*() const { return frame_; }
    const Frame* operator->() const { return &frame_; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.pos_ == b.pos_; }

   private:
    friend class FrameRange;
    iterator(std::span<const std::byte> bytes, std::size_t pos);
    void load();
    std::span<const std::byte> bytes_;  // the whole payload
    std::size_t pos_ = 0;               // offset of the current frame, bytes_.size() at the end
    std::size_t next_ = 0;
    Frame frame_;
  };

  FrameRange() = default;
  iterator begin() const { return iterator(bytes_, 0); }
  iterator end() const { return iterator(bytes_, bytes_.size()); }
  std::span<const std::byte> bytes() const { return bytes_; }

 private:
  friend DecodedFrames decode_frames(std::span<const std::byte> payload);
  // Only decode_frames() makes one, over bytes it has validated.
  explicit FrameRange(std::span<const std::byte> payload) : bytes_(payload) {}
  std::span<const std::byte> bytes_;
};

// Either a FrameRange or a DecodeError.
class DecodedFrames {
 public:
  DecodedFrames(FrameRange f) : v_(f) {}      // NOLINT(google-explicit-constructor): a result type
  DecodedFrames(DecodeError e) : v_(e) {}     // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const FrameRange& frames() const { return std::get<FrameRange>(v_); }  // precondition: ok()
  const DecodeError& error() const { return std::get<DecodeError>(v_); }  // precondition: !ok()

 private:
  std::variant<FrameRange, DecodeError> v_;
};

// Validates the plaintext of a protected packet completely (see the error contract above). The result's spans point
// into `payload`, which must outlive them.
DecodedFrames decode_frames(std::span<const std::byte> payload);

// ---- encoding ----------------------------------------------------------------------------------------------------

enum class EncodeError : std::uint8_t {
  BufferTooSmall,  // the frame does not fit in what is left of the buffer
  InvalidFrame,    // the decoder would reject this frame (see DecodeErrorCode), or a payload above 64 KiB
};

// Writes frames into a caller-provided buffer (the plaintext area of a packet), without allocating.
class FrameWriter {
 public:
  explicit FrameWriter(std::span<std::byte> buffer) : buffer_(buffer) {}

  // Appends the frame, or says why not and leaves size() and bytes() unchanged (the buffer past size() is scratch).
  std::optional<EncodeError> append(const Frame& frame);
  // Appends a DATA frame whose `length` payload bytes the caller writes into the returned span afterwards (saves a
  // copy on the send path). Empty span and nothing appended if it does not fit or is invalid (length 0 without FIN,
  // or an offset overflow).
  std::span<std::byte> append_data(std::uint64_t subflow_seq, std::uint64_t data_offset, std::size_t length, bool fin,
                                   bool push);

  std::size_t size() const { return size_; }
  std::size_t remaining() const { return buffer_.size() - size_; }
  std::span<const std::byte> bytes() const { return buffer_.first(size_); }

 private:
  std::span<std::byte> buffer_;
  std::size_t size_ = 0;
};

}  // namespace progmp::transport::wire
