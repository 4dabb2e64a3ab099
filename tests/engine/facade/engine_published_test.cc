#define BOOST_TEST_MODULE engine_published
#include <boost/test/unit_test.hpp>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "engine/canary_catalog.h"
#include "engine/core/components.h"
#include "engine/engine.h"
#include "engine/maintain_schedule.h"

// What the engine publishes about itself for the soak (its components, its
// maintain schedule, its grace periods, its canary catalog) must be true of
// the engine: the names are the ones its inventory and audit use, every
// published interval can be set and read back, and an entity is gone from
// every container within the grace period the engine promises for it (and,
// with the failpoint that puts the leak back, is not).

using namespace plateau::engine;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Names final : InventorySink, AuditSink {
  std::set<std::string> inventory, audit;
  void container(const ContainerReport& r) override { inventory.emplace(r.component); }
  void counter(const CounterReport& r) override { inventory.emplace(r.component); }
  void held(const AuditContainer& c, std::string_view, std::optional<TimePoint>) override {
    audit.emplace(c.component);
  }
};

// Which containers hold `key` as an entity of `kind`.
struct Holders final : AuditSink {
  EntityKind kind;
  std::string key;
  std::set<std::string> containers;
  Holders(EntityKind k, std::string k2) : kind(k), key(std::move(k2)) {}
  void held(const AuditContainer& c, std::string_view held_key, std::optional<TimePoint>) override {
    if (c.kind == kind && held_key == key)
      containers.emplace(std::string(c.component) + "." + std::string(c.container));
  }
};

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("engine_published_test_" + std::to_string(::getpid()));
  ManualClock clock{TimePoint{std::chrono::hours(24 * 1000)}};
  Failpoints failpoints;
  DriverCadence cadence{.maintain = 10s, .plans_cycle = 5s, .paper_cycle = 5s};
  Fixture() { fs::create_directories(dir); }
  ~Fixture() { fs::remove_all(dir); }

  // Advances to `until` in maintain ticks, as a driver at `cadence` would.
  void maintain_until(Engine& engine, TimePoint until) {
    while (clock.now() < until) {
      clock.advance(cadence.maintain);
      engine.maintain(clock.now());
    }
  }
  std::set<std::string> holders(const Engine& engine, EntityKind kind, const std::string& key) {
    Holders h(kind, key);
    engine.audit(h);
    return h.containers;
  }
};

EngineConfig short_cleanups() {
  EngineConfig config;
  // Through the published setters, as a scenario's /maintain block would.
  find_maintain_interval("router")->set(config, 2min);
  find_maintain_interval("wallet")->set(config, 2min);
  config.wallet.processed_transactions.max_ttl = 5min;
  config.wallet.followed_wallets = {"w"};
  return config;
}

// Fills one order and returns when it became terminal.
TimePoint fill_one_order(Engine& engine, ManualClock& clock, const OrderId& id) {
  const TimePoint now = clock.now();
  const Fixed qty = Fixed::from_int(1);
  BOOST_REQUIRE(
      engine.router().submit(OrderIntent{id, "SYM", Side::kBuy, qty, std::nullopt, "entry"}, now).accepted());
  engine.router().on_order_update(OrderUpdate{id, OrderState::kFilled, qty, Fixed::from_int(100)}, now);
  return now;
}

}  // namespace

BOOST_AUTO_TEST_CASE(inventory_and_audit_report_only_published_component_names) {
  Fixture f;
  Engine engine(EngineConfig{}, f.clock, f.failpoints, f.dir / "plans.sqlite");
  engine.start(f.clock.now());
  fill_one_order(engine, f.clock, "o-names");
  Names seen;
  engine.inventory(seen);
  engine.audit(seen);
  const auto names = Engine::component_names();
  const std::set<std::string> published(names.begin(), names.end());
  BOOST_TEST(published.size() == names.size(), "a component is listed twice");
  for (const std::string& c : seen.inventory) BOOST_TEST(published.contains(c), "inventory names " << c);
  for (const std::string& c : seen.audit) BOOST_TEST(published.contains(c), "audit names " << c);
}

BOOST_AUTO_TEST_CASE(every_maintain_interval_can_be_set_and_read_back) {
  std::set<std::string_view> keys;
  for (const MaintainInterval& m : maintain_schedule()) {
    BOOST_TEST_CONTEXT(m.key) {
      BOOST_TEST(keys.insert(m.key).second, "key listed twice");
      BOOST_TEST(!m.description.empty());
      BOOST_TEST(find_maintain_interval(m.key) == &m);
      EngineConfig config;
      BOOST_TEST(m.get(config) > Duration::zero());
      const Duration odd = 1234567ms;  // no default equals it
      m.set(config, odd);
      BOOST_TEST(m.get(config).count() == odd.count());
    }
  }
  BOOST_TEST(find_maintain_interval("no_such_key") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_terminal_order_is_gone_within_its_published_grace) {
  Fixture f;
  Engine engine(short_cleanups(), f.clock, f.failpoints, f.dir / "plans.sqlite");
  engine.start(f.clock.now());
  const TimePoint ended = fill_one_order(engine, f.clock, "o-1");
  BOOST_TEST(!f.holders(engine, EntityKind::kOrder, "o-1").empty(), "the order is held once filled");
  const Duration grace = grace_period(engine.config(), EntityEnd::kOrderTerminal, f.cadence);
  BOOST_TEST(grace >= engine.config().router.terminal_order_ttl + engine.config().router.purge_interval);
  f.maintain_until(engine, ended + grace);
  BOOST_TEST(f.holders(engine, EntityKind::kOrder, "o-1").empty());
}

BOOST_AUTO_TEST_CASE(with_the_leak_put_back_a_terminal_order_outlives_its_grace) {
  Fixture f;
  f.failpoints.enable("router.keep_terminal_orders");
  Engine engine(short_cleanups(), f.clock, f.failpoints, f.dir / "plans.sqlite");
  engine.start(f.clock.now());
  const TimePoint ended = fill_one_order(engine, f.clock, "o-2");
  f.maintain_until(engine, ended + grace_period(engine.config(), EntityEnd::kOrderTerminal, f.cadence));
  BOOST_TEST(!f.holders(engine, EntityKind::kOrder, "o-2").empty());
}

BOOST_AUTO_TEST_CASE(a_handled_transaction_is_gone_within_its_published_grace_unless_the_leak_is_on) {
  for (const bool leak : {false, true}) {
    BOOST_TEST_CONTEXT("wallet.unbounded_processed_tx " << (leak ? "on" : "off")) {
      Fixture f;
      if (leak) f.failpoints.enable("wallet.unbounded_processed_tx");
      Engine engine(short_cleanups(), f.clock, f.failpoints, f.dir / "plans.sqlite");
      engine.start(f.clock.now());
      const TimePoint ended = f.clock.now();
      engine.on_wallet_transaction(
          WalletTransaction{"tx-1", "w", "SYM", Side::kBuy, Fixed::from_int(1), Fixed::from_int(100), ended},
          ended);
      BOOST_TEST(!f.holders(engine, EntityKind::kTransaction, "tx-1").empty(),
                 "the hash is held once handled");
      f.maintain_until(engine,
                       ended + grace_period(engine.config(), EntityEnd::kTransactionHandled, f.cadence));
      BOOST_TEST(f.holders(engine, EntityKind::kTransaction, "tx-1").empty() == !leak);
    }
  }
}

BOOST_AUTO_TEST_CASE(grace_periods_cover_the_cleanups_they_wait_for) {
  const EngineConfig c;
  const DriverCadence cadence{.maintain = 10s, .plans_cycle = 5s, .paper_cycle = 5s};
  auto grace = [&](EntityEnd end) { return grace_period(c, end, cadence); };
  BOOST_TEST(grace(EntityEnd::kExitIntentSettled).count() == cadence.maintain.count());
  BOOST_TEST(grace(EntityEnd::kPlanEnded) > 2 * cadence.plans_cycle);
  BOOST_TEST(grace(EntityEnd::kSymbolUnplanned) > grace(EntityEnd::kPlanEnded) + c.plans.cleanup_interval);
  BOOST_TEST(grace(EntityEnd::kPositionClosed) > cadence.paper_cycle);
  BOOST_TEST(grace(EntityEnd::kSymbolDelisted) > c.market.idle_symbol_ttl + c.market.cleanup_interval);
  BOOST_TEST(grace(EntityEnd::kSymbolDelisted) >
             c.wallet.price_cache.max_ttl + c.wallet.price_cache.sweep_interval);
  BOOST_TEST(grace(EntityEnd::kSymbolDelisted) > grace(EntityEnd::kSymbolUnplanned));
  BOOST_TEST((entity_kind_of(EntityEnd::kSymbolDelisted) == EntityKind::kSymbol));
  BOOST_TEST(to_string(EntityEnd::kOrderTerminal) == "order_terminal");
}

BOOST_AUTO_TEST_CASE(the_canary_catalog_covers_every_failpoint_with_names_the_engine_reports) {
  const auto catalog = canary_catalog();
  const auto failpoints = all_failpoints();
  BOOST_REQUIRE(catalog.size() == failpoints.size());
  const auto names = Engine::component_names();
  std::set<std::string_view> known(names.begin(), names.end());
  // Findings may also come from the shared building blocks (component_sources:
  // "cache", "engine") and the process-wide series ("allocator", "process").
  for (const ComponentSource& s : component_sources()) known.insert(s.component);
  known.insert({"allocator", "process"});
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    BOOST_TEST_CONTEXT(failpoints[i].name) {
      BOOST_TEST(catalog[i].failpoint == &failpoints[i]);
      BOOST_TEST(has_canary_rule(failpoints[i].component));
      BOOST_TEST(!catalog[i].code_markers.empty());
      BOOST_TEST(!catalog[i].named_by.empty());
      for (std::string_view n : catalog[i].named_by)
        BOOST_TEST(known.contains(n), "names unknown component " << n);
    }
  }
}

BOOST_AUTO_TEST_CASE(ttl_emptied_caches_fit_a_warm_up_shorter_than_their_fill) {
  // A cache that only its TTL empties fills for max_ttl plus a sweep; a
  // warm-up shorter than that would leave it filling while it is judged
  // (the smoke's wallet caches did: a trend finding on a clean engine).
  using namespace std::chrono_literals;
  plateau::engine::EngineConfig short_warm_up;
  plateau::engine::fit_histories_to_warm_up(short_warm_up, {.warm_up = 20min});
  for (const auto* cache : {&short_warm_up.wallet.processed_transactions, &short_warm_up.wallet.transaction_cache}) {
    BOOST_TEST((cache->max_ttl + cache->sweep_interval <= 20min));
    BOOST_TEST((cache->max_ttl > plateau::engine::Duration::zero()));
  }
  // A warm-up the caches already fill within keeps the production TTL.
  plateau::engine::EngineConfig gate;
  const plateau::engine::EngineConfig production;
  plateau::engine::fit_histories_to_warm_up(gate, {.warm_up = 1h});
  BOOST_TEST((gate.wallet.processed_transactions.max_ttl == production.wallet.processed_transactions.max_ttl));
  BOOST_TEST((gate.wallet.transaction_cache.max_ttl == production.wallet.transaction_cache.max_ttl));
}
