#include "engine/paper/paper_pnl.h"

#include <stdexcept>
#include <string>

namespace plateau::engine {

Fixed fee_for(Fixed quantity, Fixed price, Fixed fee_rate) { return quantity * price * fee_rate; }

Fixed net_pnl(Side side, Fixed quantity, Fixed entry_price, Fixed exit_price, Fixed fee_rate) {
  const Fixed gross =
      side == Side::kBuy ? quantity * (exit_price - entry_price) : quantity * (entry_price - exit_price);
  return gross - fee_for(quantity, entry_price, fee_rate) - fee_for(quantity, exit_price, fee_rate);
}

std::optional<ExitTargets> exit_targets(Side side, Fixed quantity, Fixed entry_price, Fixed fee_rate,
                                        Fixed profit_target, Fixed loss_target) {
  if (quantity <= Fixed{}) {
    throw std::invalid_argument("exit_targets: quantity is " + quantity.to_string() + "; must be positive");
  }
  if (entry_price <= Fixed{}) {
    throw std::invalid_argument("exit_targets: entry_price is " + entry_price.to_string() +
                                "; must be positive");
  }
  const Fixed one = Fixed::from_int(1);
  if (fee_rate < Fixed{} || fee_rate >= one) {
    throw std::invalid_argument("exit_targets: fee_rate is " + fee_rate.to_string() + "; must be in [0, 1)");
  }
  if (profit_target < Fixed{} || loss_target < Fixed{}) {
    throw std::invalid_argument("exit_targets: targets must not be negative (profit " +
                                profit_target.to_string() + ", loss " + loss_target.to_string() + ")");
  }
  // Solve net(X) = target for X directly; dividing last keeps a single
  // rounding step at the 8th decimal of the price.
  const Fixed notional = quantity * entry_price;
  ExitTargets targets;
  if (side == Side::kBuy) {
    const Fixed cost = notional * (one + fee_rate);      // what the exit must recover
    const Fixed per_unit = quantity * (one - fee_rate);  // net proceeds per unit of exit price
    targets.take_profit_price = (cost + profit_target) / per_unit;
    targets.stop_loss_price = (cost - loss_target) / per_unit;
  } else {
    const Fixed proceeds = notional * (one - fee_rate);  // kept from the short sale
    const Fixed per_unit = quantity * (one + fee_rate);  // cost per unit of buy-back price
    targets.take_profit_price = (proceeds - profit_target) / per_unit;
    targets.stop_loss_price = (proceeds + loss_target) / per_unit;
  }
  if (targets.take_profit_price <= Fixed{} || targets.stop_loss_price <= Fixed{}) {
    return std::nullopt;
  }
  // When the round-trip fees alone exceed the loss target, the stop lies on
  // the winning side of the entry and would fire at once.
  const bool stop_beyond_entry =
      side == Side::kBuy ? targets.stop_loss_price < entry_price : targets.stop_loss_price > entry_price;
  if (!stop_beyond_entry) return std::nullopt;
  return targets;
}

}  // namespace plateau::engine
