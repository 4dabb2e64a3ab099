#include "engine/exec/exit_venue.h"

#include "engine/exec/order_router.h"

namespace plateau::engine {

ExitVenueResult RouterExitVenue::submit_exit(const ExitOrder& order, TimePoint now) {
  OrderIntent intent;
  intent.order_id = "exit-" + order.symbol + "-" + id_session_ +
                    std::to_string(next_exit_number_.fetch_add(1, std::memory_order_relaxed));
  intent.symbol = order.symbol;
  intent.side = order.side;
  intent.qty = order.qty;
  intent.reason = "exit:" + order.reason;
  intent.effect = FillEffect::kReduceOnly;
  SubmitResult submitted = router_.submit(intent, now);
  if (!submitted.accepted()) return {false, std::nullopt, submitted.error};
  return {true, intent.order_id, {}};
}

}  // namespace plateau::engine
