// Loss processes; the formulas are in loss_model.hpp.
#include "progmp/sim/loss_model.hpp"

namespace progmp::sim {

double LossModel::stationary_loss() const {
  switch (kind) {
    case Kind::None: return 0;
    case Kind::Bernoulli: return p;
    case Kind::GilbertElliott:
      if (p + r <= 0) return loss_good;  // never leaves Good
      return (p * loss_bad + r * loss_good) / (p + r);
  }
  return 0;
}

bool LossProcess::lose() {
  switch (model_.kind) {
    case LossModel::Kind::None: return false;
    case LossModel::Kind::Bernoulli: return rng_.bernoulli(model_.p);
    case LossModel::Kind::GilbertElliott:
      bad_ = bad_ ? !rng_.bernoulli(model_.r) : rng_.bernoulli(model_.p);
      return rng_.bernoulli(bad_ ? model_.loss_bad : model_.loss_good);
  }
  return false;
}

}  // namespace progmp::sim
