// What `progmp connect` asks of `progmp serve` on each connection (private to tools): the first line the client
// sends is a JSON object, the request; everything after it is the mode's data.
//
//   {"mode":"upload","hash":true}                 the client sends until it ends its stream; the server answers
//                                                 with a report line {"bytes":N,"sha256":"…","duration_s":x} and
//                                                 ends its stream
//   {"mode":"download","bytes":N,"seconds":S}     the server sends N bytes, or for S seconds, then ends its stream
//   {"mode":"requests","request_size":100,"response_size":B}
//                                                 each request_size bytes the client sends are answered by
//                                                 response_size bytes, until the client ends its stream
//   {"mode":"stream"}                             netcat: both sides copy stdin to the stream and the stream to
//                                                 stdout
// The server answers every request with one line, {"ok":true} or {"error":"why"} (then it ends the stream), before
// any data of the mode. Optional in every request: "scheduler" (a library name for the server's own sending), "scheduler_source" (a
// program; the server accepts it only with --allow-client-schedulers), "registers" ([[k, value], …]).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sodium.h>

namespace progmp::tools {

struct PerfRequest {
  enum class Mode { Upload, Download, Requests, Stream };
  Mode mode = Mode::Upload;
  bool hash = false;
  std::uint64_t bytes = 0;
  double seconds = 0;
  std::uint64_t request_size = 100;
  std::uint64_t response_size = 0;
  std::string scheduler;
  std::string scheduler_source;
  std::vector<std::pair<int, std::int64_t>> registers;
};

inline constexpr std::size_t kMaxRequestLine = 1 << 20;  // a request with a scheduler program fits

std::string encode_request(const PerfRequest& r);  // one line, '\n'-terminated
std::optional<PerfRequest> parse_request(std::string_view line, std::string& error);
std::string_view mode_name(PerfRequest::Mode m);

struct PerfReport {
  std::uint64_t bytes = 0;
  std::string sha256;
  double duration_s = 0;
};
std::string encode_report(const PerfReport& r);
std::optional<PerfReport> parse_report(std::string_view line);

// Flow completion times of a request mode, summarised as both transports report them.
struct FctSummary {
  std::size_t count = 0;
  double mean_ms = 0, p50_ms = 0, p95_ms = 0;
};
FctSummary summarize_fct(std::vector<double> fct_ms);

// SHA-256 of a stream (libsodium).
class Sha256 {
 public:
  Sha256() { crypto_hash_sha256_init(&state_); }
  void update(std::span<const std::byte> bytes) {
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  }
  std::string hex();  // finishes: call once

 private:
  crypto_hash_sha256_state state_;
};

// 1 MiB of pseudo-random bytes repeated: what bulk modes send (not compressible, costs nothing per byte).
std::span<const std::byte> bulk_block();

}  // namespace progmp::tools
