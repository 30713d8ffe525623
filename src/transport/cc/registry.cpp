// The name → constructor table of congestion controllers; see registry.hpp.
#include "progmp/transport/cc/registry.hpp"

#include <array>

#include "progmp/transport/cc/cubic.hpp"
#include "progmp/transport/cc/lia.hpp"
#include "progmp/transport/cc/olia.hpp"
#include "progmp/transport/cc/reno.hpp"

namespace progmp::transport::cc {

namespace {

struct Entry {
  std::string_view name;
  std::unique_ptr<Controller> (*make)(Bytes mss);
};

template <class T>
std::unique_ptr<Controller> construct(Bytes mss) {
  return std::make_unique<T>(mss);
}

constexpr std::array<Entry, 4> kEntries{{
    {"reno", &construct<NewReno>},
    {"cubic", &construct<Cubic>},
    {"lia", &construct<Lia>},
    {"olia", &construct<Olia>},
}};

constexpr std::array<std::string_view, kEntries.size()> kNames{kEntries[0].name, kEntries[1].name,
                                                               kEntries[2].name, kEntries[3].name};

}  // namespace

std::span<const std::string_view> controller_names() { return kNames; }

std::unique_ptr<Controller> make_controller(std::string_view name, Bytes mss, std::string* error) {
  if (mss == Bytes(0)) {
    if (error) *error = "congestion controller needs an MSS of at least 1 byte";
    return nullptr;
  }
  for (const Entry& e : kEntries) {
    if (e.name == name) return e.make(mss);
  }
  if (error) {
    std::string known;
    for (std::string_view n : kNames) known += (known.empty() ? "" : ", ") + std::string(n);
    *error = "unknown congestion controller '" + std::string(name) + "' (known: " + known + ")";
  }
  return nullptr;
}

}  // namespace progmp::transport::cc
