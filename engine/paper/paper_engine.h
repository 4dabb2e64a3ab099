// PaperEngine: simulated positions with fee-exact exits and risk limits (seed 003).
//
// open_position() checks the risk limits (max open positions, share of
// capital in open notional, cooldown after a burst of opens), prices the
// entry, and sets take-profit and stop-loss prices at which the net-of-fees
// P&L is the configured target to the cent (paper_pnl.h). monitor_cycle(now)
// evaluates every position open at its start: the price comes from the
// PriceProvider, whose cache and stale fallback mean a failed fetch never
// skips a position; an exception while evaluating one position is counted
// and the loop moves on; after error_cycles_before_backoff cycles in a row
// with errors, the next cycle is deferred by a doubling backoff. Closing is
// exactly once: close_position() claims the position with a compare-exchange
// on its atomic `closed` flag, then removes it from the open set and books
// its P&L, so racing closers (monitor, manual, shutdown) book once.
//
// Invariant counters (kInvariant, must stay zero): double_closes (a P&L
// booking for a position already booked, counted from a booking count kept
// apart from the flag), skipped_cycles (a position left unevaluated in a
// cycle although a price within max_staleness was available),
// positions_over_limit (an open that left more than max_positions open).
// Failpoints: paper.nonatomic_close (check, wait up to 1 ms for a racing
// closer to pass the same check, then set the flag),
// paper.no_price_fallback (a position whose fetch failed is skipped instead
// of priced from the cache), paper.no_position_limit (no max-positions check).
//
// Closed positions leave every keyed container at once; the only record kept
// is a bounded closed-trade history (not audited: it is a log, not state).
// Audit: "open_positions", EntityKind::kPosition.
//
// Thread safety: every public method may be called from any thread. One
// mutex guards the open set, the ledger and the counters; it is never held
// while the PriceProvider is called or a hook runs. The PriceProvider and
// Failpoints must outlive the engine.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/market/price_provider.h"

namespace plateau::engine {

struct PaperOptions {
  Fixed capital = Fixed::from_int(10'000);
  std::size_t max_positions = 15;
  Fixed max_capital_share = Fixed::from_raw(90'000'000);  // 0.9 of capital in open notional
  std::size_t cooldown_after_opens = 5;                   // this many opens within...
  Duration cooldown_window = std::chrono::seconds(300);   // ...this window refuse more
  Fixed fee_rate = Fixed::from_raw(40'000);               // 0.0004 = 0.04% per side
  Fixed take_profit_net = Fixed::from_int(10);            // net-of-fees profit target
  Fixed stop_loss_net = Fixed::from_int(10);              // net-of-fees loss limit
  std::size_t closed_history_capacity = 1'000;
  std::size_t error_cycles_before_backoff = 3;
  Duration error_backoff_initial = std::chrono::seconds(1);
  Duration error_backoff_max = std::chrono::seconds(60);
  std::string id_prefix = "paper-";
  // Called before each position is evaluated in monitor_cycle (outside the
  // lock); the harness injects evaluation faults here by throwing.
  std::function<void(const PositionId&, const Symbol&)> before_evaluate;
};

enum class CloseReason : std::uint8_t { kTakeProfit, kStopLoss, kManual, kShutdown };
std::string_view to_string(CloseReason reason) noexcept;

enum class OpenRefusal : std::uint8_t {
  kNone,
  kMaxPositions,
  kCapitalShare,
  kCooldown,
  kNoPrice,
  kInvalidSize,  // non-positive size, or a target unreachable at a positive price
};
std::string_view to_string(OpenRefusal refusal) noexcept;

// Size of a new position: exactly one of notional (quote currency) or quantity.
struct PositionSize {
  static PositionSize notional(Fixed value) { return PositionSize{value, std::nullopt}; }
  static PositionSize quantity(Fixed value) { return PositionSize{std::nullopt, value}; }
  std::optional<Fixed> notional_value;
  std::optional<Fixed> quantity_value;
};

struct OpenResult {
  std::optional<PositionId> id;
  OpenRefusal refusal = OpenRefusal::kNone;
  std::string reason;  // why refused, naming the limit and the values
  explicit operator bool() const noexcept { return id.has_value(); }
};

// A copy of a position's fields (the live object is internal).
struct PositionSnapshot {
  PositionId id;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed quantity;
  Fixed entry_price;
  Fixed entry_fee;
  Fixed take_profit_price;
  Fixed stop_loss_price;
  TimePoint opened_at{};
  bool closed = false;
};

struct ClosedTrade {
  PositionId id;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed quantity;
  Fixed entry_price;
  Fixed exit_price;
  Fixed fees;  // entry + exit
  Fixed net_pnl;
  CloseReason reason = CloseReason::kManual;
  TimePoint opened_at{};
  TimePoint closed_at{};
};

struct CycleReport {
  bool deferred = false;  // error backoff: nothing evaluated
  std::size_t evaluated = 0;
  std::size_t closed = 0;
  std::size_t errors = 0;
  std::size_t stale_prices = 0;  // evaluated on a stale price
  std::size_t unpriced = 0;      // no price within max_staleness: not evaluable
  std::size_t skipped = 0;       // left unevaluated although priced (a bug)
};

struct PaperHealth {
  // invariants
  std::uint64_t double_closes = 0;
  std::uint64_t skipped_cycles = 0;
  std::uint64_t positions_over_limit = 0;
  // health
  std::uint64_t cycles = 0;
  std::uint64_t cycles_deferred = 0;
  std::uint64_t evaluations = 0;
  std::uint64_t evaluation_errors = 0;
  std::uint64_t consecutive_error_cycles = 0;
  std::uint64_t stale_prices_used = 0;
  std::uint64_t unpriced_evaluations = 0;
  std::uint64_t positions_opened = 0;
  std::uint64_t positions_closed = 0;
  std::uint64_t take_profits = 0;
  std::uint64_t stop_losses = 0;
  std::uint64_t refused_max_positions = 0;
  std::uint64_t refused_capital_share = 0;
  std::uint64_t refused_cooldown = 0;
  std::uint64_t refused_other = 0;
  std::optional<TimePoint> next_cycle_allowed_at;  // set while backing off
  Fixed realized_pnl;
  Fixed open_notional;
};

class PaperEngine {
 public:
  // Throws std::invalid_argument naming the field for a non-positive capital
  // or target, max_positions 0, a share outside (0, 1], or a fee outside [0, 1).
  PaperEngine(PaperOptions options, PriceProvider& prices, const Failpoints& failpoints);
  PaperEngine(const PaperEngine&) = delete;
  PaperEngine& operator=(const PaperEngine&) = delete;

  // Opens at the provider's price for `symbol` (refused with kNoPrice if it
  // has none), or at `entry_price` when given.
  OpenResult open_position(const Symbol& symbol, Side side, PositionSize size, TimePoint now,
                           std::optional<Fixed> entry_price = std::nullopt);

  // Closes at `exit_price`. True for exactly one caller per position; false
  // if it is unknown, already closed, or being closed by another thread.
  bool close_position(const PositionId& id, CloseReason reason, Fixed exit_price, TimePoint now);

  CycleReport monitor_cycle(TimePoint now);

  std::optional<PositionSnapshot> position(const PositionId& id) const;
  std::vector<PositionSnapshot> open_positions() const;
  std::size_t open_count() const;
  // The last closed_history_capacity trades, oldest first.
  std::vector<ClosedTrade> closed_trades() const;
  PaperHealth health() const;

  // Containers open_positions (bound max_positions), closed_history (bound
  // closed_history_capacity), recent_opens (bound cooldown_after_opens);
  // the invariant and health counters above.
  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

 private:
  struct Position {
    PositionId id;
    Symbol symbol;
    Side side = Side::kBuy;
    Fixed quantity;
    Fixed entry_price;
    Fixed entry_fee;
    Fixed take_profit_price;
    Fixed stop_loss_price;
    TimePoint opened_at{};
    std::atomic<bool> closed{false};
    int bookings = 0;  // guarded by the engine's mu_; > 1 is a double close
  };

  bool claim(Position& position) const;
  std::optional<CloseReason> exit_reason(const Position& position, Fixed price) const;
  void record_cycle_errors_locked(std::size_t errors, TimePoint now) REQUIRES(mu_);
  static PositionSnapshot snapshot(const Position& position);

  const PaperOptions options_;
  PriceProvider& prices_;
  const Failpoints& failpoints_;

  mutable Mutex mu_;
  std::unordered_map<PositionId, std::shared_ptr<Position>> open_ GUARDED_BY(mu_);
  std::deque<TimePoint> recent_opens_ GUARDED_BY(mu_);
  std::deque<ClosedTrade> closed_history_ GUARDED_BY(mu_);
  std::uint64_t next_id_ GUARDED_BY(mu_) = 1;
  Fixed open_notional_ GUARDED_BY(mu_);
  PaperHealth health_ GUARDED_BY(mu_);
};

}  // namespace plateau::engine
