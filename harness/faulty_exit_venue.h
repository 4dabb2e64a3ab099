// FaultyExitVenue: the production exit venue with injected failures.
//
// Wraps the Engine's RouterExitVenue. A share of exits fails before reaching
// the router — half of them refused (accepted = false), half by throwing —
// so the ExitManager's release-on-every-path (seed 004 H1) is exercised on
// both failure paths. Whether an exit fails is a pure function of (seed,
// symbol, instant), so it is deterministic and thread-safe. The ids of
// accepted exit orders are collected for the harness, which delivers their
// fills later (so the router sees them reach a terminal state).
//
// Thread safety: submit_exit may be called from any thread; take_submitted()
// from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/thread_annotations.h"
#include "engine/exec/exit_venue.h"

namespace plateau::harness {

struct SubmittedExit {
  engine::OrderId order_id;
  engine::ExitOrder order;
};

class FaultyExitVenue final : public engine::ExitVenue {
 public:
  FaultyExitVenue(std::unique_ptr<engine::ExitVenue> inner, double failure_share, std::uint64_t seed)
      : inner_(std::move(inner)), failure_share_(failure_share), seed_(seed) {}

  engine::ExitVenueResult submit_exit(const engine::ExitOrder& order, engine::TimePoint now) override;

  // The accepted exits since the last call.
  std::vector<SubmittedExit> take_submitted();

  std::uint64_t injected_refusals() const;
  std::uint64_t injected_exceptions() const;

 private:
  std::unique_ptr<engine::ExitVenue> inner_;
  const double failure_share_;
  const std::uint64_t seed_;
  mutable engine::Mutex mu_;
  std::vector<SubmittedExit> submitted_ GUARDED_BY(mu_);
  std::uint64_t refusals_ GUARDED_BY(mu_) = 0;
  std::uint64_t exceptions_ GUARDED_BY(mu_) = 0;
};

}  // namespace plateau::harness
