#include "harness/harness.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "engine/portfolio/portfolio.h"
#include "harness/faulty_exit_venue.h"
#include "harness/simulated_price_source.h"
#include "harness/wall_pacer.h"
#include "probes/allocator_probe.h"
#include "probes/inventory_probe.h"
#include "probes/process_probe.h"

namespace plateau::harness {

using engine::Duration;
using engine::TimePoint;

struct Harness::Streams {
  StreamId checkpoints, restart, maintain, plans_cycle, paper_cycle, storms, audit, sample;
  StreamId ticks, open_interest, plans, wallet, position_opens, orders, exits, delistings;
};

// The harness's own figures: invariants it checks itself (independently of
// the engine's counters) and a few health figures.
class Harness::HarnessProbe final : public probes::Probe {
 public:
  explicit HarnessProbe(const Harness& harness) : harness_(harness) {}
  std::string_view name() const noexcept override { return "harness"; }
  void sample(TimePoint, probes::SampleWriter& out) override {
    using probes::SeriesFamily;
    if (!interned_) {
      lost_ = out.intern("invariant.harness.plans_lost_on_restart", "plans", "harness", SeriesFamily::kInvariant);
      duplicated_ = out.intern("invariant.harness.plans_duplicated_on_restart", "plans", "harness",
                               SeriesFamily::kInvariant);
      double_closes_ = out.intern("invariant.harness.storm_double_closes", "closes", "harness",
                                  SeriesFamily::kInvariant);
      events_ = out.intern("health.harness.events", "count", "harness", SeriesFamily::kHealth);
      restarts_ = out.intern("health.harness.restarts", "count", "harness", SeriesFamily::kHealth);
      storms_ = out.intern("health.harness.storms", "count", "harness", SeriesFamily::kHealth);
      ledger_ = out.intern("health.harness.ledger_records", "records", "harness", SeriesFamily::kHealth);
      pending_ = out.intern("health.harness.pending_actions", "actions", "harness", SeriesFamily::kHealth);
      interned_ = true;
    }
    const RunSummary& s = harness_.summary_;
    out.put(lost_, static_cast<double>(s.plans_lost_on_restart));
    out.put(duplicated_, static_cast<double>(s.plans_duplicated_on_restart));
    out.put(double_closes_, static_cast<double>(s.storm_double_closes));
    out.put(events_, static_cast<double>(s.events));
    out.put(restarts_, static_cast<double>(s.restarts));
    out.put(storms_, static_cast<double>(s.storms));
    out.put(ledger_, static_cast<double>(harness_.ledger_.size()));
    out.put(pending_, static_cast<double>(harness_.delayed_.size()));
  }

 private:
  const Harness& harness_;
  bool interned_ = false;
  probes::SeriesId lost_ = 0, duplicated_ = 0, double_closes_ = 0, events_ = 0, restarts_ = 0, storms_ = 0,
                   ledger_ = 0, pending_ = 0;
};

namespace {

void remove_store_files(const std::filesystem::path& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path.string() + suffix, ignored);
  }
}

}  // namespace

Harness::Harness(HarnessOptions options, engine::EngineConfig config)
    : options_((validate_harness_options(options), std::move(options))),
      engine_config_(std::move(config)),
      clock_(kVirtualEpoch),
      walk_(options_.symbols, options_.seed) {
  for (std::size_t i = 0; i < walk_.size(); ++i) listed_.push_back(i);
  // The stream carries every wallet's transactions; the engine copies only
  // the wallets it follows (3 of the 10), unless the config names its own.
  if (engine_config_.wallet.followed_wallets.empty()) {
    for (int w = 0; w < 3; ++w) engine_config_.wallet.followed_wallets.insert("wallet-" + std::to_string(w));
  }
  for (const std::string& name : options_.failpoints) failpoints_.enable(name);
  for (const char* name : {"primary", "secondary"}) {
    sources_.push_back(std::make_shared<SimulatedPriceSource>(
        name, walk_, options_.seed, options_.faults.price_source_failure_share, options_.faults.price_source_latency));
  }
  if (options_.plan_store_path.has_parent_path()) {
    std::filesystem::create_directories(options_.plan_store_path.parent_path());
  }
  remove_store_files(options_.plan_store_path);
  build_engine();

  registry_.emplace<probes::InventoryProbe>([this](engine::InventorySink& sink) { engine_->inventory(sink); });
  probes::AuditProbeOptions audit_options;
  // The audit stream runs the passes; sampling only re-publishes them.
  audit_options.audit_interval = options_.duration + std::chrono::hours(24 * 365);
  audit_probe_ = &registry_.emplace<probes::AuditProbe>(
      [this](engine::AuditSink& sink) { engine_->audit(sink); }, ledger_, audit_options);
  // The allocator before the process probe: on jemalloc builds RSS is read
  // in the pass that returned the freed pages (allocator_rss_is_live()).
  registry_.add(probes::make_allocator_probe());
  registry_.emplace<probes::ProcessProbe>();
  registry_.emplace<HarnessProbe>(*this);

  driver_ = std::make_unique<EventDriver>(start(), end(), options_.seed);
  register_streams();
}

Harness::~Harness() = default;

namespace {

// `length` flat candles of timeframe `tf` ending with the one opening at `newest`.
std::vector<engine::Candle> flat_candles(engine::Timeframe tf, std::size_t length, TimePoint newest,
                                         engine::Fixed price) {
  std::vector<engine::Candle> frame;
  frame.reserve(length);
  for (std::size_t k = length; k-- > 0;) {
    const TimePoint open_time = newest - static_cast<std::int64_t>(k) * engine::duration_of(tf);
    frame.push_back(engine::Candle{open_time, price, price, price, price, engine::Fixed::from_int(1)});
  }
  return frame;
}

}  // namespace

void Harness::build_engine() {
  ++generation_;
  engine::EngineConfig config = engine_config_;
  // Ids must not repeat across restarts, or the audit could mistake a new
  // entity for the residue of an old one. The engine stamps its session into
  // every id it generates (EngineConfig::id_session); the harness names the
  // session after the generation so ids read the same on every run.
  config.id_session = "g" + std::to_string(generation_) + "-";
  config.paper.id_prefix = "paper-";
  config.executor.position_id_prefix = "copy-";
  engine::EnginePorts ports;
  ports.price_sources.assign(sources_.begin(), sources_.end());
  ports.make_exit_venue = [this, session = config.id_session](engine::OrderRouter& router) {
    auto venue = std::make_unique<FaultyExitVenue>(std::make_unique<engine::RouterExitVenue>(router, session),
                                                   options_.rates.exit_failure_share, options_.seed);
    exit_venue_ = venue.get();
    return std::unique_ptr<engine::ExitVenue>(std::move(venue));
  };
  engine_ = std::make_unique<engine::Engine>(std::move(config), clock_, failpoints_, options_.plan_store_path,
                                             std::move(ports));
  restore_candle_snapshot(clock_.now());
  engine_->start(clock_.now());
  backfill_candles(clock_.now());
}

void Harness::restore_candle_snapshot(TimePoint now) {
  // A restarting bot reloads the 5-minute candles its previous process saved,
  // under that process's larger caps (seed 001 §3): the snapshot arrives over
  // the cap by design, and only the cleanup at start brings it back within it.
  const engine::Timeframe tf = engine::Timeframe::k5m;
  const std::size_t length = engine_->market().max_candles(tf) * 3 / 2 + kBackfillOverCap;
  const TimePoint newest = engine::candle_open_time(tf, now) - engine::duration_of(tf);
  for (std::size_t i : listed_) {  // a delisted symbol's history is not reloaded
    const engine::Fixed price = walk_.price(i);
    std::vector<engine::Candle> frame = flat_candles(tf, length, newest, price);
    engine_->market().restore_candles(walk_.symbol(i), tf, std::move(frame));
  }
}

void Harness::backfill_candles(TimePoint now) {
  // A starting bot loads recent history in one frame per symbol (seed 001
  // §1's "first insert" path); the frame is a little longer than the cap,
  // which the engine must trim on insert.
  const engine::Timeframe tf = engine::Timeframe::k1m;
  const std::size_t length = engine_->market().max_candles(tf) + kBackfillOverCap;
  const TimePoint newest = engine::candle_open_time(tf, now) - engine::duration_of(tf);
  for (std::size_t i : listed_) {
    const engine::Fixed price = walk_.price(i);
    std::vector<engine::Candle> frame = flat_candles(tf, length, newest, price);
    engine_->market().insert_candles(walk_.symbol(i), tf, std::move(frame));
  }
}

void Harness::register_streams() {
  const LoadRates& r = options_.rates;
  const IntervalOptions& i = options_.intervals;
  EventDriver& d = *driver_;
  streams_ = std::make_unique<Streams>();
  Streams& s = *streams_;
  // Each stream's role, published (streams()) for EngineSystem.
  auto publish = [this](StreamId id, StreamRole role) {
    stream_roles_.resize(id + 1);
    stream_roles_[id] = role;
    return id;
  };
  std::vector<TimePoint> checkpoints;
  for (Duration offset : options_.checkpoints) checkpoints.push_back(start() + offset);
  // Registration order decides ties: checkpoints see the state before
  // anything else at their instant; the sampler sees it after maintenance.
  s.checkpoints = publish(d.add_schedule("checkpoints", checkpoints), StreamRole::kObservation);
  const Duration never = options_.duration + std::chrono::hours(1);
  s.restart = publish(d.add_periodic("restart", i.restart > Duration::zero() ? i.restart : never,
                                     i.restart > Duration::zero() ? i.restart : never),
                      StreamRole::kRestart);
  s.maintain = publish(d.add_periodic("maintain", i.maintain, i.maintain), StreamRole::kEngineWork);
  s.plans_cycle =
      publish(d.add_periodic("plans_cycle", i.plans_monitor, i.plans_monitor), StreamRole::kEngineWork);
  s.paper_cycle =
      publish(d.add_periodic("paper_cycle", i.paper_monitor, i.paper_monitor), StreamRole::kEngineWork);
  const bool storms = r.close_storm_interval > Duration::zero() && r.close_storm_positions > 0;
  s.storms = publish(d.add_periodic("close_storms", storms ? r.close_storm_interval : never,
                                    storms ? r.close_storm_interval : never),
                     StreamRole::kEngineWork);
  s.audit = publish(d.add_periodic("audit", i.audit, i.audit), StreamRole::kObservation);
  s.sample = publish(d.add_periodic("sample", i.sample, Duration::zero()), StreamRole::kObservation);
  s.ticks = publish(d.add_poisson("price_ticks", r.price_ticks_per_s), StreamRole::kLoad);
  s.open_interest = publish(d.add_poisson("open_interest", r.open_interest_per_s), StreamRole::kLoad);
  s.plans = publish(d.add_poisson("plans", r.plans_per_s), StreamRole::kLoad);
  s.wallet = publish(d.add_poisson("wallet_transactions", r.wallet_tx_per_s), StreamRole::kLoad);
  s.position_opens = publish(d.add_poisson("position_opens", r.position_opens_per_s), StreamRole::kLoad);
  s.orders = publish(d.add_poisson("orders", r.orders_per_s), StreamRole::kLoad);
  s.exits = publish(d.add_poisson("exits", r.exits_per_s), StreamRole::kLoad);
  std::vector<TimePoint> delistings;
  for (Duration offset : options_.delistings) delistings.push_back(start() + offset);
  std::sort(delistings.begin(), delistings.end());
  s.delistings = publish(d.add_schedule("delistings", delistings), StreamRole::kDelisting);
}

void Harness::set_now(TimePoint t) { clock_.set(t); }

std::vector<StreamInfo> Harness::streams() const {
  std::vector<StreamInfo> out;
  for (StreamId id = 0; id < stream_roles_.size(); ++id) {
    out.push_back(StreamInfo{id, driver_->name(id), stream_roles_[id], driver_->rate_per_second(id),
                             driver_->interval(id), driver_->instants(id)});
  }
  return out;
}

void Harness::drive(StreamId stream, TimePoint at) {
  if (stream >= stream_roles_.size() || stream_roles_[stream] == StreamRole::kObservation) {
    throw std::invalid_argument("Harness::drive: stream " + std::to_string(stream) +
                                " is not a load or engine-work stream");
  }
  delayed_.run_until(at, [this](TimePoint t) {
    set_now(t);
    ++summary_.events;
  });
  set_now(at);
  engine_->on_event();
  dispatch(Event{at, stream, 0});
  summary_.reached = at;
  ++summary_.events;
}

RunSummary Harness::run(HarnessObserver* observer, const std::atomic<bool>* stop) {
  const auto wall_start = std::chrono::steady_clock::now();
  engine::SystemClock wall_clock;
  std::optional<WallPacer> pacer;
  if (options_.clock == ClockMode::kWall) pacer.emplace(wall_clock, start(), WallPacer::real_sleep(), stop);
  HarnessObserver no_observer;
  HarnessObserver& obs = observer ? *observer : no_observer;
  current_observer_ = &obs;

  bool stopped = false;
  auto before_action = [this](TimePoint t) {
    set_now(t);
    digest_ = (digest_ ^ static_cast<std::uint64_t>(t.time_since_epoch().count())) * 0x100000001b3ULL;
    ++summary_.events;
  };
  while (auto event = driver_->next()) {
    if (stop && stop->load(std::memory_order_relaxed)) {
      stopped = true;
      break;
    }
    delayed_.run_until(event->at, before_action);
    if (pacer && !pacer->wait_until(event->at)) {
      stopped = true;
      break;
    }
    set_now(event->at);
    digest_ = (digest_ ^ static_cast<std::uint64_t>(event->at.time_since_epoch().count())) * 0x100000001b3ULL;
    digest_ = (digest_ ^ event->stream) * 0x100000001b3ULL;
    engine_->on_event();
    dispatch(*event);
    summary_.reached = event->at;
    if ((++summary_.events & 0xfff) == 0) obs.on_progress(event->at, summary_.events);
  }
  if (!stopped) delayed_.run_until(end() - Duration{1}, before_action);
  summary_.completed = !stopped;
  summary_.event_digest = digest_;
  summary_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (pacer) summary_.max_wall_lag = pacer->max_lag();
  current_observer_ = nullptr;
  return summary_;
}

void Harness::dispatch(const Event& event) {
  const Streams& s = *streams_;
  const StreamId id = event.stream;
  const TimePoint now = event.at;
  Rng& rng = driver_->payload_rng(id);
  if (id == s.ticks) return on_price_tick(rng, now);
  if (id == s.wallet) return on_wallet_transaction(rng, now);
  if (id == s.open_interest) return on_open_interest(rng, now);
  if (id == s.plans) return on_plan_created(rng, now);
  if (id == s.position_opens) return on_position_open(rng, now);
  if (id == s.orders) return on_order(rng, now);
  if (id == s.exits) return on_exit(rng, now);
  if (id == s.delistings) return on_delisting(rng, now);
  if (id == s.plans_cycle) return on_plans_cycle(rng, now);
  if (id == s.paper_cycle) return on_paper_cycle(now);
  if (id == s.maintain) return engine_->maintain(now);
  if (id == s.storms) {
    close_storm(now);
    return;
  }
  if (id == s.restart) {
    restart(now);
    return;
  }
  if (id == s.audit) {
    if (options_.probes_enabled) audit_probe_->run_audit(now);
    return;
  }
  if (id == s.sample) {
    if (options_.probes_enabled) {
      const probes::SampleBatch& batch = registry_.sample_all(now);
      current_observer_->on_sample(now, batch, registry_.series());
    }
    return;
  }
  if (id == s.checkpoints) current_observer_->on_checkpoint(now, static_cast<std::size_t>(event.ordinal));
}

RestartResult Harness::restart(TimePoint now) {
  set_now(now);
  RestartResult result;
  std::unordered_set<engine::PlanId> before;
  std::unordered_set<engine::PlanId> expired_by_now;  // may legitimately end during the restart
  for (const engine::Plan& plan : engine_->plans().active_plans()) {
    before.insert(plan.id);
    if (plan.expired_at(now)) expired_by_now.insert(plan.id);
  }
  result.plans_before = before.size();

  exit_venue_ = nullptr;
  engine_.reset();  // the old process is gone before the new one starts
  build_engine();

  std::unordered_set<engine::PlanId> after;
  for (const engine::Plan& plan : engine_->plans().active_plans()) after.insert(plan.id);
  result.plans_after = after.size();
  constexpr std::size_t kExamples = 5;
  for (const auto& id : before) {
    if (after.count(id) || expired_by_now.count(id)) continue;
    if (++result.lost <= kExamples) result.lost_ids.push_back(id);
  }
  for (const auto& id : after) {
    if (before.count(id)) continue;
    if (++result.duplicated <= kExamples) result.duplicated_ids.push_back(id);
  }

  // Positions lived in the old process only: they are gone, not leaked.
  paper_open_.clear();
  copy_open_.clear();
  ++summary_.restarts;
  summary_.plans_lost_on_restart += result.lost;
  summary_.plans_duplicated_on_restart += result.duplicated;
  for (const auto* ids : {&result.lost_ids, &result.duplicated_ids}) {
    for (const auto& id : *ids) {
      if (summary_.restart_plan_examples.size() < 10) summary_.restart_plan_examples.push_back(id);
    }
  }
  return result;
}

CloseStormResult Harness::close_storm(TimePoint now) {
  set_now(now);
  const auto limit = static_cast<std::size_t>(options_.rates.close_storm_positions);
  std::vector<engine::PositionId> paper(paper_open_.begin(), paper_open_.end());
  std::vector<engine::PositionId> copies(copy_open_.begin(), copy_open_.end());
  std::sort(paper.begin(), paper.end());
  std::sort(copies.begin(), copies.end());
  paper.resize(std::min(paper.size(), limit));
  copies.resize(std::min(copies.size(), limit));

  std::unordered_map<engine::PositionId, engine::Fixed> exit_prices;
  for (const auto& id : paper) {
    if (auto position = engine_->paper().position(id)) {
      exit_prices[id] = walk_.price(position->symbol).value_or(position->entry_price);
    }
  }
  std::vector<std::string> targets = paper;
  targets.insert(targets.end(), copies.begin(), copies.end());
  const std::unordered_set<engine::PositionId> paper_targets(paper.begin(), paper.end());

  engine::Engine& e = *engine_;
  CloseStormResult result = run_close_storm(targets, options_.rates.close_storm_threads, [&](const std::string& id) {
    if (paper_targets.count(id)) {
      auto price = exit_prices.find(id);
      if (price == exit_prices.end()) return false;
      return e.paper().close_position(id, engine::CloseReason::kManual, price->second, now);
    }
    return e.executor().close_position(id, now);
  });

  for (std::size_t t = 0; t < targets.size(); ++t) {
    if (result.winners[t] == 0) continue;
    paper_open_.erase(targets[t]);
    copy_open_.erase(targets[t]);
    report_terminal(engine::EntityKind::kPosition, targets[t], now, position_grace());
  }
  ++summary_.storms;
  summary_.storm_positions_closed += result.closed;
  summary_.storm_double_closes += result.double_closes;
  return result;
}

void Harness::report_terminal(engine::EntityKind kind, std::string_view key, TimePoint now, Duration grace) {
  if (terminal_sink_) return terminal_sink_->terminated(kind, key, now, grace);
  if (options_.probes_enabled) ledger_.terminated(kind, key, now, grace);
}

void Harness::report_active(engine::EntityKind kind, std::string_view key, TimePoint now) {
  if (terminal_sink_) return;  // the sink takes terminal entities only
  if (options_.probes_enabled) ledger_.activated(kind, key, now);
}

// Grace periods are the engine's cleanup policy (engine/maintain_schedule.h)
// at the cadence this harness drives it; the harness adds only its own
// settle window for a delisting.
Duration Harness::grace(engine::EntityEnd end) const {
  return engine::grace_period(engine_config_, end, driver_cadence(options_.intervals));
}

Duration Harness::plan_grace() const { return grace(engine::EntityEnd::kPlanEnded); }

Duration Harness::symbol_grace() const { return grace(engine::EntityEnd::kSymbolUnplanned); }

Duration Harness::position_grace() const { return grace(engine::EntityEnd::kPositionClosed); }

Duration Harness::delisting_grace() const {
  return kDelistingSettle + grace(engine::EntityEnd::kSymbolDelisted);
}

Duration Harness::order_grace() const { return grace(engine::EntityEnd::kOrderTerminal); }

Duration Harness::transaction_grace() const { return grace(engine::EntityEnd::kTransactionHandled); }

Duration Harness::exit_intent_grace() const { return grace(engine::EntityEnd::kExitIntentSettled); }

}  // namespace plateau::harness
