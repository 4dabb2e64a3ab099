#define BOOST_TEST_MODULE engine_paper_pnl
#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "engine/paper/paper_pnl.h"
#include "tests/engine/market/test_printers.h"

using namespace plateau::engine;

namespace {

Fixed dec(const char* text) { return *Fixed::parse(text); }
const Fixed kCent = dec("0.01");
const Fixed kFee = dec("0.0004");

}  // namespace

BOOST_AUTO_TEST_CASE(net_pnl_charges_a_fee_on_each_side) {
  // Long 10 @ 100, out @ 110: gross 100, fees 0.4 + 0.44.
  BOOST_TEST(net_pnl(Side::kBuy, dec("10"), dec("100"), dec("110"), kFee) == dec("99.16"));
  // Short 10 @ 100, out @ 90: gross 100, fees 0.4 + 0.36.
  BOOST_TEST(net_pnl(Side::kSell, dec("10"), dec("100"), dec("90"), kFee) == dec("99.24"));
  BOOST_TEST(fee_for(dec("2"), dec("50000"), kFee) == dec("40"));
}

// Seed 003: "$10 net" has to mean $10 after both fees, to the cent, whatever
// the price, size and side.
BOOST_AUTO_TEST_CASE(targets_are_within_a_cent_net_of_fees_across_a_grid) {
  const char* entries[] = {"0.05123", "0.5",    "1",       "3.14159", "17.3",
                           "100",     "999.99", "2500.75", "43210.5", "65000"};
  const char* notionals[] = {"60", "250", "1000", "5000", "12345.67", "90000"};
  const char* targets[][2] = {{"10", "10"}, {"7.5", "12.3"}, {"25", "4"}};
  int checked = 0;
  int refused = 0;
  for (Side side : {Side::kBuy, Side::kSell}) {
    for (const char* entry_text : entries) {
      for (const char* notional_text : notionals) {
        for (const auto& target : targets) {
          const Fixed entry = dec(entry_text);
          const Fixed quantity = dec(notional_text) / entry;
          const Fixed profit = dec(target[0]);
          const Fixed loss = dec(target[1]);
          auto exits = exit_targets(side, quantity, entry, kFee, profit, loss);
          const Fixed round_trip_fees = Fixed::from_int(2) * fee_for(quantity, entry, kFee);
          if (!exits) {
            // Only refused when the fees alone already lose more than the stop allows.
            BOOST_TEST(round_trip_fees >= loss - kCent,
                       "refused " << to_string(side) << " " << entry_text << " x " << notional_text);
            ++refused;
            continue;
          }
          const Fixed at_tp = net_pnl(side, quantity, entry, exits->take_profit_price, kFee);
          const Fixed at_sl = net_pnl(side, quantity, entry, exits->stop_loss_price, kFee);
          BOOST_TEST((at_tp - profit).abs() <= kCent, to_string(side)
                                                          << " " << entry_text << " x " << notional_text
                                                          << ": net at TP " << at_tp << " vs " << profit);
          BOOST_TEST((at_sl + loss).abs() <= kCent, to_string(side)
                                                        << " " << entry_text << " x " << notional_text
                                                        << ": net at SL " << at_sl << " vs -" << loss);
          if (side == Side::kBuy) {
            BOOST_TEST(exits->take_profit_price > entry);
            BOOST_TEST(exits->stop_loss_price < entry);
          } else {
            BOOST_TEST(exits->take_profit_price < entry);
            BOOST_TEST(exits->stop_loss_price > entry);
          }
          ++checked;
        }
      }
    }
  }
  BOOST_TEST(checked + refused == 2 * 10 * 6 * 3);
  BOOST_TEST(checked > 250);
}

BOOST_AUTO_TEST_CASE(gross_target_is_larger_than_net_by_the_fees) {
  // $1000 notional long at 100: the TP move must cover both fees (~0.8).
  auto exits = exit_targets(Side::kBuy, dec("10"), dec("100"), kFee, dec("10"), dec("10"));
  BOOST_REQUIRE(exits);
  const Fixed gross_at_tp = dec("10") * (exits->take_profit_price - dec("100"));
  BOOST_TEST(gross_at_tp > dec("10.8"));
  BOOST_TEST(gross_at_tp < dec("10.81"));
}

BOOST_AUTO_TEST_CASE(unreachable_or_invalid_inputs) {
  // $90,000 notional pays $72 in round-trip fees: a $4 stop would fire at entry.
  BOOST_TEST(!exit_targets(Side::kBuy, dec("900"), dec("100"), kFee, dec("10"), dec("4")));
  BOOST_TEST(!exit_targets(Side::kSell, dec("900"), dec("100"), kFee, dec("10"), dec("4")));
  // A $5 long cannot lose $10 at a positive price.
  BOOST_TEST(!exit_targets(Side::kBuy, dec("0.05"), dec("100"), kFee, dec("10"), dec("10")));
  // A $5 short cannot gain $10 at a positive price.
  BOOST_TEST(!exit_targets(Side::kSell, dec("0.05"), dec("100"), kFee, dec("10"), dec("10")));
  BOOST_CHECK_THROW(exit_targets(Side::kBuy, dec("0"), dec("100"), kFee, dec("10"), dec("10")),
                    std::invalid_argument);
  BOOST_CHECK_THROW(exit_targets(Side::kBuy, dec("1"), dec("-1"), kFee, dec("10"), dec("10")),
                    std::invalid_argument);
  BOOST_CHECK_THROW(exit_targets(Side::kBuy, dec("1"), dec("100"), dec("1"), dec("10"), dec("10")),
                    std::invalid_argument);
}
