#include "engine/core/mutex.h"
#include "engine/market/market_data.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace plateau::engine {
namespace {

constexpr std::string_view kComponent = "market";

void validate(const MarketDataOptions& options) {
  for (const auto& [tf, cap] : options.max_candles) {
    if (cap == 0) {
      throw std::invalid_argument("MarketDataOptions.max_candles[" + std::string(to_string(tf)) +
                                  "] is 0; every timeframe must keep at least one candle");
    }
  }
  if (options.default_max_candles == 0) {
    throw std::invalid_argument("MarketDataOptions.default_max_candles is 0; must be >= 1");
  }
  if (options.max_open_interest_points == 0) {
    throw std::invalid_argument("MarketDataOptions.max_open_interest_points is 0; must be >= 1");
  }
  if (options.idle_symbol_ttl <= Duration::zero()) {
    throw std::invalid_argument("MarketDataOptions.idle_symbol_ttl is " +
                                std::to_string(to_seconds(options.idle_symbol_ttl)) + " s; must be positive");
  }
  if (options.cleanup_interval <= Duration::zero()) {
    throw std::invalid_argument("MarketDataOptions.cleanup_interval is " +
                                std::to_string(to_seconds(options.cleanup_interval)) +
                                " s; must be positive");
  }
}

template <typename T>
std::size_t trim_front(std::deque<T>& series, std::size_t cap) {
  if (series.size() <= cap) return 0;
  std::size_t excess = series.size() - cap;
  series.erase(series.begin(), series.begin() + static_cast<std::ptrdiff_t>(excess));
  return excess;
}

constexpr std::size_t kCandleBytes = sizeof(Candle);
constexpr std::size_t kOpenInterestBytes = sizeof(OpenInterestPoint);

}  // namespace

MarketData::MarketData(MarketDataOptions options, const Failpoints& failpoints) : failpoints_(failpoints) {
  validate(options);
  MutexLock lock(mu_);
  options_ = std::move(options);
}

std::size_t MarketData::cap_locked(Timeframe timeframe) const {
  auto it = options_.max_candles.find(timeframe);
  return it == options_.max_candles.end() ? options_.default_max_candles : it->second;
}

// The append path keeps a full series at its length by dropping the oldest
// candle; it does not shrink a series that is already over the cap (a
// restored snapshot, a lowered cap, or the untrimmed-first-frame bug), which
// is cleanup's job.
void MarketData::append_candle_locked(std::deque<Candle>& series, std::size_t cap, const Candle& candle) {
  if (series.size() >= cap) series.pop_front();
  series.push_back(candle);
}

void MarketData::on_tick(const Symbol& symbol, Fixed price, Fixed volume, TimePoint now) {
  MutexLock lock(mu_);
  ++ticks_;
  SymbolState& state = symbols_[symbol];
  state.last_activity = std::max(state.last_activity, now);
  if (!state.last_price || now >= state.last_price_time) {
    state.last_price = price;
    state.last_price_time = now;
  }
  bool out_of_order = false;
  for (Timeframe tf : options_.tick_timeframes) {
    std::deque<Candle>& series = state.ohlcv[tf];
    const TimePoint open_time = candle_open_time(tf, now);
    if (!series.empty() && series.back().open_time == open_time) {
      Candle& current = series.back();
      current.high = std::max(current.high, price);
      current.low = std::min(current.low, price);
      current.close = price;
      current.volume += volume;
    } else if (series.empty() || series.back().open_time < open_time) {
      append_candle_locked(series, cap_locked(tf), Candle{open_time, price, price, price, price, volume});
    } else {
      out_of_order = true;
    }
  }
  if (out_of_order) ++ticks_out_of_order_;
  if (failpoints_.on(Failpoint::kMarketUndeclaredPartialCleanup)) journal_tick_undeclared(symbol, price, now);
}

void MarketData::journal_tick_undeclared(const Symbol& symbol, Fixed price, TimePoint now) {
  undeclared_tick_journal_[symbol].push_back(TickNote{now, price});
}

void MarketData::clean_journal_partially_undeclared() {
  for (auto& [symbol, notes] : undeclared_tick_journal_) {
    for (std::size_t i = 0; i < notes.size(); i += 10) undeclared_unfreed_.push_back(notes[i]);
    notes.clear();  // keeps its capacity: the journal itself stays bounded
  }
}

void MarketData::insert_candles(const Symbol& symbol, Timeframe timeframe, std::vector<Candle> candles) {
  std::stable_sort(candles.begin(), candles.end(),
                   [](const Candle& a, const Candle& b) { return a.open_time < b.open_time; });
  // Duplicates by open_time: the later one in the frame wins.
  std::vector<Candle> unique;
  unique.reserve(candles.size());
  for (const Candle& c : candles) {
    if (!unique.empty() && unique.back().open_time == c.open_time) {
      unique.back() = c;
    } else {
      unique.push_back(c);
    }
  }

  MutexLock lock(mu_);
  SymbolState& state = symbols_[symbol];
  state.frame_since_cleanup = true;
  const std::size_t cap = cap_locked(timeframe);
  auto it = state.ohlcv.find(timeframe);
  if (it == state.ohlcv.end() || it->second.empty()) {
    // 001 §1: the first frame of a new timeframe is capped like any other.
    std::size_t keep = failpoints_.on(Failpoint::kMarketUntrimmedInitialOhlcv) ? unique.size()
                                                                               : std::min(unique.size(), cap);
    state.ohlcv[timeframe] =
        std::deque<Candle>(unique.end() - static_cast<std::ptrdiff_t>(keep), unique.end());
    return;
  }
  std::deque<Candle>& series = it->second;
  std::deque<Candle> merged;
  std::size_t i = 0, j = 0;
  while (i < series.size() || j < unique.size()) {
    if (j == unique.size() || (i < series.size() && series[i].open_time < unique[j].open_time)) {
      merged.push_back(series[i++]);
    } else if (i == series.size() || unique[j].open_time < series[i].open_time) {
      merged.push_back(unique[j++]);
    } else {  // same period: the inserted frame is newer information
      merged.push_back(unique[j++]);
      ++i;
    }
  }
  // Like an append, a merge never leaves the series longer than its cap or,
  // if it was already over (see append_candle_locked), than it was.
  trim_front(merged, std::max(cap, series.size()));
  series = std::move(merged);
}

void MarketData::restore_candles(const Symbol& symbol, Timeframe timeframe, std::vector<Candle> candles) {
  std::sort(candles.begin(), candles.end(),
            [](const Candle& a, const Candle& b) { return a.open_time < b.open_time; });
  MutexLock lock(mu_);
  SymbolState& state = symbols_[symbol];
  state.frame_since_cleanup = true;
  state.ohlcv[timeframe] = std::deque<Candle>(candles.begin(), candles.end());
}

void MarketData::on_open_interest(const Symbol& symbol, Fixed value, TimePoint now) {
  MutexLock lock(mu_);
  SymbolState& state = symbols_[symbol];
  state.last_activity = std::max(state.last_activity, now);
  std::deque<OpenInterestPoint>& history = state.open_interest;
  if (!failpoints_.on(Failpoint::kMarketUnboundedOpenInterest) &&
      history.size() >= options_.max_open_interest_points) {
    history.pop_front();
  }
  history.push_back(OpenInterestPoint{now, value});
}

void MarketData::set_max_candles(Timeframe timeframe, std::size_t max_candles) {
  if (max_candles == 0) {
    throw std::invalid_argument("MarketData::set_max_candles: max_candles for " +
                                std::string(to_string(timeframe)) + " is 0; must be >= 1");
  }
  MutexLock lock(mu_);
  options_.max_candles[timeframe] = max_candles;
}

std::optional<CleanupReport> MarketData::maintain(TimePoint now) {
  MutexLock lock(mu_);
  if (!next_cleanup_at_) {
    // 001 §3: the first maintain is "start", and cleanup runs right away.
    if (failpoints_.on(Failpoint::kMarketDelayFirstCleanup)) {
      next_cleanup_at_ = now + options_.cleanup_interval;
      return std::nullopt;
    }
    next_cleanup_at_ = now;
  }
  if (now < *next_cleanup_at_) return std::nullopt;
  CleanupReport report = cleanup_locked(now);
  next_cleanup_at_ = now + options_.cleanup_interval;
  return report;
}

CleanupReport MarketData::cleanup(TimePoint now) {
  MutexLock lock(mu_);
  return cleanup_locked(now);
}

CleanupReport MarketData::cleanup_locked(TimePoint now) {
  CleanupReport report;
  report.at = now;
  report.at_start = !cleaned_once_;
  const bool trim_open_interest = !failpoints_.on(Failpoint::kMarketUnboundedOpenInterest);
  // Symbols that stopped trading go whole; the rest are trimmed to their caps.
  for (auto& [symbol, state] : symbols_) {
    if (!state.frame_since_cleanup) continue;
    state.last_activity = std::max(state.last_activity, now);
    state.frame_since_cleanup = false;
  }
  // Read under mu_ here: the thread-safety analysis does not carry a held
  // lock into a lambda.
  const Duration idle_symbol_ttl = options_.idle_symbol_ttl;
  report.idle_symbols_dropped = std::erase_if(symbols_, [&](const auto& entry) {
    return now - entry.second.last_activity > idle_symbol_ttl;
  });
  idle_symbols_dropped_ += report.idle_symbols_dropped;
  for (auto& [symbol, state] : symbols_) {
    for (auto& [tf, series] : state.ohlcv) {
      std::size_t trimmed = trim_front(series, cap_locked(tf));
      if (trimmed > 0) ++report.series_trimmed;
      report.candles_trimmed += trimmed;
      report.candles_after += series.size();
    }
    if (trim_open_interest) {
      report.open_interest_trimmed += trim_front(state.open_interest, options_.max_open_interest_points);
    }
    report.open_interest_after += state.open_interest.size();
  }
  if (!undeclared_tick_journal_.empty()) clean_journal_partially_undeclared();
  cleaned_once_ = true;
  ++cleanup_runs_;
  candles_trimmed_total_ += report.candles_trimmed;
  open_interest_trimmed_total_ += report.open_interest_trimmed;
  cleanup_history_.push_back(report);
  while (cleanup_history_.size() > options_.cleanup_history_capacity) cleanup_history_.pop_front();
  return report;
}

std::vector<Candle> MarketData::candles(const Symbol& symbol, Timeframe timeframe, std::size_t n) const {
  MutexLock lock(mu_);
  auto sit = symbols_.find(symbol);
  if (sit == symbols_.end()) return {};
  auto it = sit->second.ohlcv.find(timeframe);
  if (it == sit->second.ohlcv.end()) return {};
  const std::deque<Candle>& series = it->second;
  std::size_t take = std::min(n, series.size());
  return std::vector<Candle>(series.end() - static_cast<std::ptrdiff_t>(take), series.end());
}

std::size_t MarketData::candle_count(const Symbol& symbol, Timeframe timeframe) const {
  MutexLock lock(mu_);
  auto sit = symbols_.find(symbol);
  if (sit == symbols_.end()) return 0;
  auto it = sit->second.ohlcv.find(timeframe);
  return it == sit->second.ohlcv.end() ? 0 : it->second.size();
}

std::optional<Fixed> MarketData::last_price(const Symbol& symbol) const {
  MutexLock lock(mu_);
  auto it = symbols_.find(symbol);
  return it == symbols_.end() ? std::nullopt : it->second.last_price;
}

std::optional<TimePoint> MarketData::last_price_time(const Symbol& symbol) const {
  MutexLock lock(mu_);
  auto it = symbols_.find(symbol);
  if (it == symbols_.end() || !it->second.last_price) return std::nullopt;
  return it->second.last_price_time;
}

std::vector<OpenInterestPoint> MarketData::open_interest(const Symbol& symbol, std::size_t n) const {
  MutexLock lock(mu_);
  auto it = symbols_.find(symbol);
  if (it == symbols_.end()) return {};
  const auto& history = it->second.open_interest;
  std::size_t take = std::min(n, history.size());
  return std::vector<OpenInterestPoint>(history.end() - static_cast<std::ptrdiff_t>(take), history.end());
}

std::size_t MarketData::max_candles(Timeframe timeframe) const {
  MutexLock lock(mu_);
  return cap_locked(timeframe);
}

std::optional<TimePoint> MarketData::next_cleanup_at() const {
  MutexLock lock(mu_);
  return next_cleanup_at_;
}

std::vector<CleanupReport> MarketData::cleanup_history() const {
  MutexLock lock(mu_);
  return std::vector<CleanupReport>(cleanup_history_.begin(), cleanup_history_.end());
}

void MarketData::inventory(InventorySink& sink) const {
  MutexLock lock(mu_);
  struct PerTimeframe {
    std::size_t longest = 0;
    std::size_t total = 0;
    bool seen = false;
  };
  std::map<Timeframe, PerTimeframe> per_tf;
  for (Timeframe tf : kAllTimeframes) per_tf[tf];
  for (const auto& [tf, cap] : options_.max_candles) per_tf[tf];
  std::size_t candles_total = 0;
  std::size_t candle_bound_total = 0;
  std::size_t oi_longest = 0;
  std::size_t oi_total = 0;
  std::size_t oi_symbols = 0;
  std::size_t key_bytes = 0;
  for (const auto& [symbol, state] : symbols_) {
    key_bytes += sizeof(Symbol) + approx_heap_bytes(symbol) + sizeof(SymbolState) + kHashNodeOverhead;
    for (const auto& [tf, series] : state.ohlcv) {
      PerTimeframe& entry = per_tf[tf];
      entry.longest = std::max(entry.longest, series.size());
      entry.total += series.size();
      entry.seen = true;
      candles_total += series.size();
      candle_bound_total += cap_locked(tf);
    }
    if (!state.open_interest.empty()) ++oi_symbols;
    oi_longest = std::max(oi_longest, state.open_interest.size());
    oi_total += state.open_interest.size();
  }
  std::string name;
  for (const auto& [tf, entry] : per_tf) {
    name = "ohlcv_" + std::string(to_string(tf));
    sink.container(
        ContainerReport{kComponent, name, entry.longest, entry.total * kCandleBytes, cap_locked(tf)});
  }
  sink.container(ContainerReport{kComponent, "ohlcv_total", candles_total, candles_total * kCandleBytes,
                                 candle_bound_total});
  sink.container(ContainerReport{kComponent, "open_interest_longest", oi_longest,
                                 oi_longest * kOpenInterestBytes, options_.max_open_interest_points});
  sink.container(ContainerReport{kComponent, "open_interest_total", oi_total, oi_total * kOpenInterestBytes,
                                 oi_symbols * options_.max_open_interest_points});
  sink.container(ContainerReport{kComponent, "last_prices", symbols_.size(), key_bytes, std::nullopt});
  auto health = [&](std::string_view counter, std::uint64_t value) {
    sink.counter(CounterReport{kComponent, counter, value, CounterKind::kHealth});
  };
  health("cleanup_runs", cleanup_runs_);
  health("candles_trimmed", candles_trimmed_total_);
  health("open_interest_trimmed", open_interest_trimmed_total_);
  health("ticks", ticks_);
  health("ticks_out_of_order", ticks_out_of_order_);
  health("idle_symbols_dropped", idle_symbols_dropped_);
}

void MarketData::audit(AuditSink& sink) const {
  static const AuditContainer kSymbols{kComponent, "symbols", EntityKind::kSymbol, std::nullopt};
  MutexLock lock(mu_);
  for (const auto& [symbol, state] : symbols_) sink.held(kSymbols, symbol, state.last_activity);
}

}  // namespace plateau::engine
