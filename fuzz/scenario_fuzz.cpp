// Scenario parser on arbitrary bytes: must return true or a positioned error, never crash or throw. Accepted
// scenarios also go through an override, which shares the value setters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "progmp/sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  progmp::sim::Scenario s;
  std::string err;
  if (progmp::sim::parse_scenario(text, "fuzz.toml", s, err)) {
    progmp::sim::apply_override(s, "path.0.delay_ms=20", err);
    for (const auto& p : s.paths) (void)p.forward.to_config();
  } else if (err.empty()) {
    __builtin_trap();  // a failure must always explain itself
  }
  return 0;
}
