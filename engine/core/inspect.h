// The engine's two pull interfaces: inventory and audit.
//
// Inventory: every component reports each of its containers (entries,
// approximate bytes, the bound it promises, if any) and its health counters
// through `void inventory(InventorySink&) const`. Counters of kind kInvariant
// must stay zero in a healthy engine (double closes, duplicate exits, skipped
// monitoring cycles, ...); kHealth counters are informational.
//
// Audit ("this should be gone"): every container keyed by an entity (plan id,
// position id, order id, exit-intent symbol, transaction hash, symbol, cache
// key) lists the keys it still holds through `void audit(AuditSink&) const`.
// The probes compare them with the entities the harness saw reach a terminal
// state; a key held past its grace period is residue.
//
// Probes read these; the engine never pushes and never depends on probes.
// Thread safety: components call the sink while holding their own locks, so a
// sink must not call back into the engine. Sinks are used from one thread at
// a time. The string_views passed are valid only during the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/core/clock.h"

namespace plateau::engine {

struct ContainerReport {
  std::string_view component;  // e.g. "plans"
  std::string_view container;  // e.g. "execution_locks"
  std::size_t entries = 0;
  std::size_t approx_bytes = 0;
  std::optional<std::size_t> bound_entries;  // the bound the component promises, if any
  // For a container whose entries come and go with the load (each arrives,
  // stays a while, leaves): the name of this component's health counter that
  // counts arrivals (cumulative, see CounterReport). Its entries are then
  // about arrival rate x time held (Little's law), so when the load's rate
  // drifts, so does the count, leak or not. The verdict judges such a
  // container per unit of load as well (docs/verdict.md, "Load that
  // drifts"). Empty: the container does not follow a load, or its owner
  // counts no arrivals.
  std::string_view arrivals;
};

enum class CounterKind : std::uint8_t {
  kInvariant,  // must stay zero: any non-zero value is a broken invariant
  kHealth,     // informational (cycles run, errors retried, ...)
};

struct CounterReport {
  std::string_view component;  // e.g. "paper"
  std::string_view name;       // e.g. "double_closes"
  std::uint64_t value = 0;
  CounterKind kind = CounterKind::kHealth;
};

class InventorySink {
 public:
  virtual ~InventorySink() = default;
  virtual void container(const ContainerReport& report) = 0;
  virtual void counter(const CounterReport& report) = 0;
};

enum class EntityKind : std::uint8_t {
  kPlan,
  kPosition,
  kOrder,
  kExitIntent,   // keyed by symbol
  kTransaction,  // keyed by transaction hash
  kSymbol,
  kCacheEntry,   // a BoundedCache key: judged by age against max_age
};

std::string_view to_string(EntityKind kind) noexcept;

struct AuditContainer {
  std::string_view component;
  std::string_view container;
  EntityKind kind = EntityKind::kCacheEntry;
  // For containers whose entries must not outlive an age (a cache's max TTL
  // plus its sweep interval): an entry stored longer ago is residue even
  // without a terminal event.
  std::optional<Duration> max_age;

  // Whether an entry stored at `stored_at` has outlived max_age at `now`
  // (false where either is unknown): the one rule every audit applies.
  bool past_max_age(std::optional<TimePoint> stored_at, TimePoint now) const noexcept {
    return max_age && stored_at && now - *stored_at > *max_age;
  }
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // One call per key the container holds. `stored_at` is when the entry was
  // inserted, where the container knows it.
  virtual void held(const AuditContainer& container, std::string_view key,
                    std::optional<TimePoint> stored_at) = 0;
};

}  // namespace plateau::engine
