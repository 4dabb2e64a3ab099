// Probe: one source of named series, sampled at a given (virtual) instant.
//
// A probe interns its series through the SampleWriter (once; keep the ids)
// and then writes one value per series per pass with put(). Probes never
// read the clock: the instant comes from the caller (the harness's virtual
// or wall clock). Expected failures (an unreadable /proc file, a mallctl
// error) are thrown as std::runtime_error naming what failed and why.
//
// Thread safety: a probe is sampled from one thread at a time (the
// registry's caller); what it reads (engine pull interfaces, allocator
// statistics, /proc) is safe to read while other threads run.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "engine/core/clock.h"
#include "probes/series.h"

namespace plateau::probes {

// What a probe writes through: the registry's series table and the current
// batch's sample buffer (reused between passes, so put() does not allocate in
// steady state).
class SampleWriter {
 public:
  SampleWriter(SeriesTable& table, std::vector<Sample>& samples) noexcept
      : table_(table), samples_(samples) {}

  SeriesId intern(std::string_view name, std::string_view unit, std::string_view component,
                  SeriesFamily family, SeriesRole role = SeriesRole::kJudged, bool never_zero = false,
                  std::string_view arrivals = {}) {
    return table_.intern(name, unit, component, family, role, never_zero, arrivals);
  }
  void put(SeriesId series, double value, std::optional<double> bound = std::nullopt) {
    samples_.push_back(Sample{series, value, bound});
  }

 private:
  SeriesTable& table_;
  std::vector<Sample>& samples_;
};

class Probe {
 public:
  virtual ~Probe() = default;
  // A short name for messages, e.g. "inventory", "alloc.jemalloc", "process".
  virtual std::string_view name() const noexcept = 0;
  virtual void sample(engine::TimePoint now, SampleWriter& out) = 0;
};

}  // namespace plateau::probes
