#include "engine/core/mutex.h"
#include "engine/portfolio/portfolio.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace plateau::engine {
namespace {

constexpr std::string_view kComponent = "portfolio";

std::size_t approx_bytes(const Position& p) {
  std::size_t bytes = sizeof(Position) + kTreeNodeOverhead + approx_heap_bytes(p.id) +
                      2 * approx_heap_bytes(p.symbol);  // the map key is a second copy
  if (p.protection.take_profit_order_id) bytes += approx_heap_bytes(*p.protection.take_profit_order_id);
  if (p.protection.stop_loss_order_id) bytes += approx_heap_bytes(*p.protection.stop_loss_order_id);
  for (const auto& [key, value] : p.meta) {
    bytes += kTreeNodeOverhead + 2 * sizeof(std::string) + approx_heap_bytes(key) + approx_heap_bytes(value);
  }
  return bytes;
}

void require_positive(Fixed value, const char* field, const Symbol& symbol) {
  if (value.is_zero() || value.is_negative()) {
    throw std::invalid_argument(std::string("Portfolio: ") + field + " must be positive, got " +
                                value.to_string() + " for symbol '" + symbol + "'");
  }
}

}  // namespace

void Portfolio::set_change_listener(ChangeListener listener) {
  MutexLock lock(listener_mu_);
  listener_ = std::move(listener);
}

void Portfolio::notify(const Symbol& symbol) const {
  ChangeListener listener;
  {
    MutexLock lock(listener_mu_);
    listener = listener_;
  }
  if (listener) listener(symbol);
}

Position Portfolio::open_locked(const Symbol& symbol, Fixed signed_qty, Fixed price, TimePoint now) {
  Position p;
  p.id = symbol + "#" + id_session_ + std::to_string(next_position_number_++);
  p.symbol = symbol;
  p.qty = signed_qty;
  p.avg_price = price;
  p.opened_at = now;
  p.updated_at = now;
  ++positions_opened_;
  return p;
}

FillResult Portfolio::apply_fill(const Symbol& symbol, Side side, Fixed qty, Fixed price, TimePoint now,
                                 FillEffect effect) {
  if (symbol.empty()) throw std::invalid_argument("Portfolio: fill symbol must not be empty");
  require_positive(qty, "fill qty", symbol);
  require_positive(price, "fill price", symbol);

  const Fixed signed_fill = side == Side::kBuy ? qty : -qty;
  FillResult result;
  {
    MutexLock lock(mu_);
    auto it = positions_.find(symbol);
    if (it == positions_.end()) {
      if (effect == FillEffect::kReduceOnly) {
        ++reduce_only_fills_ignored_;
        return result;
      }
      Position p = open_locked(symbol, signed_fill, price, now);
      result.opened = true;
      result.position_id = p.id;
      result.qty_after = p.qty;
      positions_.emplace(symbol, std::move(p));
    } else {
      Position& p = it->second;
      const bool same_direction = p.qty.is_negative() == signed_fill.is_negative();
      if (same_direction) {
        if (effect == FillEffect::kReduceOnly) {
          ++reduce_only_fills_ignored_;
          return result;
        }
        const Fixed new_qty = p.qty + signed_fill;
        p.avg_price = (p.qty.abs() * p.avg_price + qty * price) / new_qty.abs();
        p.qty = new_qty;
        p.updated_at = now;
        result.position_id = p.id;
        result.qty_after = p.qty;
      } else {
        const Fixed held = p.qty.abs();
        const Fixed applied = effect == FillEffect::kReduceOnly ? std::min(qty, held) : qty;
        if (applied < held) {
          p.qty = p.qty.is_negative() ? p.qty + applied : p.qty - applied;
          p.updated_at = now;
          result.position_id = p.id;
          result.qty_after = p.qty;
        } else {
          result.closed = true;
          result.closed_id = p.id;
          positions_.erase(it);
          ++positions_closed_;
          const Fixed remainder = applied - held;
          if (!remainder.is_zero()) {
            Position flipped = open_locked(symbol, side == Side::kBuy ? remainder : -remainder, price, now);
            result.opened = true;
            result.position_id = flipped.id;
            result.qty_after = flipped.qty;
            positions_.emplace(symbol, std::move(flipped));
          }
        }
      }
    }
    ++fills_applied_;
    result.applied = true;
  }
  notify(symbol);
  return result;
}

std::optional<Position> Portfolio::reduce(const Symbol& symbol, Fixed qty, TimePoint now) {
  require_positive(qty, "reduce qty", symbol);
  std::optional<Position> after;
  {
    MutexLock lock(mu_);
    auto it = positions_.find(symbol);
    if (it == positions_.end()) return std::nullopt;
    Position& p = it->second;
    const Fixed held = p.qty.abs();
    if (qty > held) {
      throw std::invalid_argument("Portfolio: reduce qty " + qty.to_string() + " exceeds the " +
                                  held.to_string() + " held for symbol '" + symbol + "'");
    }
    if (qty == held) {
      positions_.erase(it);
      ++positions_closed_;
    } else {
      p.qty = p.qty.is_negative() ? p.qty + qty : p.qty - qty;
      p.updated_at = now;
      after = p;
    }
  }
  notify(symbol);
  return after;
}

std::optional<Position> Portfolio::close(const Symbol& symbol) {
  std::optional<Position> closed;
  {
    MutexLock lock(mu_);
    auto it = positions_.find(symbol);
    if (it == positions_.end()) return std::nullopt;
    closed = std::move(it->second);
    positions_.erase(it);
    ++positions_closed_;
  }
  notify(symbol);
  return closed;
}

bool Portfolio::set_protection(const Symbol& symbol, const Protection& protection, TimePoint now) {
  MutexLock lock(mu_);
  auto it = positions_.find(symbol);
  if (it == positions_.end()) return false;
  Position& p = it->second;
  const bool switched = p.protection.active != protection.active;
  const std::optional<TimePoint> last_switch_at = switched ? std::optional(now) : p.protection.last_switch_at;
  p.protection = protection;
  p.protection.last_switch_at = last_switch_at;
  p.updated_at = now;
  return true;
}

bool Portfolio::set_meta(const Symbol& symbol, const std::string& key, const std::string& value) {
  MutexLock lock(mu_);
  auto it = positions_.find(symbol);
  if (it == positions_.end()) return false;
  if (value.empty()) {
    it->second.meta.erase(key);
  } else {
    it->second.meta[key] = value;
  }
  return true;
}

bool Portfolio::set_state(const Symbol& symbol, PositionState state) {
  MutexLock lock(mu_);
  auto it = positions_.find(symbol);
  if (it == positions_.end()) return false;
  it->second.state = state;
  return true;
}

std::optional<Position> Portfolio::get(const Symbol& symbol) const {
  MutexLock lock(mu_);
  auto it = positions_.find(symbol);
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

bool Portfolio::holds(const Symbol& symbol) const {
  MutexLock lock(mu_);
  return positions_.contains(symbol);
}

std::vector<Symbol> Portfolio::symbols() const {
  MutexLock lock(mu_);
  std::vector<Symbol> out;
  out.reserve(positions_.size());
  for (const auto& [symbol, position] : positions_) out.push_back(symbol);
  return out;
}

std::size_t Portfolio::size() const {
  MutexLock lock(mu_);
  return positions_.size();
}

std::uint64_t Portfolio::fills_applied() const {
  MutexLock lock(mu_);
  return fills_applied_;
}

std::uint64_t Portfolio::positions_opened() const {
  MutexLock lock(mu_);
  return positions_opened_;
}

std::uint64_t Portfolio::positions_closed() const {
  MutexLock lock(mu_);
  return positions_closed_;
}

void Portfolio::inventory(InventorySink& sink) const {
  MutexLock lock(mu_);
  std::size_t bytes = 0;
  for (const auto& [symbol, position] : positions_) bytes += approx_bytes(position);
  sink.container({kComponent, "positions", positions_.size(), bytes, std::nullopt});
  sink.counter({kComponent, "fills_applied", fills_applied_, CounterKind::kHealth});
  sink.counter({kComponent, "reduce_only_fills_ignored", reduce_only_fills_ignored_, CounterKind::kHealth});
  sink.counter({kComponent, "positions_opened", positions_opened_, CounterKind::kHealth});
  sink.counter({kComponent, "positions_closed", positions_closed_, CounterKind::kHealth});
}

void Portfolio::audit(AuditSink& sink) const {
  static const AuditContainer kPositions{kComponent, "positions", EntityKind::kPosition, std::nullopt};
  MutexLock lock(mu_);
  for (const auto& [symbol, position] : positions_) sink.held(kPositions, position.id, position.opened_at);
}

}  // namespace plateau::engine
