// Portfolio: the single source of truth for live positions and their
// protection orders (seed 004 H2/H3: no second, legacy copy to drift apart).
//
// One Position per symbol. Fills move the signed quantity (buy +, sell -):
// a fill in the position's direction grows it and re-weights the average
// price; an opposite fill shrinks it at the unchanged average price, closes
// it when the quantity reaches zero, and opens a new position (new id) with
// the remainder when it crosses zero. A reduce-only fill (an exit order's)
// never opens or flips a position: it is clamped to what is held and ignored
// when nothing is, so an exit order that fills after the exit already closed
// the position cannot open a phantom short.
//
// Audit: container "positions" (component "portfolio") lists live positions
// by PositionId ("<symbol>#<session><n>", see position.h), EntityKind::kPosition,
// stored_at = opened_at. A closed position's id is gone at once. `session`
// (empty by default) keeps ids unique across processes: a restarted engine
// counts from 1 again, and without a new session its ids would repeat the
// previous process's (see EngineConfig::id_session).
//
// Thread safety: every method may be called from any thread; one mutex guards
// all state. The change listener is called after the mutex is released, on
// the thread that made the change, so it may call back into the Portfolio
// (e.g. PrioritySymbols refreshing its cache).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/portfolio/position.h"

namespace plateau::engine {

enum class FillEffect : std::uint8_t {
  kAny,         // may open, grow, shrink, close or flip a position
  kReduceOnly,  // may only shrink or close; clamped to the held quantity
};

struct FillResult {
  bool applied = false;  // false: a reduce-only fill with nothing to reduce
  bool opened = false;   // a new position was opened (also on a flip)
  bool closed = false;   // a position was closed (also on a flip)
  std::optional<PositionId> closed_id;
  std::optional<PositionId> position_id;  // the live position after the fill, if any
  Fixed qty_after;                        // signed quantity held after the fill
};

class Portfolio {
 public:
  // Called with the symbol after every applied fill, reduce and close.
  using ChangeListener = std::function<void(const Symbol&)>;

  Portfolio() = default;
  // Position ids become "<symbol>#<id_session><n>".
  explicit Portfolio(std::string id_session) : id_session_(std::move(id_session)) {}
  Portfolio(const Portfolio&) = delete;
  Portfolio& operator=(const Portfolio&) = delete;

  // Sets the one listener (replacing any earlier one). Set it before the
  // Portfolio is shared between threads.
  void set_change_listener(ChangeListener listener);

  // Applies one execution. Throws std::invalid_argument naming the field and
  // value when the symbol is empty or qty/price is not positive.
  FillResult apply_fill(const Symbol& symbol, Side side, Fixed qty, Fixed price, TimePoint now,
                        FillEffect effect = FillEffect::kAny);

  // Shrinks the position by `qty` (a positive amount, in either direction) at
  // the unchanged average price; closes it when nothing remains. Returns the
  // position as it is afterwards, nullopt when it was closed or never held.
  // Throws std::invalid_argument when qty is not positive or exceeds what is held.
  std::optional<Position> reduce(const Symbol& symbol, Fixed qty, TimePoint now);

  // Removes the position; returns it as it was, nullopt when none was held.
  std::optional<Position> close(const Symbol& symbol);

  // Replaces the protection of a held position; `last_switch_at` is set to
  // `now` when the active protection type changes (the caller's value is
  // ignored). Returns false when no position is held for the symbol.
  bool set_protection(const Symbol& symbol, const Protection& protection, TimePoint now);
  // Sets (or, with an empty value, erases) one meta annotation. False when no position.
  bool set_meta(const Symbol& symbol, const std::string& key, const std::string& value);
  // Marks a held position kOpen or kClosing. False when no position.
  bool set_state(const Symbol& symbol, PositionState state);

  std::optional<Position> get(const Symbol& symbol) const;
  bool holds(const Symbol& symbol) const;
  std::vector<Symbol> symbols() const;  // sorted
  std::size_t size() const;

  std::uint64_t fills_applied() const;
  std::uint64_t positions_opened() const;
  std::uint64_t positions_closed() const;

  // Container "positions"; counters fills_applied, reduce_only_fills_ignored,
  // positions_opened, positions_closed (health).
  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

 private:
  Position open_locked(const Symbol& symbol, Fixed signed_qty, Fixed price, TimePoint now) REQUIRES(mu_);
  void notify(const Symbol& symbol) const;

  const std::string id_session_;
  mutable Mutex mu_;
  std::map<Symbol, Position> positions_ GUARDED_BY(mu_);
  std::uint64_t next_position_number_ GUARDED_BY(mu_) = 1;
  std::uint64_t fills_applied_ GUARDED_BY(mu_) = 0;
  std::uint64_t reduce_only_fills_ignored_ GUARDED_BY(mu_) = 0;
  std::uint64_t positions_opened_ GUARDED_BY(mu_) = 0;
  std::uint64_t positions_closed_ GUARDED_BY(mu_) = 0;

  mutable Mutex listener_mu_;
  ChangeListener listener_ GUARDED_BY(listener_mu_);
};

}  // namespace plateau::engine
