// The copy-trading vocabulary: a followed wallet's transaction and the
// signal the WalletMonitor turns it into for the TradeExecutor.
//
// A WalletTransaction is what the chain stream delivers (possibly more than
// once: streams redeliver). A CopySignal is emitted at most once per
// transaction hash and carries the quantity to copy, already scaled by the
// monitor's copy ratio.
//
// Thread safety: value types only.
#pragma once

#include <string>

#include "engine/core/clock.h"
#include "engine/core/fixed.h"
#include "engine/core/types.h"

namespace plateau::engine {

struct WalletTransaction {
  TxHash hash;
  std::string wallet;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed quantity;
  Fixed price;
  TimePoint timestamp;  // when the transaction happened on chain
};

struct CopySignal {
  TxHash source_tx;
  std::string wallet;
  Symbol symbol;
  Side side = Side::kBuy;
  Fixed quantity;  // the followed wallet's quantity times the copy ratio
  Fixed price;     // the followed wallet's fill price
  TimePoint observed_at;  // when the monitor saw the transaction
};

}  // namespace plateau::engine
