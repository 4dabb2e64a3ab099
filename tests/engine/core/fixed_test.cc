#define BOOST_TEST_MODULE engine_core
#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"

using plateau::engine::Failpoint;
using plateau::engine::Failpoints;
using plateau::engine::Fixed;

BOOST_AUTO_TEST_SUITE(fixed)

BOOST_AUTO_TEST_CASE(parse_and_print_round_trip) {
  for (const char* text : {"0", "1", "-1", "10.5", "0.00000001", "-123.45678901", "92233720368"}) {
    auto value = Fixed::parse(text);
    BOOST_REQUIRE_MESSAGE(value, text);
    BOOST_TEST(value->to_string() == text);
  }
  BOOST_TEST(!Fixed::parse(""));
  BOOST_TEST(!Fixed::parse("1.000000001"));
  BOOST_TEST(!Fixed::parse("1e5"));
  BOOST_TEST(!Fixed::parse("1.2.3"));
}

BOOST_AUTO_TEST_CASE(multiplication_rounds_half_away_from_zero) {
  // 0.00000001 * 0.5 = 0.000000005 -> 0.00000001
  BOOST_TEST((*Fixed::parse("0.00000001") * *Fixed::parse("0.5")).raw() == 1);
  BOOST_TEST((*Fixed::parse("-0.00000001") * *Fixed::parse("0.5")).raw() == -1);
  BOOST_TEST((*Fixed::parse("12.5") * *Fixed::parse("4")).to_string() == "50");
  BOOST_TEST((*Fixed::parse("10") / *Fixed::parse("3")).to_string() == "3.33333333");
  BOOST_TEST((*Fixed::parse("20") / *Fixed::parse("3")).to_string() == "6.66666667");
}

BOOST_AUTO_TEST_CASE(cents_rounding) {
  BOOST_TEST(Fixed::parse("10.005")->rounded(2).to_string() == "10.01");
  BOOST_TEST(Fixed::parse("-10.005")->rounded(2).to_string() == "-10.01");
  BOOST_TEST(Fixed::parse("10.00499999")->rounded(2).to_string() == "10");
}

BOOST_AUTO_TEST_CASE(overflow_and_division_by_zero_throw) {
  Fixed big = Fixed::from_int(90'000'000'000);
  BOOST_CHECK_THROW(big + big, std::overflow_error);
  BOOST_CHECK_THROW(big * big, std::overflow_error);
  BOOST_CHECK_THROW(big / Fixed{}, std::domain_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failpoints)

BOOST_AUTO_TEST_CASE(off_by_default_and_switchable_by_name) {
  Failpoints fps;
  for (const auto& fp : plateau::engine::all_failpoints()) BOOST_TEST(!fps.on(fp.id));
  fps.enable("plans.leak_execution_locks");
  BOOST_TEST(fps.on(Failpoint::kPlansLeakExecutionLocks));
  BOOST_TEST(!fps.on(Failpoint::kPlansLeakInvalidSymbols));
  BOOST_TEST(fps.enabled_names().size() == 1u);
  fps.set(Failpoint::kPlansLeakExecutionLocks, false);
  BOOST_TEST(!fps.on(Failpoint::kPlansLeakExecutionLocks));
}

BOOST_AUTO_TEST_CASE(unknown_name_is_refused_with_the_name) {
  Failpoints fps;
  try {
    fps.enable("plans.no_such_thing");
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("plans.no_such_thing") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(every_canary_has_a_unique_name) {
  auto all = plateau::engine::all_failpoints();
  BOOST_TEST(all.size() == static_cast<std::size_t>(Failpoint::kCount));
  for (std::size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST(static_cast<std::size_t>(all[i].id) == i);
    BOOST_TEST((Failpoints::parse(all[i].name) == all[i].id));
  }
}

BOOST_AUTO_TEST_SUITE_END()
