// Net-of-fees P&L arithmetic for paper positions, all in Fixed.
//
// Seed 003 §3-4: take-profit and stop-loss missed their dollar targets
// because fees were approximated and float mixed with Decimal. Here a fee is
// charged on each side (fee_rate x quantity x price), and the exit price at
// which the *net* P&L equals a target is solved in closed form:
//   long:  net(X) = q*X*(1 - f) - q*E*(1 + f)
//   short: net(X) = q*E*(1 - f) - q*X*(1 + f)
// so net(take_profit_price) is within one cent of the profit target and
// net(stop_loss_price) within one cent of minus the loss target, as long as
// quantity x 1e-8 stays well under a cent (quantity < ~1e5 units).
//
// Thread safety: pure functions.
#pragma once

#include <optional>

#include "engine/core/fixed.h"
#include "engine/core/types.h"

namespace plateau::engine {

struct ExitTargets {
  Fixed take_profit_price;
  Fixed stop_loss_price;
};

Fixed fee_for(Fixed quantity, Fixed price, Fixed fee_rate);

// Net P&L of closing `quantity` opened at `entry_price` on `side` at
// `exit_price`: gross move minus the entry fee and the exit fee.
Fixed net_pnl(Side side, Fixed quantity, Fixed entry_price, Fixed exit_price, Fixed fee_rate);

// The exit prices at which net_pnl equals +profit_target and -loss_target.
// nullopt when a target is unreachable at a positive price (e.g. a long whose
// whole notional after fees is less than the loss target), or when the
// round-trip fees alone exceed the loss target, so the stop would sit on the
// winning side of the entry and fire at once. Throws
// std::invalid_argument if quantity or entry_price is not positive, a target
// is negative, or fee_rate is outside [0, 1).
std::optional<ExitTargets> exit_targets(Side side, Fixed quantity, Fixed entry_price, Fixed fee_rate,
                                        Fixed profit_target, Fixed loss_target);

}  // namespace plateau::engine
