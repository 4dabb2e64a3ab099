// ExitVenue: where the ExitManager sends the sell (or buy-to-cover) order
// that takes a position out, and RouterExitVenue, the production one that
// submits it through the OrderRouter as a reduce-only market order.
//
// The seam exists so the harness and tests can inject what real venues do:
// refuse (a result with accepted = false), throw, or take their time (block
// until a test releases them, which is how racing exits are made to overlap).
//
// Thread safety: submit_exit may be called from several threads at once (one
// per concurrent exit); implementations must allow that.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/types.h"

namespace plateau::engine {

class OrderRouter;

struct ExitOrder {
  Symbol symbol;
  Side side = Side::kSell;  // kSell closes a long, kBuy covers a short
  Fixed qty;                // positive
  std::string reason;
};

struct ExitVenueResult {
  bool accepted = false;
  std::optional<OrderId> order_id;  // the order that carries the exit, when accepted
  std::string error;                // why not, when refused
};

class ExitVenue {
 public:
  virtual ~ExitVenue() = default;
  // May throw; the ExitManager turns an exception into a failed ExitResult.
  virtual ExitVenueResult submit_exit(const ExitOrder& order, TimePoint now) = 0;
};

// Submits each exit as OrderIntent{"exit-<symbol>-<n>", symbol, side, qty,
// market, "exit:<reason>", kReduceOnly}. `router` must outlive it.
class RouterExitVenue final : public ExitVenue {
 public:
  explicit RouterExitVenue(OrderRouter& router) noexcept : router_(router) {}
  // Order ids become "exit-<symbol>-<id_session><n>": unique across restarts
  // (see EngineConfig::id_session).
  RouterExitVenue(OrderRouter& router, std::string id_session)
      : router_(router), id_session_(std::move(id_session)) {}
  ExitVenueResult submit_exit(const ExitOrder& order, TimePoint now) override;

 private:
  OrderRouter& router_;
  const std::string id_session_;
  std::atomic<std::uint64_t> next_exit_number_{1};
};

}  // namespace plateau::engine
