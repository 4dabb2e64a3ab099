#include "engine/exec/portfolio_fills.h"

namespace plateau::engine {

OrderRouter::FillHandler make_portfolio_fill_handler(Portfolio& portfolio) {
  return [&portfolio](const FillEvent& fill) {
    portfolio.apply_fill(fill.symbol, fill.side, fill.qty, fill.price, fill.at, fill.effect);
  };
}

}  // namespace plateau::engine
