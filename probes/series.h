// Series: the named time series every probe writes into, and their table.
//
// A series is identified by a stable, documented name (see docs/probes.md):
// `inventory.<component>.<container>.entries|bytes`, `alloc.*`, `process.*`,
// `invariant.<component>.<counter>`, `health.<component>.<counter>` and
// `invariant.residue.<component>.<container>`. Names are interned once in a
// SeriesTable and samples carry only a small SeriesId, so a sampling pass
// builds no strings once every series has been seen.
//
// Thread safety: none; a SeriesTable belongs to one ProbeRegistry and is used
// from the sampling thread only. Invariants: ids are dense indices, never
// reused; a name maps to exactly one id, unit and family for the table's life
// (re-interning a name with another unit or family throws std::logic_error),
// and SeriesInfo references stay valid as the table grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace plateau::probes {

using SeriesId = std::uint32_t;

enum class SeriesFamily : std::uint8_t {
  kInventory,  // inventory.*: entries and bytes per engine container
  kAllocator,  // alloc.*
  kProcess,    // process.*
  kInvariant,  // invariant.<component>.<counter>: must stay zero
  kHealth,     // health.<component>.<counter>: informational
  kResidue,    // invariant.residue.<component>.<container>: must stay zero
};

std::string_view to_string(SeriesFamily family) noexcept;

// True for the families whose every non-zero value is a broken invariant.
constexpr bool must_stay_zero(SeriesFamily family) noexcept {
  return family == SeriesFamily::kInvariant || family == SeriesFamily::kResidue;
}

// Whether the verdict judges a series, said by the probe that publishes it:
// context series are recorded and shown (series.csv, charts) but never
// judged — figures that grow in steps by nature (address space an allocator
// keeps for reuse, a high-water mark), raw readings a judged figure is
// derived from, and plateau's own memory.
enum class SeriesRole : std::uint8_t { kJudged, kContext };

struct SeriesInfo {
  std::string name;       // e.g. "inventory.plans.execution_locks.entries"
  std::string unit;       // "entries", "bytes", "keys", "count", "fds", "threads"
  std::string component;  // engine component, or "allocator" / "process"
  SeriesFamily family = SeriesFamily::kInventory;
  SeriesRole role = SeriesRole::kJudged;
  // Said by the probe: a figure a live process never has at 0 (its resident
  // set, the bytes its allocator has handed out, its threads). A measured
  // phase that reads 0 throughout measured nothing -- a probe that failed
  // quietly, a subtraction clamped at 0 -- and the verdict calls the run
  // inconclusive rather than bounded (soak/verdict SeriesInput::never_zero).
  bool never_zero = false;
  // Said by the probe: the series counting arrivals into this one
  // (engine::ContainerReport::arrivals, as a health.* name), when its owner
  // said its entries follow a load; empty otherwise. The verdict reads the
  // load's rate from it (SeriesInput::arrivals).
  std::string arrivals;
};

// One value of one series at the registry's sampling instant.
struct Sample {
  SeriesId series = 0;
  double value = 0;
  std::optional<double> bound;  // the bound declared for this series, if any
};

class SeriesTable {
 public:
  // Returns the id of `name`, creating the series on first use.
  SeriesId intern(std::string_view name, std::string_view unit, std::string_view component,
                  SeriesFamily family, SeriesRole role = SeriesRole::kJudged, bool never_zero = false,
                  std::string_view arrivals = {});
  std::optional<SeriesId> find(std::string_view name) const;
  const SeriesInfo& info(SeriesId id) const { return series_.at(id); }
  std::size_t size() const noexcept { return series_.size(); }

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::deque<SeriesInfo> series_;
  std::unordered_map<std::string, SeriesId, NameHash, std::equal_to<>> by_name_;
};

}  // namespace plateau::probes
