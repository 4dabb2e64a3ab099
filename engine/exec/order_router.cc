#include "engine/core/mutex.h"
#include "engine/exec/order_router.h"

#include <stdexcept>
#include <utility>
#include <vector>

namespace plateau::engine {
namespace {

constexpr std::string_view kComponent = "router";

std::size_t approx_bytes(const OrderMeta& m) {
  return sizeof(OrderMeta) + kHashNodeOverhead + 2 * approx_heap_bytes(m.order_id) +
         approx_heap_bytes(m.symbol) + approx_heap_bytes(m.reason);
}

// Always measured on the element the set stores (not on a copy, whose
// capacity may differ), so insert and erase add and subtract the same figure.
std::size_t seen_entry_bytes(const OrderId& order_id) {
  return sizeof(OrderId) + kHashNodeOverhead + approx_heap_bytes(order_id);
}

bool positive(Fixed value) { return !value.is_zero() && !value.is_negative(); }

std::string invalid_intent(const OrderIntent& intent) {
  if (intent.order_id.empty()) return "order_id must not be empty (symbol '" + intent.symbol + "')";
  if (intent.symbol.empty()) return "symbol must not be empty (order '" + intent.order_id + "')";
  if (!positive(intent.qty)) {
    return "qty must be positive, got " + intent.qty.to_string() + " (order '" + intent.order_id + "')";
  }
  if (intent.limit_price && !positive(*intent.limit_price)) {
    return "limit_price must be positive, got " + intent.limit_price->to_string() + " (order '" +
           intent.order_id + "')";
  }
  return {};
}

// Terminal states rank above every live one; the three live->live moves only go forward.
int rank(OrderState state) {
  switch (state) {
    case OrderState::kNew:
      return 0;
    case OrderState::kPartiallyFilled:
      return 1;
    default:
      return 2;
  }
}

}  // namespace

std::string_view to_string(SubmitStatus status) noexcept {
  switch (status) {
    case SubmitStatus::kAccepted:
      return "accepted";
    case SubmitStatus::kDuplicate:
      return "duplicate";
    case SubmitStatus::kInvalid:
      return "invalid";
  }
  return "unknown";
}

std::string_view to_string(UpdateStatus status) noexcept {
  switch (status) {
    case UpdateStatus::kApplied:
      return "applied";
    case UpdateStatus::kIgnoredTerminal:
      return "ignored_terminal";
    case UpdateStatus::kUnknownOrder:
      return "unknown_order";
    case UpdateStatus::kInvalid:
      return "invalid";
  }
  return "unknown";
}

OrderRouter::OrderRouter(const Failpoints& failpoints, OrderRouterOptions options, FillHandler on_fill)
    : failpoints_(failpoints), options_(options), on_fill_(std::move(on_fill)) {
  if (options_.terminal_order_ttl <= Duration::zero()) {
    throw std::invalid_argument("OrderRouter: terminal_order_ttl must be positive, got " +
                                std::to_string(to_seconds(options_.terminal_order_ttl)) + " s");
  }
  if (options_.purge_interval <= Duration::zero()) {
    throw std::invalid_argument("OrderRouter: purge_interval must be positive, got " +
                                std::to_string(to_seconds(options_.purge_interval)) + " s");
  }
}

SubmitResult OrderRouter::submit(const OrderIntent& intent, TimePoint now) {
  MutexLock lock(mu_);
  purge_if_due_locked(now);
  if (std::string error = invalid_intent(intent); !error.empty()) {
    ++invalid_refused_;
    return {SubmitStatus::kInvalid, "OrderRouter::submit: " + error};
  }
  auto [seen_it, newly_seen] = seen_.insert(intent.order_id);
  if (!newly_seen) {
    ++duplicates_refused_;
    return {SubmitStatus::kDuplicate,
            "OrderRouter::submit: order_id '" + intent.order_id + "' was already submitted"};
  }
  OrderMeta meta;
  meta.order_id = intent.order_id;
  meta.symbol = intent.symbol;
  meta.side = intent.side;
  meta.qty = intent.qty;
  meta.limit_price = intent.limit_price;
  meta.reason = intent.reason;
  meta.effect = intent.effect;
  meta.submitted_at = now;
  meta.updated_at = now;
  seen_bytes_ += seen_entry_bytes(*seen_it);
  const std::size_t meta_bytes = approx_bytes(meta);
  if (order_meta_.emplace(intent.order_id, std::move(meta)).second) {
    meta_bytes_ += meta_bytes;
  } else {
    // An id in order_meta but not in seen: the two containers drifted apart.
    ++lost_orders_;
  }
  ++submitted_;
  return {};
}

UpdateStatus OrderRouter::on_order_update(const OrderId& order_id, OrderState state, TimePoint now) {
  return on_order_update(OrderUpdate{order_id, state, std::nullopt, std::nullopt}, now);
}

UpdateStatus OrderRouter::on_order_update(const OrderUpdate& update, TimePoint now) {
  const bool carries_fill = update.fill_qty.has_value() || update.fill_price.has_value();
  if (carries_fill && (!update.fill_qty || !update.fill_price || !positive(*update.fill_qty) ||
                       !positive(*update.fill_price))) {
    return UpdateStatus::kInvalid;
  }
  std::optional<FillEvent> fill;
  {
    MutexLock lock(mu_);
    auto it = order_meta_.find(update.order_id);
    if (it == order_meta_.end()) {
      if (is_terminal(update.state)) {
        // A late or repeated final report for an order purged after its TTL.
        ++updates_for_purged_orders_;
      } else {
        // A live order the router no longer knows: its fills would be lost.
        ++lost_orders_;
      }
      return UpdateStatus::kUnknownOrder;
    }
    OrderMeta& meta = it->second;
    if (is_terminal(meta.state)) {
      ++updates_for_terminal_orders_;
      return UpdateStatus::kIgnoredTerminal;
    }
    if (rank(update.state) < rank(meta.state)) return UpdateStatus::kInvalid;
    meta.state = update.state;
    meta.updated_at = now;
    if (carries_fill) {
      meta.filled_qty += *update.fill_qty;
      ++fills_routed_;
      fill = FillEvent{meta.order_id,      meta.symbol, meta.side, *update.fill_qty,
                       *update.fill_price, meta.effect, now};
    }
  }
  if (fill && on_fill_) on_fill_(*fill);
  return UpdateStatus::kApplied;
}

std::size_t OrderRouter::maintain(TimePoint now) {
  MutexLock lock(mu_);
  return purge_if_due_locked(now);
}

std::size_t OrderRouter::purge_if_due_locked(TimePoint now) {
  if (!last_purge_at_) {
    last_purge_at_ = now;
    return 0;
  }
  if (now - *last_purge_at_ < options_.purge_interval) return 0;
  last_purge_at_ = now;
  ++purges_run_;
  if (failpoints_.on(Failpoint::kRouterUndeclaredFdLeak)) undeclared_journals_.open_one();

  std::vector<OrderId> expired;
  for (const auto& [order_id, meta] : order_meta_) {
    if (!seen_.contains(order_id)) {
      ++lost_orders_;
      seen_bytes_ += seen_entry_bytes(*seen_.insert(order_id).first);
    }
    if (is_terminal(meta.state) && now - meta.updated_at > options_.terminal_order_ttl) {
      expired.push_back(order_id);
    }
  }
  if (seen_.size() != order_meta_.size()) {
    for (auto it = seen_.begin(); it != seen_.end();) {
      if (order_meta_.contains(*it)) {
        ++it;
      } else {
        ++lost_orders_;
        seen_bytes_ -= seen_entry_bytes(*it);
        it = seen_.erase(it);
      }
    }
  }
  if (failpoints_.on(Failpoint::kRouterKeepTerminalOrders)) return 0;
  for (const OrderId& order_id : expired) {
    if (auto it = order_meta_.find(order_id); it != order_meta_.end()) {
      meta_bytes_ -= approx_bytes(it->second);
      order_meta_.erase(it);
    }
    if (auto it = seen_.find(order_id); it != seen_.end()) {
      seen_bytes_ -= seen_entry_bytes(*it);
      seen_.erase(it);
    }
  }
  orders_purged_ += expired.size();
  return expired.size();
}

std::optional<OrderMeta> OrderRouter::order_meta(const OrderId& order_id) const {
  MutexLock lock(mu_);
  auto it = order_meta_.find(order_id);
  if (it == order_meta_.end()) return std::nullopt;
  return it->second;
}

bool OrderRouter::seen(const OrderId& order_id) const {
  MutexLock lock(mu_);
  return seen_.contains(order_id);
}

std::size_t OrderRouter::order_count() const {
  MutexLock lock(mu_);
  return order_meta_.size();
}

std::size_t OrderRouter::seen_count() const {
  MutexLock lock(mu_);
  return seen_.size();
}

std::uint64_t OrderRouter::lost_orders() const {
  MutexLock lock(mu_);
  return lost_orders_;
}

std::uint64_t OrderRouter::purges_run() const {
  MutexLock lock(mu_);
  return purges_run_;
}

std::uint64_t OrderRouter::orders_purged() const {
  MutexLock lock(mu_);
  return orders_purged_;
}

void OrderRouter::inventory(InventorySink& sink) const {
  MutexLock lock(mu_);
  // Orders come and go with the load: "submitted" counts their arrivals.
  sink.container({kComponent, "order_meta", order_meta_.size(), meta_bytes_, std::nullopt, "submitted"});
  sink.container({kComponent, "seen", seen_.size(), seen_bytes_, std::nullopt, "submitted"});
  sink.counter({kComponent, "submitted", submitted_, CounterKind::kHealth});
  sink.counter({kComponent, "duplicates_refused", duplicates_refused_, CounterKind::kHealth});
  sink.counter({kComponent, "invalid_refused", invalid_refused_, CounterKind::kHealth});
  sink.counter({kComponent, "fills_routed", fills_routed_, CounterKind::kHealth});
  sink.counter(
      {kComponent, "updates_for_terminal_orders", updates_for_terminal_orders_, CounterKind::kHealth});
  sink.counter({kComponent, "updates_for_purged_orders", updates_for_purged_orders_, CounterKind::kHealth});
  sink.counter({kComponent, "purges_run", purges_run_, CounterKind::kHealth});
  sink.counter({kComponent, "orders_purged", orders_purged_, CounterKind::kHealth});
  sink.counter({kComponent, "lost_orders", lost_orders_, CounterKind::kInvariant});
}

void OrderRouter::audit(AuditSink& sink) const {
  static const AuditContainer kOrderMeta{kComponent, "order_meta", EntityKind::kOrder, std::nullopt};
  static const AuditContainer kSeen{kComponent, "seen", EntityKind::kOrder, std::nullopt};
  MutexLock lock(mu_);
  for (const auto& [order_id, meta] : order_meta_) sink.held(kOrderMeta, order_id, meta.submitted_at);
  for (const auto& order_id : seen_) {
    auto it = order_meta_.find(order_id);
    sink.held(kSeen, order_id,
              it == order_meta_.end() ? std::nullopt : std::optional(it->second.submitted_at));
  }
}

}  // namespace plateau::engine
