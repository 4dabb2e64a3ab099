// The usual wiring of OrderRouter fills into the Portfolio: each FillEvent
// becomes Portfolio::apply_fill with the order's side, quantity, price and
// fill effect (reduce-only for exit orders).
//
// Thread safety: the returned handler may be called from any thread; the
// Portfolio must outlive it.
#pragma once

#include "engine/exec/order_router.h"
#include "engine/portfolio/portfolio.h"

namespace plateau::engine {

OrderRouter::FillHandler make_portfolio_fill_handler(Portfolio& portfolio);

}  // namespace plateau::engine
