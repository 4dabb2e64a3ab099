// The engine's maintain schedule, grace periods and soak sizing, published
// for whoever drives it (the harness, the soak runner): one place for each
// cleanup fact.
//
// maintain_schedule() names every interval of the engine's periodic work by
// a key ("plans", "market", ...) with a getter and a setter on EngineConfig,
// so a driver can list, read and override them in a loop (a scenario's
// /maintain/<key>) without naming a config field. grace_period() says, for
// each way an entity ends, how long the engine's containers may still hold
// it, from the engine's own cleanup policy (TTLs, purge and sweep intervals)
// and the cadence at which the driver calls its periodic entry points
// (DriverCadence): the audit's residue deadline is the engine's promise, not
// the driver's guess. fit_histories_to_warm_up() sizes the history caps
// for a soak, since only the engine knows which containers fill towards a
// cap.
//
// Thread safety: pure functions over constant data and the values given;
// call from any thread. Invariants: keys are unique; set(c, d) then get(c)
// returns d (a key over several intervals sets them all and reads the
// longest); every interval is positive after set with a positive value.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/core/clock.h"
#include "engine/core/inspect.h"
#include "engine/engine_config.h"

namespace plateau::engine {

struct MaintainInterval {
  std::string_view key;          // e.g. "router"; a scenario's /maintain/<key>
  std::string_view description;  // one line: the periodic work it paces
  Duration (*get)(const EngineConfig&);
  void (*set)(EngineConfig&, Duration);
};

// Every interval of Engine::maintain's periodic work, each a cleanup that
// bounds a container (so a verdict window must span the longest).
std::span<const MaintainInterval> maintain_schedule() noexcept;
// The entry for `key`, or nullptr.
const MaintainInterval* find_maintain_interval(std::string_view key) noexcept;

// Raises any interval shorter than `maintain_tick` (how often the driver
// calls Engine::maintain) to the tick: work paced faster than it is called
// runs at the tick, and the audit allowances derived from the interval
// (the price cache's) must say so.
void fit_to_maintain_tick(EngineConfig& config, Duration maintain_tick);

// What a soak's warm-up delivers, for sizing the engine's history caps.
struct WarmUpShape {
  Duration warm_up{};
  double open_interest_points_per_symbol_per_s = 0;
  Duration longest_plan_life{};  // creation to expiry, at most
};

// History containers whose cap takes longer than the warm-up to fill would
// still be filling in the measured phase, and growth towards a cap reads as
// a trend. A soak therefore runs them with caps the warm-up fills: each
// candle timeframe keeps what the warm-up spans, open interest what the
// warm-up delivers per symbol, the paper trade log what the open cooldown
// lets through in a quarter of the warm-up (positions open well below the
// cooldown's most, as they also wait for max_positions and for closes), the
// plan store's terminal history what the warm-up spans beyond the longest
// plan life (at least a quarter of the warm-up; with the production day,
// pruning would never run within a soak), and the wallet's TTL-emptied
// caches a max TTL they reach within the warm-up (only when max TTL plus a
// sweep exceeds it: a one-hour warm-up keeps the 30-minute production TTL).
// Never above the values `config` holds (the production defaults unless set).
void fit_histories_to_warm_up(EngineConfig& config, const WarmUpShape& shape);

// How often the driver calls the engine's periodic entry points.
struct DriverCadence {
  Duration maintain{};     // Engine::maintain
  Duration plans_cycle{};  // AutoExecutor::begin_cycle / finish_cycle
  Duration paper_cycle{};  // PaperEngine::monitor_cycle
};

// The ways an entity ends that oblige the engine to forget it.
enum class EntityEnd : std::uint8_t {
  kPlanEnded,           // expired, executed, failed, cancelled, dropped
  kSymbolUnplanned,     // a symbol's last plan ended
  kPositionClosed,      // a paper, copy or portfolio position closed
  kOrderTerminal,       // filled, cancelled or rejected
  kTransactionHandled,  // a wallet transaction processed
  kExitIntentSettled,   // an exit succeeded or failed
  kSymbolDelisted,      // a symbol stopped trading and its positions closed
  kCount,
};

std::string_view to_string(EntityEnd end) noexcept;
// The audit kind of the entity (kSymbolUnplanned and kSymbolDelisted: kSymbol).
EntityKind entity_kind_of(EntityEnd end) noexcept;

// How long after `end` every container may still hold the entity under
// `config` when driven at `cadence`; past it, a holder is residue.
Duration grace_period(const EngineConfig& config, EntityEnd end, const DriverCadence& cadence);

}  // namespace plateau::engine
