// Random packet loss: none, Bernoulli (independent, probability p) or Gilbert-Elliott (two-state Markov chain).
// LossModel is the plain configuration; LossProcess is its per-link state plus the link's own Rng stream.
//
// Gilbert-Elliott: before each packet the chain moves Good→Bad with probability p and Bad→Good with probability r,
// then the packet is lost with loss_bad (in Bad) or loss_good (in Good). Stationary P(Bad) = p / (p + r), so the
// long-run loss rate is (p·loss_bad + r·loss_good) / (p + r).
#pragma once

#include "progmp/sim/rng.hpp"

namespace progmp::sim {

struct LossModel {
  enum class Kind { None, Bernoulli, GilbertElliott };
  Kind kind = Kind::None;
  double p = 0;          // Bernoulli: loss probability; Gilbert-Elliott: P(Good→Bad)
  double r = 0;          // Gilbert-Elliott: P(Bad→Good)
  double loss_bad = 1;   // Gilbert-Elliott: loss probability in Bad
  double loss_good = 0;  // Gilbert-Elliott: loss probability in Good

  static LossModel none() { return {}; }
  static LossModel bernoulli(double p) { return {Kind::Bernoulli, p, 0, 1, 0}; }
  static LossModel gilbert(double p, double r, double loss_bad = 1, double loss_good = 0) {
    return {Kind::GilbertElliott, p, r, loss_bad, loss_good};
  }
  // The long-run loss rate this model produces.
  double stationary_loss() const;
};

class LossProcess {
 public:
  LossProcess(LossModel model, Rng rng) : model_(model), rng_(rng) {}
  // Changing the model keeps the chain state and the random stream.
  void set_model(LossModel model) { model_ = model; }
  const LossModel& model() const { return model_; }
  // Advances the process by one packet; true if that packet is lost.
  bool lose();

 private:
  LossModel model_;
  Rng rng_;
  bool bad_ = false;
};

}  // namespace progmp::sim
