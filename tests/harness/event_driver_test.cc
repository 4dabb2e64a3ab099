#define BOOST_TEST_MODULE harness_driver
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cmath>
#include <vector>

#include "harness/event_driver.h"
#include "harness/harness_options.h"
#include "harness/wall_pacer.h"

using namespace std::chrono_literals;
using plateau::engine::Duration;
using plateau::engine::ManualClock;
using plateau::engine::TimePoint;
using plateau::harness::Event;
using plateau::harness::EventDriver;
using plateau::harness::kVirtualEpoch;
using plateau::harness::WallPacer;

namespace {

struct Trace {
  std::vector<Event> events;
  std::vector<std::uint64_t> payload_draws;
};

Trace run(std::uint64_t seed, bool extra_stream = false) {
  EventDriver driver(kVirtualEpoch, kVirtualEpoch + 1h, seed);
  auto ticks = driver.add_poisson("ticks", 5.0);
  driver.add_poisson("plans", 0.5);
  driver.add_periodic("maintain", 10s, 0s);
  driver.add_schedule("checkpoints", {kVirtualEpoch + 30min, kVirtualEpoch + 2h});
  if (extra_stream) driver.add_poisson("extra", 3.0);
  Trace trace;
  while (auto event = driver.next()) {
    trace.events.push_back(*event);
    if (event->stream == ticks) trace.payload_draws.push_back(driver.payload_rng(ticks).next_u64());
  }
  return trace;
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_seed_gives_the_same_event_sequence) {
  const Trace a = run(42);
  const Trace b = run(42);
  BOOST_REQUIRE_EQUAL(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    BOOST_REQUIRE(a.events[i].at == b.events[i].at);
    BOOST_REQUIRE_EQUAL(a.events[i].stream, b.events[i].stream);
  }
  BOOST_TEST(a.payload_draws == b.payload_draws);
  const Trace c = run(43);
  BOOST_TEST((c.events.size() != a.events.size() || c.events[5].at != a.events[5].at));
}

BOOST_AUTO_TEST_CASE(adding_a_stream_does_not_move_the_others) {
  const Trace a = run(7);
  const Trace b = run(7, /*extra_stream=*/true);
  std::vector<TimePoint> ticks_a, ticks_b;
  for (const auto& e : a.events) if (e.stream == 0) ticks_a.push_back(e.at);
  for (const auto& e : b.events) if (e.stream == 0) ticks_b.push_back(e.at);
  BOOST_TEST((ticks_a == ticks_b));
}

BOOST_AUTO_TEST_CASE(events_are_ordered_and_inside_the_run) {
  const Trace a = run(1);
  for (std::size_t i = 1; i < a.events.size(); ++i) BOOST_REQUIRE(a.events[i - 1].at <= a.events[i].at);
  BOOST_TEST((a.events.front().at >= kVirtualEpoch));
  BOOST_TEST((a.events.back().at < kVirtualEpoch + 1h));
  std::size_t maintain = 0, checkpoints = 0, ticks = 0;
  for (const auto& e : a.events) {
    maintain += e.stream == 2;
    checkpoints += e.stream == 3;
    ticks += e.stream == 0;
  }
  BOOST_TEST(maintain == 360u);    // at 0 s, 10 s, ... 3590 s
  BOOST_TEST(checkpoints == 1u);   // the one at 2 h is past the end
  // Poisson count at 5/s over 3600 s: mean 18000, sd ~134.
  BOOST_TEST(std::abs(static_cast<double>(ticks) - 18000.0) < 6 * 134.0);
}

BOOST_AUTO_TEST_CASE(wall_pacer_waits_for_real_time_and_stops_on_request) {
  ManualClock wall(TimePoint{} + 100s);
  Duration slept{};
  std::atomic<bool> stop{false};
  WallPacer pacer(wall, kVirtualEpoch, [&](Duration d) { slept += d; wall.advance(d); }, &stop);
  BOOST_TEST(pacer.wait_until(kVirtualEpoch + 2s));
  BOOST_TEST((slept == 2s));
  BOOST_TEST((wall.now() == TimePoint{} + 102s));
  wall.advance(5s);  // the driver fell behind: no sleep, lag recorded
  BOOST_TEST(pacer.wait_until(kVirtualEpoch + 3s));
  BOOST_TEST((slept == 2s));
  BOOST_TEST((pacer.max_lag() == 4s));
  stop = true;
  BOOST_TEST(!pacer.wait_until(kVirtualEpoch + 60s));
}
