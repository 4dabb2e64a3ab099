#include "engine/core/mutex.h"
#include "harness/faulty_exit_venue.h"

#include <stdexcept>

#include "harness/rng.h"

namespace plateau::harness {

engine::ExitVenueResult FaultyExitVenue::submit_exit(const engine::ExitOrder& order, engine::TimePoint now) {
  std::uint64_t key = fnv1a(order.symbol, seed_ ^ 0xe417ULL);
  key ^= static_cast<std::uint64_t>(now.time_since_epoch().count()) * 0x9e3779b97f4a7c15ULL;
  Rng draw(key);
  if (draw.uniform() < failure_share_) {
    const bool throw_it = draw.bernoulli(0.5);
    {
      engine::MutexLock lock(mu_);
      ++(throw_it ? exceptions_ : refusals_);
    }
    if (throw_it) throw std::runtime_error("injected venue exception for exit of " + order.symbol);
    return engine::ExitVenueResult{false, std::nullopt, "injected venue refusal for exit of " + order.symbol};
  }
  engine::ExitVenueResult result = inner_->submit_exit(order, now);
  if (result.accepted && result.order_id) {
    engine::MutexLock lock(mu_);
    submitted_.push_back(SubmittedExit{*result.order_id, order});
  }
  return result;
}

std::vector<SubmittedExit> FaultyExitVenue::take_submitted() {
  engine::MutexLock lock(mu_);
  std::vector<SubmittedExit> out;
  out.swap(submitted_);
  return out;
}

std::uint64_t FaultyExitVenue::injected_refusals() const {
  engine::MutexLock lock(mu_);
  return refusals_;
}

std::uint64_t FaultyExitVenue::injected_exceptions() const {
  engine::MutexLock lock(mu_);
  return exceptions_;
}

}  // namespace plateau::harness
