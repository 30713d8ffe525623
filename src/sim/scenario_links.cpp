// Conversions from scenario file units to link configuration (ns, bit/s).
#include <cmath>

#include "progmp/sim/scenario.hpp"

namespace progmp::sim {
namespace {
Duration from_ms(double ms) { return Duration::nanos(std::llround(ms * 1e6)); }
DataRate from_mbit(double mbit) { return DataRate::bits_per_second(static_cast<std::uint64_t>(std::llround(mbit * 1e6))); }
}  // namespace

LossModel LinkSpec::loss_model_value() const {
  if (loss_model == "gilbert") return LossModel::gilbert(gilbert_p, gilbert_r, loss, gilbert_loss_good);
  if (loss <= 0) return LossModel::none();
  return LossModel::bernoulli(loss);
}

LinkConfig LinkSpec::to_config() const {
  LinkConfig c;
  c.rate = from_mbit(rate_mbit);
  c.delay = from_ms(delay_ms);
  c.jitter = from_ms(jitter_ms);
  c.queue_pkts = queue_pkts;
  c.queue_bytes = Bytes(queue_bytes);
  c.loss = loss_model_value();
  return c;
}

LinkChange PathChange::to_link_change() const {
  LinkChange c;
  c.at = Instant::epoch() + Duration::nanos(std::llround(at_s * 1e9));
  if (rate_mbit) c.rate = from_mbit(*rate_mbit);
  if (delay_ms) c.delay = from_ms(*delay_ms);
  if (loss) c.loss = *loss > 0 ? LossModel::bernoulli(*loss) : LossModel::none();
  c.up = up;
  return c;
}

}  // namespace progmp::sim
