#define BOOST_TEST_MODULE engine_portfolio
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "engine/portfolio/portfolio.h"
#include "tests/engine/portfolio/test_support.h"

using namespace plateau::engine;
using plateau::engine::testing::at_seconds;
using plateau::engine::testing::RecordingAudit;
using plateau::engine::testing::RecordingInventory;

namespace {
Fixed fx(const char* text) { return *Fixed::parse(text); }
}  // namespace

BOOST_AUTO_TEST_SUITE(portfolio)

BOOST_AUTO_TEST_CASE(fills_open_grow_and_reweight_the_average_price) {
  Portfolio portfolio;
  FillResult first = portfolio.apply_fill("BTC", Side::kBuy, fx("1"), fx("100"), at_seconds(10));
  BOOST_TEST(first.opened);
  BOOST_TEST(first.position_id.value() == "BTC#1");
  portfolio.apply_fill("BTC", Side::kBuy, fx("3"), fx("200"), at_seconds(20));

  auto position = portfolio.get("BTC");
  BOOST_REQUIRE(position);
  BOOST_TEST(position->qty == fx("4"));
  BOOST_TEST(position->avg_price == fx("175"));  // (1*100 + 3*200) / 4
  BOOST_TEST((position->opened_at == at_seconds(10)));
  BOOST_TEST((position->updated_at == at_seconds(20)));
  BOOST_TEST(portfolio.fills_applied() == 2u);
  BOOST_TEST(portfolio.positions_opened() == 1u);
}

BOOST_AUTO_TEST_CASE(opposite_fills_shrink_close_and_flip_with_a_new_id) {
  Portfolio portfolio;
  portfolio.apply_fill("ETH", Side::kBuy, fx("2"), fx("10"), at_seconds(1));
  FillResult shrink = portfolio.apply_fill("ETH", Side::kSell, fx("0.5"), fx("12"), at_seconds(2));
  BOOST_TEST(!shrink.closed);
  BOOST_TEST(portfolio.get("ETH")->qty == fx("1.5"));
  BOOST_TEST(portfolio.get("ETH")->avg_price == fx("10"));

  FillResult flip = portfolio.apply_fill("ETH", Side::kSell, fx("2"), fx("11"), at_seconds(3));
  BOOST_TEST(flip.closed);
  BOOST_TEST(flip.closed_id.value() == "ETH#1");
  BOOST_TEST(flip.opened);
  BOOST_TEST(flip.position_id.value() == "ETH#2");
  auto short_position = portfolio.get("ETH");
  BOOST_TEST(short_position->qty == fx("-0.5"));
  BOOST_TEST(short_position->avg_price == fx("11"));

  FillResult cover = portfolio.apply_fill("ETH", Side::kBuy, fx("0.5"), fx("9"), at_seconds(4));
  BOOST_TEST(cover.closed);
  BOOST_TEST(!cover.opened);
  BOOST_TEST(!portfolio.holds("ETH"));
  BOOST_TEST(portfolio.positions_opened() == 2u);
  BOOST_TEST(portfolio.positions_closed() == 2u);
}

BOOST_AUTO_TEST_CASE(reduce_only_fills_never_open_or_flip) {
  Portfolio portfolio;
  FillResult nothing =
      portfolio.apply_fill("SOL", Side::kSell, fx("1"), fx("5"), at_seconds(1), FillEffect::kReduceOnly);
  BOOST_TEST(!nothing.applied);
  BOOST_TEST(portfolio.size() == 0u);

  portfolio.apply_fill("SOL", Side::kBuy, fx("1"), fx("5"), at_seconds(2));
  FillResult clamped =
      portfolio.apply_fill("SOL", Side::kSell, fx("3"), fx("6"), at_seconds(3), FillEffect::kReduceOnly);
  BOOST_TEST(clamped.closed);
  BOOST_TEST(!clamped.opened);
  BOOST_TEST(!portfolio.holds("SOL"));
}

BOOST_AUTO_TEST_CASE(protection_and_meta_live_in_the_one_position) {
  Portfolio portfolio;
  portfolio.apply_fill("BTC", Side::kBuy, fx("1"), fx("100"), at_seconds(1));

  Protection tp;
  tp.take_profit_order_id = "tp-1";
  tp.take_profit_price = fx("110");
  tp.active = ProtectionType::kTakeProfit;
  BOOST_TEST(portfolio.set_protection("BTC", tp, at_seconds(5)));
  BOOST_TEST(portfolio.set_meta("BTC", "strategy", "breakout"));

  // A later fill must not lose the protection: fills and protection are one record.
  portfolio.apply_fill("BTC", Side::kBuy, fx("1"), fx("100"), at_seconds(6));
  auto position = portfolio.get("BTC");
  BOOST_TEST(position->protection.take_profit_order_id.value() == "tp-1");
  BOOST_TEST((position->protection.active == ProtectionType::kTakeProfit));
  BOOST_TEST((position->protection.last_switch_at.value() == at_seconds(5)));
  BOOST_TEST(position->meta.at("strategy") == "breakout");

  Protection sl = position->protection;
  sl.stop_loss_order_id = "sl-1";
  sl.active = ProtectionType::kStopLoss;
  portfolio.set_protection("BTC", sl, at_seconds(9));
  position = portfolio.get("BTC");
  BOOST_TEST(position->protection.stop_loss_order_id.value() == "sl-1");
  BOOST_TEST((position->protection.active == ProtectionType::kStopLoss));
  BOOST_TEST((position->protection.last_switch_at.value() == at_seconds(9)));

  BOOST_TEST(!portfolio.set_protection("NOPE", sl, at_seconds(9)));
  BOOST_TEST(!portfolio.set_meta("NOPE", "k", "v"));
}

BOOST_AUTO_TEST_CASE(close_removes_the_position_from_audit_and_notifies) {
  Portfolio portfolio;
  std::vector<Symbol> changes;
  portfolio.set_change_listener([&](const Symbol& s) { changes.push_back(s); });
  portfolio.apply_fill("BTC", Side::kBuy, fx("1"), fx("100"), at_seconds(1));
  portfolio.apply_fill("ETH", Side::kBuy, fx("1"), fx("10"), at_seconds(1));

  RecordingAudit before;
  portfolio.audit(before);
  BOOST_TEST(before.keys("positions") == (std::set<std::string>{"BTC#1", "ETH#2"}));
  BOOST_TEST((before.kind("positions") == EntityKind::kPosition));

  auto closed = portfolio.close("BTC");
  BOOST_TEST(closed->id == "BTC#1");
  BOOST_TEST(!portfolio.close("BTC"));
  RecordingAudit after;
  portfolio.audit(after);
  BOOST_TEST(after.keys("positions") == (std::set<std::string>{"ETH#2"}));
  BOOST_TEST(portfolio.symbols() == (std::vector<Symbol>{"ETH"}));
  BOOST_TEST(changes == (std::vector<Symbol>{"BTC", "ETH", "BTC"}));

  RecordingInventory inventory;
  portfolio.inventory(inventory);
  BOOST_TEST(inventory.entries("positions") == 1u);
  BOOST_TEST(inventory.bytes("positions") > 0u);
  BOOST_TEST(inventory.counter_value("positions_closed") == 1u);
}

BOOST_AUTO_TEST_CASE(reduce_keeps_the_average_and_refuses_more_than_held) {
  Portfolio portfolio;
  portfolio.apply_fill("BTC", Side::kBuy, fx("2"), fx("100"), at_seconds(1));
  auto after = portfolio.reduce("BTC", fx("0.5"), at_seconds(2));
  BOOST_TEST(after->qty == fx("1.5"));
  BOOST_TEST(after->avg_price == fx("100"));
  BOOST_CHECK_THROW(portfolio.reduce("BTC", fx("2"), at_seconds(3)), std::invalid_argument);
  BOOST_TEST(!portfolio.reduce("BTC", fx("1.5"), at_seconds(3)));
  BOOST_TEST(!portfolio.holds("BTC"));
}

BOOST_AUTO_TEST_CASE(bad_fills_are_refused_naming_the_field) {
  Portfolio portfolio;
  try {
    portfolio.apply_fill("BTC", Side::kBuy, fx("0"), fx("100"), at_seconds(1));
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("qty") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("BTC") != std::string::npos);
  }
  BOOST_CHECK_THROW(portfolio.apply_fill("BTC", Side::kBuy, fx("1"), fx("-1"), at_seconds(1)),
                    std::invalid_argument);
  BOOST_CHECK_THROW(portfolio.apply_fill("", Side::kBuy, fx("1"), fx("1"), at_seconds(1)),
                    std::invalid_argument);
  BOOST_TEST(portfolio.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
