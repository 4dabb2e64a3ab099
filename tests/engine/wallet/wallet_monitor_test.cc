#define BOOST_TEST_MODULE engine_wallet
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include "engine/core/failpoints.h"
#include "engine/core/fixed.h"
#include "engine/wallet/wallet_monitor.h"
#include "tests/engine/cache/recording_sinks.h"

using namespace std::chrono_literals;
using plateau::engine::EntityKind;
using plateau::engine::Failpoint;
using plateau::engine::Failpoints;
using plateau::engine::Fixed;
using plateau::engine::Side;
using plateau::engine::TimePoint;
using plateau::engine::WalletMonitor;
using plateau::engine::WalletMonitorOptions;
using plateau::engine::WalletTransaction;
using plateau::engine::testing::RecordingAuditSink;
using plateau::engine::testing::RecordingInventorySink;

namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(24 * 365 * 50);

WalletTransaction tx(const std::string& hash, TimePoint at, const std::string& symbol = "SOL") {
  return WalletTransaction{hash, "whale", symbol, Side::kBuy, *Fixed::parse("2.5"), *Fixed::parse("101.25"), at};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wallet_monitor)

BOOST_AUTO_TEST_CASE(emits_one_signal_per_transaction_hash) {
  Failpoints fp;
  WalletMonitorOptions options;
  options.copy_ratio = *Fixed::parse("0.5");
  WalletMonitor monitor(options, fp);
  const auto signal = monitor.on_transaction(tx("0xabc", kStart), kStart);
  BOOST_REQUIRE(signal.has_value());
  BOOST_TEST(signal->source_tx == "0xabc");
  BOOST_TEST(signal->symbol == "SOL");
  BOOST_TEST((signal->quantity == *Fixed::parse("1.25")));
  BOOST_TEST((signal->price == *Fixed::parse("101.25")));
  BOOST_TEST(!monitor.on_transaction(tx("0xabc", kStart), kStart + 1s).has_value());
  BOOST_TEST(!monitor.on_transaction(tx("0xabc", kStart), kStart + 20min).has_value());
  BOOST_TEST(monitor.transactions_seen() == 3u);
  BOOST_TEST(monitor.duplicates_dropped() == 2u);
  BOOST_TEST(monitor.signals_emitted() == 1u);
  BOOST_TEST(monitor.recent_transaction("0xabc", kStart + 1s).has_value());
  BOOST_TEST((monitor.last_price("SOL", kStart + 1s).value() == *Fixed::parse("101.25")));
}

BOOST_AUTO_TEST_CASE(drops_stale_unfollowed_and_invalid_transactions) {
  Failpoints fp;
  WalletMonitorOptions options;
  options.followed_wallets = {"whale"};
  WalletMonitor monitor(options, fp);
  BOOST_TEST(!monitor.on_transaction(tx("old", kStart - 10min), kStart).has_value());
  auto other = tx("other", kStart);
  other.wallet = "minnow";
  BOOST_TEST(!monitor.on_transaction(other, kStart).has_value());
  auto zero = tx("zero", kStart);
  zero.quantity = Fixed{};
  BOOST_TEST(!monitor.on_transaction(zero, kStart).has_value());
  RecordingInventorySink inventory;
  monitor.inventory(inventory);
  BOOST_TEST(inventory.counter_value("wallet.stale_dropped").value() == 1u);
  BOOST_TEST(inventory.counter_value("wallet.unfollowed_dropped").value() == 1u);
  BOOST_TEST(inventory.counter_value("wallet.invalid_dropped").value() == 1u);
  options.copy_ratio = Fixed{};
  BOOST_CHECK_THROW(WalletMonitor(options, fp), std::invalid_argument);
}

// 200,000 distinct hashes over ten virtual minutes: every container stays
// within its declared bound, and after the TTL the sweep empties them.
BOOST_AUTO_TEST_CASE(containers_stay_bounded_under_200k_distinct_hashes) {
  Failpoints fp;
  WalletMonitor monitor(WalletMonitorOptions{}, fp);
  TimePoint now = kStart;
  for (int i = 0; i < 200'000; ++i) {
    now += 3ms;
    monitor.on_transaction(tx("0x" + std::to_string(i), now, "SYM" + std::to_string(i % 7000)), now);
    if (i % 1000 == 0) monitor.maintain(now);
  }
  BOOST_TEST(monitor.signals_emitted() == 200'000u);
  RecordingInventorySink inventory;
  monitor.inventory(inventory);
  for (const char* name : {"processed_transactions", "transaction_cache", "price_cache"}) {
    const auto* report = inventory.find(name);
    BOOST_REQUIRE(report != nullptr);
    BOOST_TEST_INFO(name);
    BOOST_REQUIRE(report->bound_entries.has_value());
    BOOST_TEST(report->entries <= *report->bound_entries);
  }
  BOOST_TEST(inventory.find("processed_transactions")->entries == 50'000u);
  BOOST_TEST(*inventory.find("processed_transactions")->bound_entries == 50'000u);
  BOOST_TEST(*inventory.find("transaction_cache")->bound_entries == 1'000u);
  BOOST_TEST(*inventory.find("price_cache")->bound_entries == 5'000u);

  now += 31min;
  monitor.maintain(now);
  BOOST_TEST(monitor.processed_count() == 0u);
  RecordingAuditSink audit;
  monitor.audit(audit);
  BOOST_TEST(audit.keys.empty());
}

// The canary: with wallet.unbounded_processed_tx the processed set neither
// caps nor expires, so it passes 50,000 and reports no bound; dedup still works.
BOOST_AUTO_TEST_CASE(unbounded_failpoint_lets_processed_set_pass_its_bound) {
  Failpoints fp;
  fp.set(Failpoint::kWalletUnboundedProcessedTx, true);
  WalletMonitor monitor(WalletMonitorOptions{}, fp);
  TimePoint now = kStart;
  for (int i = 0; i < 60'000; ++i) {
    now += 3ms;
    monitor.on_transaction(tx("0x" + std::to_string(i), now), now);
  }
  BOOST_TEST(!monitor.on_transaction(tx("0x1", now), now).has_value());  // still deduplicated
  now += 2h;
  monitor.maintain(now);
  BOOST_TEST(monitor.processed_count() == 60'000u);
  RecordingInventorySink inventory;
  monitor.inventory(inventory);
  const auto* report = inventory.find("processed_transactions");
  BOOST_REQUIRE(report != nullptr);
  BOOST_TEST(report->entries == 60'000u);
  BOOST_TEST(!report->bound_entries.has_value());
  RecordingAuditSink audit;
  monitor.audit(audit);
  BOOST_TEST(audit.keys_of("processed_transactions").size() == 60'000u);
  BOOST_TEST((audit.keys.front().kind == EntityKind::kTransaction));
}

BOOST_AUTO_TEST_CASE(audit_lists_processed_hashes_as_transactions) {
  Failpoints fp;
  WalletMonitor monitor(WalletMonitorOptions{}, fp);
  monitor.on_transaction(tx("0xdead", kStart), kStart);
  RecordingAuditSink audit;
  monitor.audit(audit);
  BOOST_TEST(audit.holds("processed_transactions", "0xdead"));
  BOOST_TEST(audit.holds("transaction_cache", "0xdead"));
  BOOST_TEST(audit.holds("price_cache", "SOL"));
  for (const auto& key : audit.keys) {
    BOOST_TEST_INFO(key.container);
    BOOST_TEST((key.stored_at.value() == kStart));
  }
}

BOOST_AUTO_TEST_SUITE_END()
