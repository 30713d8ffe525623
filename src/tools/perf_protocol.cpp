#include "perf_protocol.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "progmp/transport/random.hpp"

namespace progmp::tools {

namespace {

using json = nlohmann::json;

constexpr std::pair<PerfRequest::Mode, std::string_view> kModes[] = {
    {PerfRequest::Mode::Upload, "upload"},
    {PerfRequest::Mode::Download, "download"},
    {PerfRequest::Mode::Requests, "requests"},
    {PerfRequest::Mode::Stream, "stream"},
};

}  // namespace

std::string_view mode_name(PerfRequest::Mode m) {
  for (const auto& [mode, name] : kModes)
    if (mode == m) return name;
  return "?";
}

std::string encode_request(const PerfRequest& r) {
  json j;
  j["mode"] = mode_name(r.mode);
  if (r.hash) j["hash"] = true;
  if (r.bytes) j["bytes"] = r.bytes;
  if (r.seconds > 0) j["seconds"] = r.seconds;
  if (r.mode == PerfRequest::Mode::Requests) {
    j["request_size"] = r.request_size;
    j["response_size"] = r.response_size;
  }
  if (!r.scheduler.empty()) j["scheduler"] = r.scheduler;
  if (!r.scheduler_source.empty()) j["scheduler_source"] = r.scheduler_source;
  if (!r.registers.empty()) j["registers"] = r.registers;
  return j.dump() + "\n";
}

std::optional<PerfRequest> parse_request(std::string_view line, std::string& error) {
  const json j = json::parse(line, nullptr, false);
  if (!j.is_object()) {
    error = "the request is not a JSON object";
    return std::nullopt;
  }
  PerfRequest r;
  try {
    const std::string mode = j.value("mode", std::string());
    bool known = false;
    for (const auto& [m, name] : kModes)
      if (name == mode) {
        r.mode = m;
        known = true;
      }
    if (!known) {
      error = "unknown mode '" + mode + "'";
      return std::nullopt;
    }
    r.hash = j.value("hash", false);
    r.bytes = j.value("bytes", std::uint64_t{0});
    r.seconds = j.value("seconds", 0.0);
    r.request_size = j.value("request_size", std::uint64_t{100});
    r.response_size = j.value("response_size", std::uint64_t{0});
    r.scheduler = j.value("scheduler", std::string());
    r.scheduler_source = j.value("scheduler_source", std::string());
    if (j.contains("registers")) r.registers = j["registers"].get<std::vector<std::pair<int, std::int64_t>>>();
  } catch (const json::exception& e) {
    error = std::string("malformed request: ") + e.what();
    return std::nullopt;
  }
  if (r.request_size == 0 || r.request_size > (1u << 20) || r.response_size > (1ull << 32) || r.seconds < 0 ||
      r.seconds > 86400) {
    error = "request sizes or duration out of range";
    return std::nullopt;
  }
  for (const auto& [k, v] : r.registers)
    if (k < 1 || k > 6) {
      error = "register R" + std::to_string(k) + " does not exist (R1..R6)";
      return std::nullopt;
    }
  return r;
}

std::string encode_report(const PerfReport& r) {
  return json{{"bytes", r.bytes}, {"sha256", r.sha256}, {"duration_s", r.duration_s}}.dump() + "\n";
}

std::optional<PerfReport> parse_report(std::string_view line) {
  const json j = json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  PerfReport r;
  r.bytes = j.value("bytes", std::uint64_t{0});
  r.sha256 = j.value("sha256", std::string());
  r.duration_s = j.value("duration_s", 0.0);
  return r;
}

std::string Sha256::hex() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_, digest);
  char text[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(text, sizeof text, digest, sizeof digest);
  return text;
}

FctSummary summarize_fct(std::vector<double> f) {
  FctSummary s;
  s.count = f.size();
  if (f.empty()) return s;
  std::sort(f.begin(), f.end());
  auto pct = [&](double q) { return f[std::min(f.size() - 1, static_cast<std::size_t>(q * static_cast<double>(f.size())))]; };
  for (double x : f) s.mean_ms += x / static_cast<double>(f.size());
  s.p50_ms = pct(0.5);
  s.p95_ms = pct(0.95);
  return s;
}

std::span<const std::byte> bulk_block() {
  static const std::vector<std::byte> block = [] {
    std::vector<std::byte> b(1 << 20);
    transport::SeededRandom random(0x70726f676d70);
    random.fill(b);
    return b;
  }();
  return block;
}

}  // namespace progmp::tools
