#define BOOST_TEST_MODULE probes_inventory_audit
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <string>

#include "engine/core/failpoints.h"
#include "probes/audit_probe.h"
#include "probes/entity_ledger.h"
#include "probes/inventory_probe.h"
#include "probes/registry.h"
#include "tests/probes/fake_engine.h"

using namespace std::chrono_literals;
using plateau::engine::EntityKind;
using plateau::engine::Failpoint;
using plateau::engine::Failpoints;
using plateau::engine::TimePoint;
namespace probes = plateau::probes;
using probes::testing::FakePlans;

namespace {

const TimePoint kStart{std::chrono::hours(24 * 365 * 50)};

probes::InventoryProbe& add_inventory(probes::ProbeRegistry& registry, const FakePlans& plans) {
  return registry.emplace<probes::InventoryProbe>(
      [&plans](plateau::engine::InventorySink& sink) { plans.inventory(sink); });
}

double value(const probes::ProbeRegistry& registry, std::string_view name) {
  auto v = registry.last_value(name);
  BOOST_REQUIRE_MESSAGE(v, "series " << name << " was not sampled");
  return *v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inventory)

BOOST_AUTO_TEST_CASE(a_container_that_names_its_arrivals_carries_that_counter_on_its_entries) {
  // The owner's word, kept in one place: the verdict reads the container per
  // unit of load from health.<component>.<arrivals> (docs/verdict.md).
  probes::ProbeRegistry registry;
  registry.emplace<probes::InventoryProbe>([](plateau::engine::InventorySink& sink) {
    sink.container({"router", "order_meta", 3, 300, std::nullopt, "submitted"});
    sink.container({"router", "journal", 1, 10, std::nullopt});
    sink.counter({"router", "submitted", 7, plateau::engine::CounterKind::kHealth});
  });
  for (int pass = 0; pass < 2; ++pass) registry.sample_all(kStart + pass * 10s);  // the cached path too
  std::map<std::string, std::string> arrivals;
  for (const auto& sample : registry.last_batch().samples) {
    const auto& info = registry.info(sample);
    arrivals[info.name] = info.arrivals;
  }
  BOOST_TEST(arrivals.at("inventory.router.order_meta.entries") == "health.router.submitted");
  // Not on its bytes: the time held is the count of entries over their rate.
  BOOST_TEST(arrivals.at("inventory.router.order_meta.bytes").empty());
  BOOST_TEST(arrivals.at("inventory.router.journal.entries").empty());
  BOOST_TEST(arrivals.at("health.router.submitted").empty());
  BOOST_TEST(value(registry, "health.router.submitted") == 7);
}

BOOST_AUTO_TEST_CASE(values_equal_the_engine_counts_and_carry_bounds) {
  Failpoints failpoints;
  FakePlans plans(failpoints);
  probes::ProbeRegistry registry;
  add_inventory(registry, plans);

  for (int round = 0; round < 3; ++round) {  // the cached (fast) path must stay right
    for (int i = 0; i < 10; ++i) plans.add_plan("p" + std::to_string(round * 10 + i), kStart);
    plans.remove_plan("p" + std::to_string(round * 10));
    plans.cache_price("SYM" + std::to_string(round), kStart);
    plans.double_close();
    for (int i = 0; i < 7; ++i) plans.cycle();
    registry.sample_all(kStart + round * 10s);

    BOOST_TEST(value(registry, "inventory.plans.plans.entries") == plans.plan_count());
    BOOST_TEST(value(registry, "inventory.plans.plans.bytes") == plans.plan_count() * 96);
    BOOST_TEST(value(registry, "inventory.plans.execution_locks.entries") == plans.lock_count());
    BOOST_TEST(value(registry, "inventory.market.price_cache.entries") == round + 1);
    BOOST_TEST(value(registry, "invariant.paper.double_closes") == round + 1);
    BOOST_TEST(value(registry, "health.paper.cycles") == 7 * (round + 1));
  }

  const auto& batch = registry.last_batch();
  BOOST_TEST((batch.at == kStart + 20s));
  BOOST_TEST(batch.samples.size() == 3u * 2 + 2);
  for (const auto& sample : batch.samples) {
    const auto& info = registry.info(sample);
    if (info.name == "inventory.plans.plans.entries") {
      BOOST_REQUIRE(sample.bound.has_value());
      BOOST_TEST(*sample.bound == 1000);
      BOOST_TEST(info.unit == "entries");
      BOOST_TEST(info.component == "plans");
    } else if (info.name == "inventory.plans.execution_locks.entries" || info.name.ends_with(".bytes")) {
      BOOST_TEST(!sample.bound.has_value(), info.name << " has no declared bound");
    } else if (info.name == "invariant.paper.double_closes") {
      BOOST_TEST((info.family == probes::SeriesFamily::kInvariant));
      BOOST_TEST(probes::must_stay_zero(info.family));
    } else if (info.name == "health.paper.cycles") {
      BOOST_TEST((info.family == probes::SeriesFamily::kHealth));
    }
  }
}

// A component that reports its containers in another order must still have
// each value land on its own series.
BOOST_AUTO_TEST_CASE(reordered_reports_keep_their_series) {
  bool swapped = false;
  probes::ProbeRegistry registry;
  registry.emplace<probes::InventoryProbe>([&swapped](plateau::engine::InventorySink& sink) {
    const plateau::engine::ContainerReport a{"c", "a", 1, 10, std::nullopt};
    const plateau::engine::ContainerReport b{"c", "b", 2, 20, std::nullopt};
    sink.container(swapped ? b : a);
    sink.container(swapped ? a : b);
  });
  registry.sample_all(kStart);
  swapped = true;
  registry.sample_all(kStart + 10s);
  BOOST_TEST(value(registry, "inventory.c.a.entries") == 1);
  BOOST_TEST(value(registry, "inventory.c.b.entries") == 2);
  BOOST_TEST(value(registry, "inventory.c.b.bytes") == 20);
  BOOST_TEST(registry.series().size() == 4u);
}

BOOST_AUTO_TEST_CASE(same_name_with_another_unit_is_refused) {
  probes::SeriesTable table;
  table.intern("alloc.x", "bytes", "allocator", probes::SeriesFamily::kAllocator);
  BOOST_CHECK_THROW(table.intern("alloc.x", "count", "allocator", probes::SeriesFamily::kAllocator),
                    std::logic_error);
}

BOOST_AUTO_TEST_CASE(a_failing_probe_is_named_in_the_error) {
  probes::ProbeRegistry registry;
  registry.emplace<probes::InventoryProbe>(
      [](plateau::engine::InventorySink&) { throw std::runtime_error("engine inventory unavailable"); });
  try {
    registry.sample_all(kStart);
    BOOST_FAIL("expected std::runtime_error");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "probe 'inventory' failed: engine inventory unavailable");
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(audit)

struct AuditFixture {
  Failpoints failpoints;
  FakePlans plans{failpoints};
  probes::EntityLedger ledger;
  probes::ProbeRegistry registry;
  probes::AuditProbe* audit = nullptr;

  AuditFixture() {
    audit =
        &registry.emplace<probes::AuditProbe>([this](plateau::engine::AuditSink& sink) { plans.audit(sink); },
                                              ledger, probes::AuditProbeOptions{0s, 3});
    audit->declare("plans", "plans", EntityKind::kPlan);
    audit->declare("plans", "execution_locks", EntityKind::kPlan);
  }

  // Creates n plans at `now`, then closes them all with a grace of 1 minute.
  void run_plans(int n, TimePoint now) {
    for (int i = 0; i < n; ++i) {
      const std::string id = "plan-" + std::to_string(i);
      plans.add_plan(id, now);
      ledger.activated(EntityKind::kPlan, id, now);
    }
    for (int i = 0; i < n; ++i) {
      const std::string id = "plan-" + std::to_string(i);
      plans.remove_plan(id);
      ledger.terminated(EntityKind::kPlan, id, now, 1min);
    }
  }
};

BOOST_FIXTURE_TEST_CASE(no_residue_when_the_engine_releases_everything, AuditFixture) {
  run_plans(20, kStart);
  registry.sample_all(kStart + 5min);
  BOOST_TEST(value(registry, "invariant.residue.plans.execution_locks") == 0);
  BOOST_TEST(audit->total_residue() == 0u);
}

BOOST_FIXTURE_TEST_CASE(residue_names_keys_held_past_grace_under_the_failpoint, AuditFixture) {
  failpoints.set(Failpoint::kPlansLeakExecutionLocks, true);
  run_plans(20, kStart);

  // Within grace the held locks are not residue yet.
  registry.sample_all(kStart + 1min);
  BOOST_TEST(value(registry, "invariant.residue.plans.execution_locks") == 0);

  registry.sample_all(kStart + 1min + 1s);
  BOOST_TEST(value(registry, "invariant.residue.plans.execution_locks") == 20);
  BOOST_TEST(value(registry, "invariant.residue.plans.plans") == 0);

  const probes::ContainerResidue* locks = nullptr;
  for (const auto& c : audit->residue()) {
    if (c.container == "execution_locks") locks = &c;
  }
  BOOST_REQUIRE(locks != nullptr);
  BOOST_TEST(locks->component == "plans");
  BOOST_TEST(locks->held_keys == 20u);
  BOOST_TEST(locks->residue_keys == 20u);
  BOOST_REQUIRE(locks->examples.size() == 3u);  // examples_per_container
  const auto& example = locks->examples.front();
  BOOST_TEST(example.key.starts_with("plan-"));
  BOOST_TEST((example.kind == EntityKind::kPlan));
  BOOST_TEST((example.reason == probes::ResidueReason::kTerminatedPastGrace));
  BOOST_TEST((example.since == kStart));
  BOOST_TEST((example.age == 1min + 1s));
}

BOOST_FIXTURE_TEST_CASE(reactivated_keys_are_not_residue, AuditFixture) {
  failpoints.set(Failpoint::kPlansLeakExecutionLocks, true);
  run_plans(2, kStart);
  ledger.activated(EntityKind::kPlan, "plan-0", kStart + 30s);  // the id came back
  registry.sample_all(kStart + 10min);
  BOOST_TEST(value(registry, "invariant.residue.plans.execution_locks") == 1);
}

BOOST_FIXTURE_TEST_CASE(cache_entries_older_than_max_age_are_residue, AuditFixture) {
  plans.cache_price("OLD", kStart);
  plans.cache_price("NEW", kStart + 4min);
  registry.sample_all(kStart + 5min);
  BOOST_TEST(value(registry, "invariant.residue.market.price_cache") == 0);
  registry.sample_all(kStart + 6min);
  BOOST_TEST(value(registry, "invariant.residue.market.price_cache") == 1);
  plans.evict_price("OLD");
  registry.sample_all(kStart + 7min);
  BOOST_TEST(value(registry, "invariant.residue.market.price_cache") == 0);
}

BOOST_FIXTURE_TEST_CASE(containers_seen_holding_keys_get_a_series, AuditFixture) {
  plans.cache_price("X", kStart);
  registry.sample_all(kStart);
  BOOST_TEST(value(registry, "invariant.residue.market.price_cache") == 0);
  plans.evict_price("X");
  registry.sample_all(kStart + 1h);  // empty now: still published, as zero
  BOOST_TEST(value(registry, "invariant.residue.market.price_cache") == 0);
}

BOOST_AUTO_TEST_CASE(audit_runs_once_per_interval_and_republishes_between) {
  Failpoints failpoints;
  failpoints.set(Failpoint::kPlansLeakExecutionLocks, true);
  FakePlans plans(failpoints);
  probes::EntityLedger ledger;
  probes::ProbeRegistry registry;
  int passes = 0;
  registry.emplace<probes::AuditProbe>(
      [&](plateau::engine::AuditSink& sink) {
        ++passes;
        plans.audit(sink);
      },
      ledger, probes::AuditProbeOptions{1min, 5});
  plans.add_plan("a", kStart);
  plans.remove_plan("a");
  ledger.terminated(EntityKind::kPlan, "a", kStart, 0s);
  for (int i = 0; i < 6; ++i) registry.sample_all(kStart + 1s + i * 10s);
  BOOST_TEST(passes == 1);
  BOOST_TEST(value(registry, "invariant.residue.plans.execution_locks") == 1);
  registry.sample_all(kStart + 1s + 1min);
  BOOST_TEST(passes == 2);
}

BOOST_AUTO_TEST_CASE(ledger_forgets_unheld_records_and_keeps_held_ones) {
  probes::EntityLedger ledger(probes::EntityLedgerOptions{.forget_after = 1h, .forget_every = 15min});
  // A day of terminations, one a minute, audited every minute.
  for (int minute = 0; minute < 24 * 60; ++minute) {
    const TimePoint now = kStart + std::chrono::minutes(minute);
    ledger.terminated(EntityKind::kOrder, "o" + std::to_string(minute), now, 10min);
    ledger.begin_audit();
    ledger.mark_held(EntityKind::kOrder, "o0", now);  // one order is leaked and always held
    ledger.forget(now);
  }
  // Kept: the leaked order plus the records within grace + forget_after,
  // and up to forget_every's worth more between two sweeps.
  BOOST_TEST(ledger.size() <= 1u + 70u + 15u + 1u);
  BOOST_TEST(ledger.size() >= 70u);
  BOOST_TEST(ledger.overdue(EntityKind::kOrder, "o0", kStart + 24h).has_value());
  BOOST_TEST(!ledger.overdue(EntityKind::kOrder, "o1", kStart + 24h).has_value());
}

BOOST_AUTO_TEST_CASE(ledger_sweeps_at_most_once_per_forget_every) {
  probes::EntityLedger ledger(probes::EntityLedgerOptions{.forget_after = 0s, .forget_every = 10min});
  // Each forget() closes an audit pass that found nothing held.
  ledger.terminated(EntityKind::kOrder, "a", kStart, 0s);
  ledger.begin_audit();
  BOOST_TEST(ledger.forget(kStart + 1min) == 1u);  // first sweep
  ledger.terminated(EntityKind::kOrder, "b", kStart + 2min, 0s);
  ledger.begin_audit();
  BOOST_TEST(ledger.forget(kStart + 5min) == 0u);  // too soon after the last sweep: not swept
  BOOST_TEST(ledger.size() == 1u);
  ledger.begin_audit();
  BOOST_TEST(ledger.forget(kStart + 11min) == 1u);  // due again
  BOOST_TEST(ledger.size() == 0u);
}

BOOST_AUTO_TEST_CASE(audit_pass_under_one_lock_finds_and_forgets_like_the_single_calls) {
  probes::EntityLedger ledger(probes::EntityLedgerOptions{.forget_after = 0s, .forget_every = 0s});
  ledger.terminated(EntityKind::kOrder, "held", kStart, 1min);
  ledger.terminated(EntityKind::kOrder, "gone", kStart, 1min);
  {
    probes::EntityLedger::AuditPass pass(ledger);
    BOOST_TEST(!pass.mark_held(EntityKind::kOrder, "held", kStart + 30s).has_value());  // within grace
    BOOST_TEST(pass.finish(kStart + 30s) == 0u);
  }
  probes::EntityLedger::AuditPass pass(ledger);
  const auto record = pass.mark_held(EntityKind::kOrder, "held", kStart + 5min);
  BOOST_REQUIRE(record.has_value());
  BOOST_TEST((record->terminated_at == kStart));
  BOOST_TEST(pass.finish(kStart + 5min) == 1u);  // "gone" was not held: forgotten
  BOOST_TEST(ledger.size() == 1u);               // the lock is released: size() may lock
}

BOOST_AUTO_TEST_CASE(a_sampled_kind_follows_one_key_in_n) {
  probes::EntityLedger ledger(probes::EntityLedgerOptions{.follow_one_in = {{EntityKind::kTransaction, 8}}});
  int followed = 0;
  for (int i = 0; i < 8000; ++i) {
    const std::string key = "0xhash" + std::to_string(i);
    ledger.terminated(EntityKind::kTransaction, key, kStart, 0s);
    if (ledger.follows(EntityKind::kTransaction, key)) {
      ++followed;
      BOOST_TEST(ledger.overdue(EntityKind::kTransaction, key, kStart + 1s).has_value());
    } else {
      BOOST_TEST(!ledger.overdue(EntityKind::kTransaction, key, kStart + 1s).has_value());
    }
  }
  BOOST_TEST(followed > 800);  // about 1000
  BOOST_TEST(followed < 1200);
  BOOST_TEST(ledger.size() == static_cast<std::size_t>(followed));
  BOOST_TEST(ledger.follows(EntityKind::kOrder, "anything"));  // other kinds: every key
  BOOST_CHECK_THROW(probes::EntityLedger(probes::EntityLedgerOptions{.follow_one_in = {{EntityKind::kPlan, 0}}}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(negative_grace_is_refused_with_the_key) {
  probes::EntityLedger ledger;
  try {
    ledger.terminated(EntityKind::kPlan, "p9", kStart, -1s);
    BOOST_FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("p9") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
