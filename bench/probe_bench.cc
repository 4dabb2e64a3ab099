// Cost of sampling: one full pass of every probe (inventory of ~60 containers
// and ~20 counters, allocator, process, audit residue re-published), which
// the soak runs every virtual 10 s, and one audit pass over ~50k held keys,
// which it runs once a virtual minute. Target for the full sample: <= 50 us.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "engine/core/inspect.h"
#include "probes/allocator_probe.h"
#include "probes/audit_probe.h"
#include "probes/entity_ledger.h"
#include "probes/inventory_probe.h"
#include "probes/process_probe.h"
#include "probes/registry.h"

namespace {

namespace engine = plateau::engine;
namespace probes = plateau::probes;
using namespace std::chrono_literals;

constexpr std::array<std::string_view, 10> kComponents = {
    "plans", "market", "wallet", "executor", "exec", "paper", "portfolio", "cache", "router", "exits"};
constexpr std::array<std::string_view, 6> kContainers = {"entries",    "locks", "history",
                                                         "timestamps", "seen",  "index"};
constexpr std::array<std::string_view, 2> kCounters = {"errors", "double_closes"};

// A stand-in engine the size of the real one: 10 components x 6 containers
// and 2 counters each; 50k keys held across the audited containers.
struct FakeEngine {
  std::vector<std::string> keys;
  FakeEngine() {
    keys.reserve(50'000);
    for (int i = 0; i < 50'000; ++i) keys.push_back("entity-" + std::to_string(i));
  }
  void inventory(engine::InventorySink& sink) const {
    std::size_t n = 1;
    for (auto component : kComponents) {
      for (auto container : kContainers) {
        sink.container(
            {component, container, n, n * 64, n % 2 ? std::optional<std::size_t>(10'000) : std::nullopt});
        n += 17;
      }
      for (auto counter : kCounters) {
        sink.counter({component, counter, n,
                      counter == "errors" ? engine::CounterKind::kHealth : engine::CounterKind::kInvariant});
      }
    }
  }
  void audit(engine::AuditSink& sink) const {
    const engine::TimePoint stored{std::chrono::hours(1)};
    std::size_t i = 0;
    for (auto component : kComponents) {
      for (auto container : kContainers) {
        const engine::AuditContainer c{component, container, engine::EntityKind::kOrder, 10min};
        for (std::size_t k = 0; k < keys.size() / 60; ++k, ++i) {
          sink.held(c, keys[i % keys.size()], stored);
        }
      }
    }
  }
};

void BM_ProbeFullSample(benchmark::State& state) {
  FakeEngine fake;
  probes::EntityLedger ledger;
  for (int i = 0; i < 5'000; ++i) {  // some terminal entities, some held past grace
    ledger.terminated(engine::EntityKind::kOrder, fake.keys[i * 10], engine::TimePoint{}, 1min);
  }
  probes::ProbeRegistry registry;
  registry.emplace<probes::InventoryProbe>([&](engine::InventorySink& s) { fake.inventory(s); });
  registry.add(probes::make_allocator_probe());
  registry.emplace<probes::ProcessProbe>();
  // Audit once a virtual minute; the 10 s samples in between re-publish it.
  auto& audit = registry.emplace<probes::AuditProbe>([&](engine::AuditSink& s) { fake.audit(s); }, ledger,
                                                     probes::AuditProbeOptions{24h, 5});
  engine::TimePoint now{std::chrono::hours(2)};
  audit.run_audit(now);
  registry.sample_all(now);
  std::size_t samples = 0;
  for (auto _ : state) {
    now += 10s;
    const auto& batch = registry.sample_all(now);
    samples = batch.samples.size();
    benchmark::DoNotOptimize(batch.samples.data());
  }
  state.counters["series"] = static_cast<double>(samples);
  state.SetLabel(std::string(probes::compiled_allocator()));
}
BENCHMARK(BM_ProbeFullSample)->Unit(benchmark::kMicrosecond);

void BM_ProbeInventoryOnly(benchmark::State& state) {
  FakeEngine fake;
  probes::ProbeRegistry registry;
  registry.emplace<probes::InventoryProbe>([&](engine::InventorySink& s) { fake.inventory(s); });
  engine::TimePoint now{};
  for (auto _ : state) benchmark::DoNotOptimize(registry.sample_all(now += 10s).samples.data());
}
BENCHMARK(BM_ProbeInventoryOnly)->Unit(benchmark::kMicrosecond);

void BM_ProbeAllocatorOnly(benchmark::State& state) {
  probes::ProbeRegistry registry;
  registry.add(probes::make_allocator_probe());
  engine::TimePoint now{};
  for (auto _ : state) benchmark::DoNotOptimize(registry.sample_all(now += 10s).samples.data());
  state.SetLabel(std::string(probes::compiled_allocator()));
}
BENCHMARK(BM_ProbeAllocatorOnly)->Unit(benchmark::kMicrosecond);

void BM_ProbeProcessOnly(benchmark::State& state) {
  probes::ProbeRegistry registry;
  registry.emplace<probes::ProcessProbe>();
  engine::TimePoint now{};
  for (auto _ : state) benchmark::DoNotOptimize(registry.sample_all(now += 10s).samples.data());
}
BENCHMARK(BM_ProbeProcessOnly)->Unit(benchmark::kMicrosecond);

// One audit pass over 50k held keys (run once a virtual minute).
void BM_ProbeAuditPass50k(benchmark::State& state) {
  FakeEngine fake;
  probes::EntityLedger ledger;
  for (int i = 0; i < 5'000; ++i) {
    ledger.terminated(engine::EntityKind::kOrder, fake.keys[i * 10], engine::TimePoint{}, 1min);
  }
  probes::AuditProbe audit([&](engine::AuditSink& s) { fake.audit(s); }, ledger);
  engine::TimePoint now{std::chrono::hours(2)};
  for (auto _ : state) audit.run_audit(now += 1min);
  state.counters["residue"] = static_cast<double>(audit.total_residue());
}
BENCHMARK(BM_ProbeAuditPass50k)->Unit(benchmark::kMillisecond);

}  // namespace
