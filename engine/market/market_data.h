// MarketData: OHLCV candles and open-interest history per symbol, bounded.
//
// Seed 001: candle frames per symbol and timeframe and the open-interest
// history grew until the process died. Here every candle series (one symbol,
// one timeframe) is capped at its timeframe's maximum, on every path: ticks
// (`on_tick`) fold into the current candle or append a new one, dropping the
// oldest once the series is at its cap; inserted frames (`insert_candles`) are
// trimmed to the newest `cap` candles, *including the first frame of a new
// timeframe* (001 §1). Open interest per symbol is capped the same way.
// A cleanup pass trims every series back to its cap and reports what it
// trimmed; it runs on the first `maintain(now)` (001 §3: at start, not one
// interval later) and then every `cleanup_interval`. Cleanup is the safety
// net for state that arrives over the cap by design: `restore_candles` (a
// snapshot saved by an earlier process under other caps, taken as-is) and a
// lowered cap (`set_max_candles`).
//
// Symbols that stop trading (delisted, or no longer subscribed): a symbol
// whose last activity lies more than `idle_symbol_ttl` before a cleanup pass
// is dropped whole
// (candles, open interest, last price), so per-symbol state is bounded by the
// symbols active within the TTL, not by every symbol ever seen. A symbol
// that trades again starts afresh. Activity is a tick or open interest (at
// its `now`), or an inserted or restored frame, which carries no `now` and
// so counts as activity at the next cleanup. Default 1 h: six default cleanups, long
// past any trading pause short of a halt.
//
// Failpoints: market.untrimmed_initial_ohlcv (first frame of a new series
// stored whole; later appends keep the series length, so the overshoot stays
// until cleanup), market.delay_first_cleanup (the first cleanup waits one
// interval after the first maintain), market.unbounded_open_interest (open
// interest is never trimmed, on append or in cleanup).
//
// Inventory (component "market"); a soak probe can judge each one against its
// bound:
//   ohlcv_<tf>          entries = the longest series of that timeframe over
//                       all symbols, bound = that timeframe's cap; bytes =
//                       all candles of that timeframe.
//   ohlcv_total         entries = all candles, bound = the sum of the caps
//                       of the series held (caps x symbols, per timeframe).
//   open_interest_longest  entries = longest OI history, bound = OI cap.
//   open_interest_total    entries = all OI points, bound = OI cap x symbols
//                          with open interest.
//   last_prices         one per symbol held; no bound (the symbol universe).
// Counters (health): cleanup_runs, candles_trimmed, open_interest_trimmed,
// ticks, ticks_out_of_order, idle_symbols_dropped.
//
// Audit: container "symbols" (EntityKind::kSymbol) lists every symbol with
// state, stored_at = its last activity; a symbol the harness delisted must be
// gone within idle_symbol_ttl + cleanup_interval (+ the caller's maintain
// period).
//
// Thread safety: every public method may be called from any thread; one
// mutex guards all state. Invariant (after cleanup, or always with no
// failpoint and no restore): every series length <= its cap.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/types.h"
#include "engine/market/candle.h"

namespace plateau::engine {

struct MarketDataOptions {
  // Per-timeframe candle cap. A timeframe missing from the map uses
  // default_max_candles. Every cap must be >= 1.
  std::map<Timeframe, std::size_t> max_candles = {{Timeframe::k1m, 1440},
                                                  {Timeframe::k5m, 576},
                                                  {Timeframe::k15m, 384},
                                                  {Timeframe::k1h, 336},
                                                  {Timeframe::k4h, 180}};
  std::size_t default_max_candles = 500;
  // Timeframes that on_tick builds; inserted frames may use any timeframe.
  std::vector<Timeframe> tick_timeframes = {kAllTimeframes.begin(), kAllTimeframes.end()};
  std::size_t max_open_interest_points = 1000;  // per symbol, >= 1
  Duration cleanup_interval = std::chrono::seconds(600);
  // A symbol with no activity for this long is dropped at cleanup; > 0.
  Duration idle_symbol_ttl = std::chrono::hours(1);
  std::size_t cleanup_history_capacity = 64;  // CleanupReports kept
};

// What one cleanup pass trimmed.
struct CleanupReport {
  TimePoint at{};
  bool at_start = false;            // the first cleanup of this MarketData
  std::size_t candles_trimmed = 0;  // candles dropped over all series
  std::size_t series_trimmed = 0;   // series that were over their cap
  std::size_t open_interest_trimmed = 0;
  std::size_t idle_symbols_dropped = 0;  // symbols idle past idle_symbol_ttl
  std::size_t candles_after = 0;  // total candles left
  std::size_t open_interest_after = 0;
};

struct OpenInterestPoint {
  TimePoint at{};
  Fixed value;
  friend bool operator==(const OpenInterestPoint&, const OpenInterestPoint&) = default;
};

class MarketData {
 public:
  // Throws std::invalid_argument naming the field if a cap is 0 or
  // cleanup_interval is not positive. `failpoints` must outlive this object.
  MarketData(MarketDataOptions options, const Failpoints& failpoints);
  MarketData(const MarketData&) = delete;
  MarketData& operator=(const MarketData&) = delete;

  // Folds a trade into the current candle of every tick timeframe, opening a
  // new candle when `now` enters a new period. A tick older than a series'
  // last candle is not folded into that series (counted in
  // ticks_out_of_order). last_price keeps the newest tick by time.
  void on_tick(const Symbol& symbol, Fixed price, Fixed volume, TimePoint now);

  // Merges a frame (sorted or not; duplicates by open_time keep the last)
  // into the series, newest candles win, then caps it. The first frame of a
  // new series is capped too (unless market.untrimmed_initial_ohlcv).
  void insert_candles(const Symbol& symbol, Timeframe timeframe, std::vector<Candle> candles);

  // Replaces a series with a snapshot as-is (no cap): state restored from an
  // earlier process. The next cleanup brings it under the cap, which is why
  // cleanup runs at start. Call maintain(now) right after restoring.
  void restore_candles(const Symbol& symbol, Timeframe timeframe, std::vector<Candle> candles);

  void on_open_interest(const Symbol& symbol, Fixed value, TimePoint now);

  // Changes a cap at run time. Series over a lowered cap shrink at the next
  // cleanup; appends meanwhile keep their length. Throws on 0.
  void set_max_candles(Timeframe timeframe, std::size_t max_candles);

  // Runs cleanup if due: on the first call (or one interval after it, with
  // market.delay_first_cleanup) and then every cleanup_interval. Returns the
  // report when a cleanup ran.
  std::optional<CleanupReport> maintain(TimePoint now);
  // Runs a cleanup now regardless of the schedule.
  CleanupReport cleanup(TimePoint now);

  // The newest `n` candles, oldest first.
  std::vector<Candle> candles(const Symbol& symbol, Timeframe timeframe, std::size_t n) const;
  std::size_t candle_count(const Symbol& symbol, Timeframe timeframe) const;
  std::optional<Fixed> last_price(const Symbol& symbol) const;
  std::optional<TimePoint> last_price_time(const Symbol& symbol) const;
  // The newest `n` open-interest points, oldest first.
  std::vector<OpenInterestPoint> open_interest(const Symbol& symbol, std::size_t n) const;

  std::size_t max_candles(Timeframe timeframe) const;
  std::optional<TimePoint> next_cleanup_at() const;
  // The last cleanup_history_capacity reports, oldest first.
  std::vector<CleanupReport> cleanup_history() const;

  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

 private:
  struct SymbolState {
    std::map<Timeframe, std::deque<Candle>> ohlcv;
    std::deque<OpenInterestPoint> open_interest;
    std::optional<Fixed> last_price;
    TimePoint last_price_time{};
    TimePoint last_activity{};         // newest tick or open interest, or the cleanup after a frame arrived
    bool frame_since_cleanup = false;  // insert_candles / restore_candles since the last cleanup
  };

  std::size_t cap_locked(Timeframe timeframe) const REQUIRES(mu_);
  void append_candle_locked(std::deque<Candle>& series, std::size_t cap, const Candle& candle) REQUIRES(mu_);
  CleanupReport cleanup_locked(TimePoint now) REQUIRES(mu_);
  // market.undeclared_partial_cleanup: a per-symbol tick journal nothing
  // reports, which each cleanup should empty but of which it frees only 90%
  // (every tenth note is moved to undeclared_unfreed_ and never looked at
  // again). Out of line so heap profiles name them.
  struct TickNote {
    TimePoint at{};
    Fixed price;
  };
  __attribute__((noinline)) void journal_tick_undeclared(const Symbol& symbol, Fixed price, TimePoint now)
      REQUIRES(mu_);
  __attribute__((noinline)) void clean_journal_partially_undeclared() REQUIRES(mu_);

  const Failpoints& failpoints_;
  mutable Mutex mu_;
  MarketDataOptions options_ GUARDED_BY(mu_);
  std::unordered_map<Symbol, SymbolState> symbols_ GUARDED_BY(mu_);
  std::optional<TimePoint> next_cleanup_at_ GUARDED_BY(mu_);  // unset until the first maintain
  bool cleaned_once_ GUARDED_BY(mu_) = false;
  std::deque<CleanupReport> cleanup_history_ GUARDED_BY(mu_);
  std::uint64_t cleanup_runs_ GUARDED_BY(mu_) = 0;
  std::uint64_t candles_trimmed_total_ GUARDED_BY(mu_) = 0;
  std::uint64_t open_interest_trimmed_total_ GUARDED_BY(mu_) = 0;
  std::uint64_t ticks_ GUARDED_BY(mu_) = 0;
  std::uint64_t ticks_out_of_order_ GUARDED_BY(mu_) = 0;
  std::uint64_t idle_symbols_dropped_ GUARDED_BY(mu_) = 0;
  std::unordered_map<Symbol, std::vector<TickNote>> undeclared_tick_journal_ GUARDED_BY(mu_);  // undeclared
  std::deque<TickNote> undeclared_unfreed_ GUARDED_BY(mu_);                                     // undeclared
};

}  // namespace plateau::engine
