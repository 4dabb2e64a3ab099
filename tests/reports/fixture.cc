#include "tests/reports/fixture.h"

namespace plateau::reports::testing {
namespace {

// Samples every 3 virtual minutes, 120 over the 6 hours.
constexpr int kSamples = 120;
constexpr double kSampleInterval = 180;

Context gate_context() {
  Context c;
  c.host = "ci-runner-7";
  c.os = "Debian GNU/Linux 12";
  c.kernel = "6.1.0-18-amd64";
  c.compiler = "GNU 12.2.0";
  c.build_type = "RelWithDebInfo";
  c.allocator = "jemalloc";
  c.git_revision = "58ae287";
  c.plateau_version = "0.1.0";
  c.scenario_name = "gate";
  c.scenario_path = "soak/scenarios/gate.json";
  c.seed = 42;
  c.clock_mode = "sim";
  c.start_time = "2026-11-22T01:00:00Z";
  c.wall_duration_s = 24.5;
  c.events_processed = 1250000;
  c.events_per_s = 51020.5;
  return c;
}

ScenarioSummary gate_scenario() {
  ScenarioSummary s;
  s.duration_s = 21600;
  s.warmup_s = 3600;
  s.sample_interval_s = kSampleInterval;
  s.window_s = 1800;
  s.audit_interval_s = 60;
  s.parameters = {{"rate.price_ticks_per_s", 50}, {"tolerance.relative_growth", 0.25}};
  return s;
}

// A saw-tooth from an hourly cleanup on top of growth_per_sample per sample.
// A saw-tooth from an hourly cleanup on top of growth_per_sample per sample.
std::vector<Point> sawtooth(double base, double tooth, double growth_per_sample) {
  std::vector<Point> points;
  for (int i = 0; i < kSamples; ++i) {
    int step_in_hour = i % 20;
    points.push_back({kSampleInterval * i, base + tooth * step_in_hour + growth_per_sample * i});
  }
  return points;
}

std::vector<Point> minima(const std::vector<Point>& samples, int per_window) {
  std::vector<Point> out;
  for (std::size_t start = 0; start < samples.size(); start += per_window) {
    Point lowest = samples[start];
    for (std::size_t i = start; i < samples.size() && i < start + per_window; ++i) {
      if (samples[i].value < lowest.value) lowest = samples[i];
    }
    out.push_back(lowest);
  }
  return out;
}

}  // namespace

Finding site_finding() {
  Finding site;
  site.series = "heap.site.engine/plans/auto_executor.cc:212 engine::AutoExecutor::acquire_execution_lock";
  site.component = "plans";
  site.kind = FindingKind::site;
  site.message = "engine::AutoExecutor::acquire_execution_lock at engine/plans/auto_executor.cc:212 keeps growing: "
                 "its live bytes' window minima rise 192.0 KiB/h";
  site.figures = {{"slope_per_hour", 196608}, {"projected_growth", 4718592}, {"p_value", 0.0001}};
  site.time_to_detect_s = 14400;
  site.sites = {{"engine/plans/auto_executor.cc:212 engine::AutoExecutor::acquire_execution_lock",
                 "engine::AutoExecutor::acquire_execution_lock", "engine/plans/auto_executor.cc", 212, "plans", 196608,
                 1.0}};
  site.stack = {"operator new(unsigned long) (libjemalloc.so.2)",
                "plateau::engine::AutoExecutor::acquire_execution_lock(plateau::engine::PlanId)+0x4c "
                "(bin/plateau) at engine/plans/auto_executor.cc:212"};
  return site;
}

Report leaking_run_report() {
  Report r;
  r.verdict = Verdict::leak;
  r.context = gate_context();
  r.context.failpoints_on = {"plans.leak_execution_locks"};
  r.scenario = gate_scenario();

  Series locks;
  locks.name = "inventory.plans.execution_locks.entries";
  locks.unit = "entries";
  locks.component = "plans";
  locks.family = "inventory";
  locks.samples = sawtooth(100, 6, 1.5);
  locks.window_minima = minima(locks.samples, 10);
  locks.trend = TrendLine{100, 0.0078125};
  locks.judged = true;
  locks.margin = 5.25;  // a leak: well past its tolerance
  locks.verdict = Verdict::leak;

  Series residue;
  residue.name = "invariant.audit.plans.execution_locks";
  residue.unit = "count";
  residue.component = "plans";
  residue.family = "invariant";
  residue.declared_bound = 0;
  for (int i = 0; i < kSamples; ++i) residue.samples.push_back({kSampleInterval * i, i < 24 ? 0.0 : double((i - 24) / 2)});
  residue.judged = true;
  residue.verdict = Verdict::leak;

  Series ohlcv;
  ohlcv.name = "inventory.market.ohlcv.entries";
  ohlcv.unit = "entries";
  ohlcv.component = "market";
  ohlcv.family = "inventory";
  ohlcv.declared_bound = 5000;
  for (int i = 0; i < kSamples; ++i) ohlcv.samples.push_back({kSampleInterval * i, i < 60 ? 4000.0 + 15 * (i % 20) : 5250.0});
  ohlcv.judged = true;
  ohlcv.margin = 0.125;
  // Read per unit of load as well (docs/verdict.md, "Load that drifts").
  ohlcv.load = LoadReading{"health.market.ticks", 0.125, false};
  ohlcv.verdict = Verdict::leak;

  Series double_close;
  double_close.name = "invariant.paper.double_closes";
  double_close.unit = "count";
  double_close.component = "paper";
  double_close.family = "invariant";
  double_close.declared_bound = 0;
  for (int i = 0; i < kSamples; ++i) double_close.samples.push_back({kSampleInterval * i, i < 100 ? 0.0 : 2.0});
  double_close.judged = true;
  double_close.verdict = Verdict::leak;

  Series allocated;
  allocated.name = "alloc.allocated_bytes";
  allocated.unit = "bytes";
  allocated.component = "allocator";
  allocated.family = "alloc";
  allocated.samples = sawtooth(52428800, 196608, 0);
  allocated.window_minima = minima(allocated.samples, 10);
  allocated.trend = TrendLine{52428800, 0};
  allocated.judged = true;

  Series rss;
  rss.name = "process.rss_bytes";
  rss.unit = "bytes";
  rss.component = "process";
  rss.family = "process";
  rss.samples = sawtooth(83886080, 98304, 0);
  rss.judged = false;

  r.series = {locks, residue, ohlcv, double_close, allocated, rss};

  Finding trend;
  trend.series = locks.name;
  trend.component = "plans";
  trend.kind = FindingKind::trend;
  trend.message = "execution lock table grows 28.1 entries/h after warm-up (p < 0.001); projected +169 over 6h";
  trend.figures = {{"slope_per_hour", 28.125}, {"p_value", 0.0009765625}, {"projected_growth", 168.75}};
  trend.time_to_detect_s = 9000;

  Finding leftover;
  leftover.series = residue.name;
  leftover.component = "plans";
  leftover.kind = FindingKind::residue;
  leftover.message = "execution_locks still holds 3 plans terminal for > 60s (grace period)";
  leftover.figures = {{"count", 3}, {"grace_period_s", 60}};
  leftover.time_to_detect_s = 4320;
  leftover.residue_examples = {{"execution_locks", "plan-000123", "plan", 4080, 180},
                               {"execution_locks", "plan-000131", "plan", 4140, 120},
                               {"execution_locks", "plan-000140", "plan", 4185.5, 74.5}};

  Finding bound;
  bound.series = ohlcv.name;
  bound.component = "market";
  bound.kind = FindingKind::bound;
  bound.message = "ohlcv entries 5250 > declared bound 5000 (first frame stored untrimmed?)";
  bound.figures = {{"bound", 5000}, {"peak", 5250}};
  bound.time_to_detect_s = 10800;

  Finding invariant;
  invariant.series = double_close.name;
  invariant.component = "paper";
  invariant.kind = FindingKind::invariant;
  invariant.message = "2 positions closed twice by racing closers; \"closed\" flag & check not atomic <paper>";
  invariant.figures = {{"count", 2}};
  invariant.time_to_detect_s = 18000;

  r.findings = {trend, leftover, bound, invariant};

  r.heap_profile.backend = HeapBackend::jemalloc;
  r.heap_profile.dump_files = {"heap/plateau.3600.heap", "heap/plateau.21600.heap"};
  r.heap_profile.open_commands = {
      "jeprof --text bin/plateau heap/plateau.21600.heap",
      "jeprof --text --base=heap/plateau.3600.heap bin/plateau heap/plateau.21600.heap"};
  r.heap_profile.diff_base = "heap/plateau.3600.heap";
  r.heap_profile.diff_target = "heap/plateau.21600.heap";
  r.heap_profile.top_sites = {
      {1048576, 4096, "plateau::engine::AutoExecutor::acquire_execution_lock(plateau::engine::PlanId)",
       {"operator new(unsigned long)",
        "std::unordered_map<plateau::engine::PlanId, std::shared_ptr<std::mutex>>::operator[]",
        "plateau::engine::AutoExecutor::acquire_execution_lock(plateau::engine::PlanId)",
        "plateau::engine::AutoExecutor::check_plan(plateau::engine::Plan const&)"}},
      {65536, 12, "plateau::engine::MarketData::add_candles(std::string const&, plateau::engine::Timeframe)",
       {"operator new(unsigned long)", "std::vector<plateau::engine::Candle>::_M_realloc_insert",
        "plateau::engine::MarketData::add_candles(std::string const&, plateau::engine::Timeframe)"}}};
  r.heap_profile.instrumentation_bytes_added = 1572864;

  // Heap timelines: a growing site (a finding of kind site) and a cache
  // churning at its capacity, judged bounded although it holds more.
  HeapSiteTimeline lock_site;
  lock_site.id = "engine/plans/auto_executor.cc:212 engine::AutoExecutor::acquire_execution_lock";
  lock_site.function = "engine::AutoExecutor::acquire_execution_lock";
  lock_site.function_full = "plateau::engine::AutoExecutor::acquire_execution_lock(plateau::engine::PlanId)";
  lock_site.file = "engine/plans/auto_executor.cc";
  lock_site.line = 212;
  lock_site.component = "plans";
  lock_site.classification = "growing";
  lock_site.peak_bytes = 1048576;
  lock_site.growth_bytes = 983040;
  lock_site.bytes_per_hour = 196608;
  lock_site.projected_growth_bytes = 4718592;
  lock_site.live_bytes = {{3600, 65536}, {10800, 393216}, {18000, 786432}, {21600, 1048576}};
  lock_site.live_objects = {{3600, 256}, {10800, 1536}, {18000, 3072}, {21600, 4096}};
  lock_site.stack = {"operator new(unsigned long) (libjemalloc.so.2)",
                     "plateau::engine::AutoExecutor::acquire_execution_lock(plateau::engine::PlanId)+0x4c "
                     "(bin/plateau) at engine/plans/auto_executor.cc:212"};
  HeapSiteTimeline cache_site;
  cache_site.id = "engine/wallet/wallet_monitor.cc:66 engine::WalletMonitor::on_transaction";
  cache_site.function = "engine::WalletMonitor::on_transaction";
  cache_site.function_full = "plateau::engine::WalletMonitor::on_transaction(plateau::engine::WalletTransaction const&)";
  cache_site.file = "engine/wallet/wallet_monitor.cc";
  cache_site.line = 66;
  cache_site.component = "wallet";
  cache_site.classification = "bounded";
  cache_site.peak_bytes = 4194304;
  cache_site.growth_bytes = -2048;
  cache_site.bytes_per_hour = 512;
  cache_site.projected_growth_bytes = 12288;
  cache_site.live_bytes = {{3600, 4190208}, {10800, 4194304}, {18000, 4186112}, {21600, 4188160}};
  cache_site.live_objects = {{3600, 8184}, {10800, 8192}, {18000, 8176}, {21600, 8180}};
  r.heap_profile.sites = {lock_site, cache_site};

  r.findings[0].sites = {{lock_site.id, lock_site.function, lock_site.file, lock_site.line, "plans", 196608, 0.75}};
  return r;
}

Report canary_matrix_report() {
  Report r;
  r.verdict = Verdict::leak;
  r.context = gate_context();
  r.context.scenario_name = "gate canaries";
  r.context.wall_duration_s = 512;
  r.scenario = gate_scenario();
  r.heap_profile.backend = HeapBackend::none;
  r.heap_profile.reason = "matrix report: see each run's own report";

  CanaryMatrix m;
  m.canaries = {
      {"plans.leak_execution_locks", 1, "plans", true, {"plans"}, {"residue", "trend"}, 4260, HeapSiteMatch::yes},
      {"paper.nonatomic_close", 1, "paper", true, {"paper"}, {"invariant"}, 660, HeapSiteMatch::not_applicable},
      {"wallet.unbounded_processed_tx", 1, "wallet", false, {}, {}, std::nullopt, HeapSiteMatch::no},
  };
  m.clean_runs = {{1, Verdict::bounded}, {2, Verdict::bounded}, {3, Verdict::leak}};
  m.clean_runs[0].max_margin = 0.25;
  m.clean_runs[0].max_margin_series = "alloc.jemalloc.resident_bytes";
  r.canary_matrix = m;

  Comparison c;
  c.base_report = "baseline/report.json";
  c.candidate_report = "plateau-out/gate/report.json";
  c.rows = {{"alloc.allocated_bytes", 0, 0.5, 52428800, 52690944, false, "within tolerance"},
            {"inventory.wallet.processed_tx.entries", 0, 0.25, 10000, 15400, true,
             "slope 0 -> 900/h and peak +54% > 25% tolerance"}};
  r.comparison = c;

  r.shards = {{"gate/jemalloc", "shards/gate-jemalloc/report.json", "gate", "jemalloc", 1, Verdict::leak, 2, 256},
              {"gate/tcmalloc", "shards/gate-tcmalloc/report.json", "gate", "tcmalloc", 1, Verdict::bounded, 0, 256}};
  return r;
}

}  // namespace plateau::reports::testing
