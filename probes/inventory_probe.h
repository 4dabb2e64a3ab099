// InventoryProbe: turns the engine's inventory pull interface into series.
//
// Each pass calls the given `void(engine::InventorySink&)` callable (usually
// `[&](auto& sink) { engine.inventory(sink); }`) and publishes
//   inventory.<component>.<container>.entries  (bound = bound_entries;
//       SeriesInfo::arrivals = health.<component>.<arrivals> when the
//       container names its arrivals counter)
//   inventory.<component>.<container>.bytes    (approximate heap bytes)
//   invariant.<component>.<counter>             (CounterKind::kInvariant)
//   health.<component>.<counter>                (CounterKind::kHealth)
// Series ids are remembered by report position: a component that reports the
// same containers in the same order every pass costs two string compares per
// report and no allocation; a new or reordered report falls back to a hash
// lookup and then to interning the name once.
//
// Thread safety: sampled from one thread; the callable must be safe to call
// while the engine runs (the engine's inventory() takes its own locks).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/core/inspect.h"
#include "probes/probe.h"

namespace plateau::probes {

using InventorySource = std::function<void(engine::InventorySink&)>;

class InventoryProbe final : public Probe {
 public:
  explicit InventoryProbe(InventorySource source);
  std::string_view name() const noexcept override { return "inventory"; }
  void sample(engine::TimePoint now, SampleWriter& out) override;

 private:
  class Sink;
  struct Slot {  // what the report at one position resolved to last pass
    std::string component;
    std::string item;  // container or counter name
    bool is_counter = false;
    engine::CounterKind kind = engine::CounterKind::kHealth;  // containers: kHealth
    SeriesId first = 0;                                       // .entries, or the counter's series
    SeriesId second = 0;                                      // .bytes (containers only)
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  // `arrivals`: a container's ContainerReport::arrivals, read when its
  // series are first interned.
  const Slot& resolve(std::size_t position, std::string_view component, std::string_view item,
                      bool is_counter, engine::CounterKind kind, SampleWriter& out,
                      std::string_view arrivals = {});

  InventorySource source_;
  std::vector<Slot> slots_;
  // "c|" (container), "i|" / "h|" (counter) + component + '\x1f' + item.
  std::unordered_map<std::string, Slot, KeyHash, std::equal_to<>> known_;
  std::string key_buffer_;
};

}  // namespace plateau::probes
