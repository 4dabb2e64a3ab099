// ProbeRegistry: owns the probes and samples all of them in one call.
//
// sample_all(now) asks every probe, in the order they were added, for its
// values at `now` and returns one SampleBatch. The batch buffer is reused
// between calls (no allocation in steady state); copy what you keep. The
// cost target for one pass over the standard probes (inventory, allocator,
// process, cached audit residue) is <= 50 us (bench/probe_bench.cc).
//
// Thread safety: none; one thread (the harness's sampler) owns the registry.
// Invariants: every Sample in the last batch refers to a series of series().
// If a probe throws, the exception propagates with the probe's name
// prepended and the batch holds what was sampled before it.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/clock.h"
#include "probes/probe.h"
#include "probes/series.h"

namespace plateau::probes {

struct SampleBatch {
  engine::TimePoint at{};
  std::vector<Sample> samples;
};

class ProbeRegistry {
 public:
  ProbeRegistry() = default;
  ProbeRegistry(const ProbeRegistry&) = delete;
  ProbeRegistry& operator=(const ProbeRegistry&) = delete;

  // Takes ownership; returns the probe for the caller's further use.
  Probe& add(std::unique_ptr<Probe> probe);
  template <class P, class... Args>
  P& emplace(Args&&... args) {
    auto probe = std::make_unique<P>(std::forward<Args>(args)...);
    P& ref = *probe;
    add(std::move(probe));
    return ref;
  }

  // Samples every probe at `now`. The reference is valid until the next call.
  const SampleBatch& sample_all(engine::TimePoint now);

  const SampleBatch& last_batch() const noexcept { return batch_; }
  const SeriesTable& series() const noexcept { return table_; }
  const SeriesInfo& info(const Sample& sample) const { return table_.info(sample.series); }
  // The value of `name` in the last batch, if it was sampled (a linear scan:
  // for tests and reports, not for the sampling loop).
  std::optional<double> last_value(std::string_view name) const;
  std::size_t probe_count() const noexcept { return probes_.size(); }

 private:
  std::vector<std::unique_ptr<Probe>> probes_;
  SeriesTable table_;
  SampleBatch batch_;
};

}  // namespace plateau::probes
