// OrderRouter: the registry of orders in flight and recently finished
// (seed 004 H5).
//
// submit() records an intent in `seen` (the dedup set: an id is accepted at
// most once while remembered) and in `order_meta` (state, symbol, times);
// on_order_update() moves the order's state forward and hands each execution
// to the fill handler (e.g. the Portfolio, see portfolio_fills.h). Terminal
// orders whose last update is older than `terminal_order_ttl` (2 h) are purged
// from both containers by maintain(now) once every `purge_interval` (1 h) —
// and, as in the seed, opportunistically by submit() when a purge is due. The
// first call that carries a `now` starts the interval clock. Non-terminal
// orders are never purged. Failpoint router.keep_terminal_orders puts the
// seed's leak back: purges remove nothing.
//
// Invariants: `seen` and `order_meta` hold the same ids; `lost_orders` (an
// invariant counter) counts broken ones: a non-terminal update for an order
// the router does not know, or an id found in one container but not the
// other (repaired when found). Audit: both containers list order ids,
// EntityKind::kOrder, stored_at = submitted_at, component "router".
//
// Thread safety: every method may be called from any thread; one mutex guards
// all state. The fill handler is called after the mutex is released, on the
// thread that delivered the update, so it may take other locks (the
// Portfolio's) without ordering constraints against the router.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "engine/core/mutex.h"
#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"
#include "engine/core/undeclared_resources.h"
#include "engine/exec/order.h"

namespace plateau::engine {

struct OrderRouterOptions {
  Duration terminal_order_ttl = std::chrono::seconds(7200);
  Duration purge_interval = std::chrono::seconds(3600);
};

enum class SubmitStatus : std::uint8_t {
  kAccepted,
  kDuplicate,  // the id was already submitted (and is still remembered)
  kInvalid,    // empty id or symbol, non-positive qty or limit price
};
std::string_view to_string(SubmitStatus status) noexcept;

struct SubmitResult {
  SubmitStatus status = SubmitStatus::kAccepted;
  std::string error;  // empty when accepted; else names the field, value and why
  bool accepted() const noexcept { return status == SubmitStatus::kAccepted; }
};

enum class UpdateStatus : std::uint8_t {
  kApplied,
  kIgnoredTerminal,  // the order already reached a terminal state
  kUnknownOrder,     // not known: purged already (terminal) or lost (non-terminal)
  kInvalid,          // a fill with a non-positive qty/price, or a backward transition
};
std::string_view to_string(UpdateStatus status) noexcept;

class OrderRouter {
 public:
  using FillHandler = std::function<void(const FillEvent&)>;

  // `failpoints` must outlive the router. `on_fill` may be empty (fills are
  // then only counted). Throws std::invalid_argument on a non-positive ttl or
  // interval.
  OrderRouter(const Failpoints& failpoints, OrderRouterOptions options, FillHandler on_fill);
  OrderRouter(const OrderRouter&) = delete;
  OrderRouter& operator=(const OrderRouter&) = delete;

  SubmitResult submit(const OrderIntent& intent, TimePoint now);

  UpdateStatus on_order_update(const OrderUpdate& update, TimePoint now);
  // Shorthand for an update without an execution.
  UpdateStatus on_order_update(const OrderId& order_id, OrderState state, TimePoint now);

  // Purges when `purge_interval` has passed since the last purge; returns the
  // number of orders removed (0 when not due).
  std::size_t maintain(TimePoint now);

  std::optional<OrderMeta> order_meta(const OrderId& order_id) const;
  bool seen(const OrderId& order_id) const;
  std::size_t order_count() const;  // entries of order_meta
  std::size_t seen_count() const;

  std::uint64_t lost_orders() const;
  std::uint64_t purges_run() const;
  std::uint64_t orders_purged() const;

  // Containers "order_meta", "seen"; counters submitted, duplicates_refused,
  // invalid_refused, fills_routed, updates_for_terminal_orders,
  // updates_for_purged_orders, purges_run, orders_purged (health) and
  // lost_orders (invariant).
  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

 private:
  std::size_t purge_if_due_locked(TimePoint now) REQUIRES(mu_);

  // router.undeclared_fd_leak: an "order-journal" memfd per purge run that
  // nothing reports or closes while the router lives.
  UndeclaredFds undeclared_journals_{"order-journal"};

  const Failpoints& failpoints_;
  const OrderRouterOptions options_;
  const FillHandler on_fill_;

  mutable Mutex mu_;
  std::unordered_map<OrderId, OrderMeta> order_meta_ GUARDED_BY(mu_);
  std::unordered_set<OrderId> seen_ GUARDED_BY(mu_);
  // Running approximate-byte totals of the two containers, kept on every
  // insert and erase so inventory() is O(1) on the sampling path.
  std::size_t meta_bytes_ GUARDED_BY(mu_) = 0;
  std::size_t seen_bytes_ GUARDED_BY(mu_) = 0;
  std::optional<TimePoint> last_purge_at_ GUARDED_BY(mu_);
  std::uint64_t submitted_ GUARDED_BY(mu_) = 0;
  std::uint64_t duplicates_refused_ GUARDED_BY(mu_) = 0;
  std::uint64_t invalid_refused_ GUARDED_BY(mu_) = 0;
  std::uint64_t fills_routed_ GUARDED_BY(mu_) = 0;
  std::uint64_t updates_for_terminal_orders_ GUARDED_BY(mu_) = 0;
  std::uint64_t updates_for_purged_orders_ GUARDED_BY(mu_) = 0;
  std::uint64_t purges_run_ GUARDED_BY(mu_) = 0;
  std::uint64_t orders_purged_ GUARDED_BY(mu_) = 0;
  std::uint64_t lost_orders_ GUARDED_BY(mu_) = 0;
};

}  // namespace plateau::engine
