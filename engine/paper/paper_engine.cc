#include "engine/core/mutex.h"
#include "engine/paper/paper_engine.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "engine/paper/paper_pnl.h"

namespace plateau::engine {
namespace {

constexpr std::string_view kComponent = "paper";

void validate(const PaperOptions& o) {
  auto fail = [](const std::string& field, const std::string& value, const char* why) {
    throw std::invalid_argument("PaperOptions." + field + " is " + value + "; " + why);
  };
  const Fixed zero;
  const Fixed one = Fixed::from_int(1);
  if (o.capital <= zero) fail("capital", o.capital.to_string(), "must be positive");
  if (o.max_positions == 0) fail("max_positions", "0", "must be >= 1");
  if (o.max_capital_share <= zero || o.max_capital_share > one) {
    fail("max_capital_share", o.max_capital_share.to_string(), "must be in (0, 1]");
  }
  if (o.cooldown_after_opens == 0) fail("cooldown_after_opens", "0", "must be >= 1");
  if (o.fee_rate < zero || o.fee_rate >= one) {
    fail("fee_rate", o.fee_rate.to_string(), "must be in [0, 1)");
  }
  if (o.take_profit_net <= zero) fail("take_profit_net", o.take_profit_net.to_string(), "must be positive");
  if (o.stop_loss_net <= zero) fail("stop_loss_net", o.stop_loss_net.to_string(), "must be positive");
  if (o.error_backoff_initial < Duration::zero() || o.error_backoff_max < o.error_backoff_initial) {
    fail("error_backoff_initial/error_backoff_max",
         std::to_string(to_seconds(o.error_backoff_initial)) + "/" +
             std::to_string(to_seconds(o.error_backoff_max)) + " s",
         "must satisfy 0 <= initial <= max");
  }
}

OpenResult refuse(OpenRefusal refusal, std::string reason) {
  OpenResult result;
  result.refusal = refusal;
  result.reason = std::move(reason);
  return result;
}

}  // namespace

std::string_view to_string(CloseReason reason) noexcept {
  switch (reason) {
    case CloseReason::kTakeProfit:
      return "take_profit";
    case CloseReason::kStopLoss:
      return "stop_loss";
    case CloseReason::kManual:
      return "manual";
    case CloseReason::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

std::string_view to_string(OpenRefusal refusal) noexcept {
  switch (refusal) {
    case OpenRefusal::kNone:
      return "none";
    case OpenRefusal::kMaxPositions:
      return "max_positions";
    case OpenRefusal::kCapitalShare:
      return "capital_share";
    case OpenRefusal::kCooldown:
      return "cooldown";
    case OpenRefusal::kNoPrice:
      return "no_price";
    case OpenRefusal::kInvalidSize:
      return "invalid_size";
  }
  return "unknown";
}

PaperEngine::PaperEngine(PaperOptions options, PriceProvider& prices, const Failpoints& failpoints)
    : options_((validate(options), std::move(options))), prices_(prices), failpoints_(failpoints) {}

OpenResult PaperEngine::open_position(const Symbol& symbol, Side side, PositionSize size, TimePoint now,
                                      std::optional<Fixed> entry_price) {
  const Fixed zero;
  if (size.notional_value.has_value() == size.quantity_value.has_value()) {
    MutexLock lock(mu_);
    ++health_.refused_other;
    return refuse(OpenRefusal::kInvalidSize, "give exactly one of notional or quantity");
  }
  if (!entry_price) {
    PriceResult quote = prices_.get(symbol, now);
    if (!quote.has_price()) {
      MutexLock lock(mu_);
      ++health_.refused_other;
      return refuse(OpenRefusal::kNoPrice, "no price for " + symbol + ": " + quote.error);
    }
    entry_price = quote.price;
  }
  if (*entry_price <= zero) {
    MutexLock lock(mu_);
    ++health_.refused_other;
    return refuse(OpenRefusal::kInvalidSize,
                  "entry price " + entry_price->to_string() + " for " + symbol + " is not positive");
  }
  const Fixed quantity = size.quantity_value ? *size.quantity_value : *size.notional_value / *entry_price;
  std::optional<ExitTargets> targets;
  if (quantity > zero) {
    targets = exit_targets(side, quantity, *entry_price, options_.fee_rate, options_.take_profit_net,
                           options_.stop_loss_net);
  }
  if (!targets) {
    MutexLock lock(mu_);
    ++health_.refused_other;
    return refuse(OpenRefusal::kInvalidSize,
                  "quantity " + quantity.to_string() + " of " + symbol + " at " + entry_price->to_string() +
                      " cannot reach the take-profit of " + options_.take_profit_net.to_string() +
                      " and stop-loss of " + options_.stop_loss_net.to_string() +
                      ": a target price would not be positive, or the round-trip fees alone "
                      "exceed the stop-loss");
  }
  const Fixed notional = quantity * *entry_price;

  auto position = std::make_shared<Position>();
  position->symbol = symbol;
  position->side = side;
  position->quantity = quantity;
  position->entry_price = *entry_price;
  position->entry_fee = fee_for(quantity, *entry_price, options_.fee_rate);
  position->take_profit_price = targets->take_profit_price;
  position->stop_loss_price = targets->stop_loss_price;
  position->opened_at = now;

  MutexLock lock(mu_);
  while (!recent_opens_.empty() && recent_opens_.front() <= now - options_.cooldown_window) {
    recent_opens_.pop_front();
  }
  if (!failpoints_.on(Failpoint::kPaperNoPositionLimit) && open_.size() >= options_.max_positions) {
    ++health_.refused_max_positions;
    return refuse(OpenRefusal::kMaxPositions, std::to_string(open_.size()) +
                                                  " positions open; max_positions is " +
                                                  std::to_string(options_.max_positions));
  }
  const Fixed capital_limit = options_.capital * options_.max_capital_share;
  if (open_notional_ + notional > capital_limit) {
    ++health_.refused_capital_share;
    return refuse(OpenRefusal::kCapitalShare, "open notional " + open_notional_.to_string() + " + " +
                                                  notional.to_string() + " would exceed " +
                                                  capital_limit.to_string() + " (max_capital_share " +
                                                  options_.max_capital_share.to_string() + " of capital " +
                                                  options_.capital.to_string() + ")");
  }
  if (recent_opens_.size() >= options_.cooldown_after_opens) {
    ++health_.refused_cooldown;
    return refuse(OpenRefusal::kCooldown, std::to_string(recent_opens_.size()) +
                                              " positions opened in the last " +
                                              std::to_string(to_seconds(options_.cooldown_window)) +
                                              " s; cooling down (cooldown_after_opens " +
                                              std::to_string(options_.cooldown_after_opens) + ")");
  }
  position->id = options_.id_prefix + std::to_string(next_id_++);
  PositionId id = position->id;
  open_.emplace(id, std::move(position));
  recent_opens_.push_back(now);
  open_notional_ += notional;
  ++health_.positions_opened;
  if (open_.size() > options_.max_positions) ++health_.positions_over_limit;
  OpenResult result;
  result.id = std::move(id);
  return result;
}

namespace {

// paper.nonatomic_close only. A closer that has passed the check waits here,
// before it sets the flag, until a second closer of the same position has
// passed the check too (or kCloseRaceWindow has gone by, when nobody else
// is closing it). So whenever two closers race, both get through: the bug
// shows every time instead of when the scheduler happens to switch threads
// between the two steps. Never reached with the failpoint off.
class CloseRendezvous {
 public:
  static constexpr std::chrono::milliseconds kCloseRaceWindow{1};

  void meet(const void* position) {
    MutexLock lock(mu_);
    Entry& entry = entries_[position];
    ++entry.passed;
    ++entry.inside;
    cv_.notify_all();
    cv_.wait_for(lock, kCloseRaceWindow, [&entry] { return entry.passed >= 2; });
    if (--entry.inside == 0) entries_.erase(position);
  }

 private:
  struct Entry {
    int passed = 0;  // closers past the check so far
    int inside = 0;  // closers still waiting here
  };
  Mutex mu_;
  std::condition_variable_any cv_;
  std::map<const void*, Entry> entries_;
};

CloseRendezvous& close_rendezvous() {
  static CloseRendezvous rendezvous;
  return rendezvous;
}

}  // namespace

bool PaperEngine::claim(Position& position) const {
  if (failpoints_.on(Failpoint::kPaperNonatomicClose)) {
    // 003 §1 as it was: check, then set. The rendezvous holds the window
    // between the two open until a racing closer has passed the same check.
    if (position.closed.load(std::memory_order_acquire)) return false;
    close_rendezvous().meet(&position);
    position.closed.store(true, std::memory_order_release);
    return true;
  }
  bool expected = false;
  return position.closed.compare_exchange_strong(expected, true, std::memory_order_acq_rel);
}

bool PaperEngine::close_position(const PositionId& id, CloseReason reason, Fixed exit_price, TimePoint now) {
  std::shared_ptr<Position> position;
  {
    MutexLock lock(mu_);
    auto it = open_.find(id);
    if (it == open_.end()) return false;
    position = it->second;
  }
  if (!claim(*position)) return false;

  ClosedTrade trade;
  trade.id = position->id;
  trade.symbol = position->symbol;
  trade.side = position->side;
  trade.quantity = position->quantity;
  trade.entry_price = position->entry_price;
  trade.exit_price = exit_price;
  trade.fees = position->entry_fee + fee_for(position->quantity, exit_price, options_.fee_rate);
  trade.net_pnl =
      net_pnl(position->side, position->quantity, position->entry_price, exit_price, options_.fee_rate);
  trade.reason = reason;
  trade.opened_at = position->opened_at;
  trade.closed_at = now;

  MutexLock lock(mu_);
  // Counted apart from the flag, so a broken claim is still seen.
  if (++position->bookings > 1) ++health_.double_closes;
  auto it = open_.find(id);
  if (it != open_.end() && it->second == position) {
    open_.erase(it);
    open_notional_ -= position->quantity * position->entry_price;
  }
  health_.realized_pnl += trade.net_pnl;
  ++health_.positions_closed;
  if (reason == CloseReason::kTakeProfit) ++health_.take_profits;
  if (reason == CloseReason::kStopLoss) ++health_.stop_losses;
  if (options_.closed_history_capacity > 0) {
    closed_history_.push_back(std::move(trade));
    while (closed_history_.size() > options_.closed_history_capacity) closed_history_.pop_front();
  }
  return true;
}

std::optional<CloseReason> PaperEngine::exit_reason(const Position& position, Fixed price) const {
  if (position.side == Side::kBuy) {
    if (price >= position.take_profit_price) return CloseReason::kTakeProfit;
    if (price <= position.stop_loss_price) return CloseReason::kStopLoss;
  } else {
    if (price <= position.take_profit_price) return CloseReason::kTakeProfit;
    if (price >= position.stop_loss_price) return CloseReason::kStopLoss;
  }
  return std::nullopt;
}

CycleReport PaperEngine::monitor_cycle(TimePoint now) {
  CycleReport report;
  std::vector<std::shared_ptr<Position>> snapshot_positions;
  {
    MutexLock lock(mu_);
    if (health_.next_cycle_allowed_at && now < *health_.next_cycle_allowed_at) {
      ++health_.cycles_deferred;
      report.deferred = true;
      return report;
    }
    snapshot_positions.reserve(open_.size());
    for (const auto& [id, position] : open_) snapshot_positions.push_back(position);
  }
  // A fixed order keeps runs with the same seed identical.
  std::sort(snapshot_positions.begin(), snapshot_positions.end(), [](const auto& a, const auto& b) {
    return a->opened_at != b->opened_at ? a->opened_at < b->opened_at : a->id < b->id;
  });

  for (const auto& position : snapshot_positions) {
    if (position->closed.load(std::memory_order_acquire)) continue;  // closed meanwhile
    try {
      if (options_.before_evaluate) options_.before_evaluate(position->id, position->symbol);
      if (failpoints_.on(Failpoint::kPaperNoPriceFallback)) {
        // 003 §2 as it was: one fetch, no cache or fallback, and a failed
        // fetch drops the position for the cycle.
        PriceResult direct = prices_.fetch_direct(position->symbol, now);
        if (!direct.has_price()) {
          ++report.skipped;
          continue;
        }
        ++report.evaluated;
        if (std::optional<CloseReason> reason = exit_reason(*position, *direct.price)) {
          if (close_position(position->id, *reason, *direct.price, now)) ++report.closed;
        }
        continue;
      }
      PriceResult price = prices_.get(position->symbol, now);
      if (!price.has_price()) {
        ++report.unpriced;
        continue;
      }
      if (!price.fetch_succeeded()) ++report.stale_prices;
      ++report.evaluated;
      if (std::optional<CloseReason> reason = exit_reason(*position, *price.price)) {
        if (close_position(position->id, *reason, *price.price, now)) ++report.closed;
      }
    } catch (...) {
      ++report.errors;  // one failing position never stops the loop
    }
  }

  MutexLock lock(mu_);
  ++health_.cycles;
  health_.evaluations += report.evaluated;
  health_.evaluation_errors += report.errors;
  health_.skipped_cycles += report.skipped;
  health_.stale_prices_used += report.stale_prices;
  health_.unpriced_evaluations += report.unpriced;
  record_cycle_errors_locked(report.errors, now);
  return report;
}

void PaperEngine::record_cycle_errors_locked(std::size_t errors, TimePoint now) {
  if (errors == 0) {
    health_.consecutive_error_cycles = 0;
    health_.next_cycle_allowed_at.reset();
    return;
  }
  ++health_.consecutive_error_cycles;
  if (health_.consecutive_error_cycles < options_.error_cycles_before_backoff) return;
  const std::uint64_t doublings =
      std::min<std::uint64_t>(health_.consecutive_error_cycles - options_.error_cycles_before_backoff, 30);
  Duration backoff = options_.error_backoff_initial;
  for (std::uint64_t i = 0; i < doublings && backoff < options_.error_backoff_max; ++i) backoff *= 2;
  health_.next_cycle_allowed_at = now + std::min(backoff, options_.error_backoff_max);
}

PositionSnapshot PaperEngine::snapshot(const Position& p) {
  return PositionSnapshot{p.id,
                          p.symbol,
                          p.side,
                          p.quantity,
                          p.entry_price,
                          p.entry_fee,
                          p.take_profit_price,
                          p.stop_loss_price,
                          p.opened_at,
                          p.closed.load(std::memory_order_acquire)};
}

std::optional<PositionSnapshot> PaperEngine::position(const PositionId& id) const {
  MutexLock lock(mu_);
  auto it = open_.find(id);
  if (it == open_.end()) return std::nullopt;
  return snapshot(*it->second);
}

std::vector<PositionSnapshot> PaperEngine::open_positions() const {
  MutexLock lock(mu_);
  std::vector<PositionSnapshot> result;
  result.reserve(open_.size());
  for (const auto& [id, position] : open_) result.push_back(snapshot(*position));
  std::sort(result.begin(), result.end(),
            [](const PositionSnapshot& a, const PositionSnapshot& b) { return a.id < b.id; });
  return result;
}

std::size_t PaperEngine::open_count() const {
  MutexLock lock(mu_);
  return open_.size();
}

std::vector<ClosedTrade> PaperEngine::closed_trades() const {
  MutexLock lock(mu_);
  return std::vector<ClosedTrade>(closed_history_.begin(), closed_history_.end());
}

PaperHealth PaperEngine::health() const {
  MutexLock lock(mu_);
  PaperHealth copy = health_;
  copy.open_notional = open_notional_;
  return copy;
}

void PaperEngine::inventory(InventorySink& sink) const {
  MutexLock lock(mu_);
  std::size_t open_bytes = 0;
  for (const auto& [id, position] : open_) {
    open_bytes += sizeof(PositionId) + approx_heap_bytes(id) + kHashNodeOverhead +
                  sizeof(std::shared_ptr<Position>) + sizeof(Position) + 2 * sizeof(void*) +
                  approx_heap_bytes(position->id) + approx_heap_bytes(position->symbol);
  }
  std::size_t history_bytes = 0;
  for (const ClosedTrade& trade : closed_history_) {
    history_bytes += sizeof(ClosedTrade) + approx_heap_bytes(trade.id) + approx_heap_bytes(trade.symbol);
  }
  sink.container(
      ContainerReport{kComponent, "open_positions", open_.size(), open_bytes, options_.max_positions});
  sink.container(ContainerReport{kComponent, "closed_history", closed_history_.size(), history_bytes,
                                 options_.closed_history_capacity});
  sink.container(ContainerReport{kComponent, "recent_opens", recent_opens_.size(),
                                 recent_opens_.size() * sizeof(TimePoint), options_.cooldown_after_opens});
  auto counter = [&](std::string_view name, std::uint64_t value, CounterKind kind) {
    sink.counter(CounterReport{kComponent, name, value, kind});
  };
  counter("double_closes", health_.double_closes, CounterKind::kInvariant);
  counter("skipped_cycles", health_.skipped_cycles, CounterKind::kInvariant);
  counter("positions_over_limit", health_.positions_over_limit, CounterKind::kInvariant);
  const std::pair<std::string_view, std::uint64_t> health_counters[] = {
      {"cycles", health_.cycles},
      {"cycles_deferred", health_.cycles_deferred},
      {"evaluations", health_.evaluations},
      {"evaluation_errors", health_.evaluation_errors},
      {"consecutive_error_cycles", health_.consecutive_error_cycles},
      {"stale_prices_used", health_.stale_prices_used},
      {"unpriced_evaluations", health_.unpriced_evaluations},
      {"positions_opened", health_.positions_opened},
      {"positions_closed", health_.positions_closed},
      {"take_profits", health_.take_profits},
      {"stop_losses", health_.stop_losses},
      {"refused_max_positions", health_.refused_max_positions},
      {"refused_capital_share", health_.refused_capital_share},
      {"refused_cooldown", health_.refused_cooldown},
      {"refused_other", health_.refused_other},
  };
  for (const auto& [name, value] : health_counters) counter(name, value, CounterKind::kHealth);
}

void PaperEngine::audit(AuditSink& sink) const {
  static constexpr AuditContainer kOpenPositions{kComponent, "open_positions", EntityKind::kPosition,
                                                 std::nullopt};
  MutexLock lock(mu_);
  for (const auto& [id, position] : open_) sink.held(kOpenPositions, id, position->opened_at);
}

}  // namespace plateau::engine
