#define BOOST_TEST_MODULE probes_ledger_concurrency
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "probes/audit_probe.h"
#include "probes/entity_ledger.h"
#include "probes/registry.h"

namespace probes = plateau::probes;
using namespace std::chrono_literals;
using plateau::engine::EntityKind;
using plateau::engine::TimePoint;

// The harness's close storms report terminations from several threads while
// the sampler thread runs audit passes over the same ledger.
BOOST_AUTO_TEST_CASE(concurrent_lifecycle_reports_and_audits_agree) {
  probes::EntityLedger ledger;
  probes::ProbeRegistry registry;
  // The fake engine holds every position it ever saw (a leak), keys p0-0..p3-999.
  auto& audit = registry.emplace<probes::AuditProbe>(
      [](plateau::engine::AuditSink& sink) {
        const plateau::engine::AuditContainer c{"executor", "position_locks", EntityKind::kPosition,
                                                std::nullopt};
        for (int t = 0; t < 4; ++t) {
          for (int i = 0; i < 1000; ++i)
            sink.held(c, "p" + std::to_string(t) + "-" + std::to_string(i), std::nullopt);
        }
      },
      ledger, probes::AuditProbeOptions{0s, 5});

  const TimePoint start{std::chrono::hours(1000)};
  std::atomic<bool> done{false};
  std::vector<std::thread> closers;
  for (int t = 0; t < 4; ++t) {
    closers.emplace_back([&ledger, t, start] {
      for (int i = 0; i < 1000; ++i) {
        const std::string key = "p" + std::to_string(t) + "-" + std::to_string(i);
        ledger.activated(EntityKind::kPosition, key, start);
        ledger.terminated(EntityKind::kPosition, key, start, 1min);
        if (i % 2 == 1) ledger.activated(EntityKind::kPosition, key, start);  // reopened
      }
    });
  }
  std::thread sampler([&] {
    while (!done.load()) registry.sample_all(start + 2min);
  });
  for (auto& c : closers) c.join();
  done = true;
  sampler.join();

  registry.sample_all(start + 2min);
  BOOST_TEST(ledger.size() == 2000u);  // the reopened half left the ledger
  BOOST_TEST(audit.total_residue() == 2000u);
  BOOST_TEST(*registry.last_value("invariant.residue.executor.position_locks") == 2000);
}
