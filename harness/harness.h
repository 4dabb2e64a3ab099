// Harness: drives synthetic load through the Engine on a virtual (or paced
// wall) clock, and samples the probes while it does.
//
// One Harness runs one soak: it builds the Engine (plan store at
// options.plan_store_path, emptied first), registers the event streams of
// HarnessOptions on an EventDriver — price ticks (random walk per symbol),
// open interest, plans (created with an expiry spread, some triggering, some
// cancelled later, some cancelled between begin_cycle and finish_cycle),
// wallet transactions (with duplicates), paper position opens, orders through
// the router (filled, cancelled or rejected later), exits (some failing at
// the venue), close storms (real threads racing to close the same positions),
// the plans and paper monitor cycles, the engine's maintain, the probe
// sampler, the audit, engine restarts and the caller's checkpoints — and
// dispatches the events in time order. Each engine (at start and after a
// restart) first gets a one-minute candle backfill per symbol, a little
// longer than the cap. It reports every entity's activation
// and termination (plans, positions, orders, exit intents, transaction
// hashes) with its grace period to the probes' EntityLedger; the grace is
// the engine's (engine::grace_period, its cleanup policy at this harness's
// cadence), never re-derived here. A restart tears
// the Engine down and rebuilds it from the SQLite plan store; the plans active
// before and after are compared, and any plan lost or duplicated counts in
// the harness's own invariant series (invariant.harness.*), next to storm
// double closes.
//
// Delistings (HarnessOptions::delistings): at each instant one listed symbol
// stops trading for good. No generator draws it again (ticks, open interest,
// plans, wallet transactions, paper opens, orders; nor the candle backfill
// after a restart); its plans are cancelled, and its paper, copy and
// Portfolio positions are closed over a settle window, as an operator would;
// the symbol is reported terminal (kSymbol) with a grace that covers the
// settle window and the slowest per-symbol cleanup (MarketData's idle TTL,
// the plans cleanup), after which any container still keyed by it is residue.
//
// The harness only records: samples go to the HarnessObserver as they are
// taken; judging them is the verdict's job.
//
// A second driver: streams() publishes every registered stream with its role
// and shape, drive() runs one event of a stream from outside run(), and a
// TerminalSink takes the terminal entities instead of the ledger. That is how
// EngineSystem (harness/engine_system.h) puts the engine behind the public
// soak API with these same handlers; run() and its event sequence are
// unchanged by it.
//
// Thread safety: run() on one thread; close storms start their own threads
// inside an event. `stop` may be set from any thread (a signal handler): the
// run stops before the next event. Observers are called on the run() thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/engine.h"
#include "harness/close_storm.h"
#include "harness/delayed_actions.h"
#include "harness/event_driver.h"
#include "harness/harness_options.h"
#include "harness/price_walk.h"
#include "probes/audit_probe.h"
#include "probes/entity_ledger.h"
#include "probes/registry.h"

namespace plateau::harness {

class FaultyExitVenue;
class SimulatedPriceSource;

// What the soak runner hooks in. Every method has an empty default.
class HarnessObserver {
 public:
  virtual ~HarnessObserver() = default;
  // One probe pass; `batch` is valid only during the call.
  virtual void on_sample(engine::TimePoint /*now*/, const probes::SampleBatch& /*batch*/,
                         const probes::SeriesTable& /*table*/) {}
  // HarnessOptions::checkpoints[index] was reached (before any other event at that instant).
  virtual void on_checkpoint(engine::TimePoint /*now*/, std::size_t /*index*/) {}
  // Every few thousand events, for a progress line.
  virtual void on_progress(engine::TimePoint /*now*/, std::uint64_t /*events*/) {}
};

struct RestartResult {
  std::size_t plans_before = 0;
  std::size_t plans_after = 0;
  std::size_t lost = 0;        // active before, missing after (unless expired by then)
  std::size_t duplicated = 0;  // missing before, active after (resurrected or doubled)
  std::vector<engine::PlanId> lost_ids;        // the first few, for messages
  std::vector<engine::PlanId> duplicated_ids;
};

struct RunSummary {
  bool completed = false;  // false: stopped before the end
  std::uint64_t events = 0;
  engine::TimePoint reached{};  // virtual instant of the last event handled
  double wall_seconds = 0;
  std::uint64_t event_digest = 0;
  std::uint64_t restarts = 0;
  std::uint64_t delistings = 0;
  std::uint64_t plans_lost_on_restart = 0;
  std::uint64_t plans_duplicated_on_restart = 0;
  std::vector<engine::PlanId> restart_plan_examples;  // a few lost or duplicated ids
  std::uint64_t storms = 0;
  std::uint64_t storm_positions_closed = 0;
  std::uint64_t storm_double_closes = 0;
  engine::Duration max_wall_lag{};  // wall mode: worst lag behind real time
};

// What a registered stream is for, so that a second driver
// (harness::EngineSystem: the engine behind the public soak API) can take
// the load and the periodic engine work and leave observation to its own
// runner.
enum class StreamRole : std::uint8_t {
  kLoad,         // Poisson arrivals of generated load (ticks, plans, orders, ...)
  kEngineWork,   // periodic calls into the engine (maintain, monitor cycles, close storms)
  kDelisting,    // one-shot instants at which a listed symbol stops trading
  kRestart,      // periodic engine restarts
  kObservation,  // probe samples, audit passes, checkpoints: the runner's own
};

// One stream as register_streams() put it on the driver.
struct StreamInfo {
  StreamId id = 0;
  std::string name;
  StreamRole role = StreamRole::kLoad;
  double per_second = 0;                    // Poisson streams, else 0
  engine::Duration interval{};              // periodic streams, else zero
  std::vector<engine::TimePoint> instants;  // schedules, else empty
};

// Where the harness reports entities that reached a terminal state when not
// to the probes' EntityLedger (Harness::set_terminal_sink).
class TerminalSink {
 public:
  virtual ~TerminalSink() = default;
  // `key` of `kind` ended at `at`; every container must drop it within `grace`.
  virtual void terminated(engine::EntityKind kind, std::string_view key, engine::TimePoint at,
                          engine::Duration grace) = 0;
};

class Harness {
 public:
  // Throws std::invalid_argument naming the field for bad options or an
  // unknown failpoint name, and the Engine's exceptions if it cannot be built.
  explicit Harness(HarnessOptions options, engine::EngineConfig config = {});
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Runs the whole scenario (or until `stop` is set). Call once.
  RunSummary run(HarnessObserver* observer = nullptr, const std::atomic<bool>* stop = nullptr);

  // Tears the Engine down and rebuilds it from the plan store at `now`.
  RestartResult restart(engine::TimePoint now);
  // One close storm over the open paper and copy positions at `now`.
  CloseStormResult close_storm(engine::TimePoint now);

  // The streams register_streams() put on the driver, in registration order.
  std::vector<StreamInfo> streams() const;
  // One event of `stream` at `at`, driven from outside run() (EngineSystem
  // times its own arrivals): the follow-ups due by `at` run first, then the
  // stream's handler, as in run(). `at` must not go back in time. Throws
  // std::invalid_argument for an observation stream (the caller samples).
  void drive(StreamId stream, engine::TimePoint at);
  // Terminal entities go to `sink` instead of the ledger (nullptr: back to
  // the ledger); activations are then not recorded. Not owned.
  void set_terminal_sink(TerminalSink* sink) noexcept { terminal_sink_ = sink; }

  engine::Engine& engine() noexcept { return *engine_; }
  const engine::Engine& engine() const noexcept { return *engine_; }
  engine::Failpoints& failpoints() noexcept { return failpoints_; }
  probes::EntityLedger& ledger() noexcept { return ledger_; }
  probes::ProbeRegistry& probes() noexcept { return registry_; }
  probes::AuditProbe* audit_probe() noexcept { return audit_probe_; }
  const HarnessOptions& options() const noexcept { return options_; }
  const std::vector<engine::Symbol>& symbols() const noexcept { return walk_.symbols(); }
  engine::TimePoint start() const noexcept { return kVirtualEpoch; }
  engine::TimePoint end() const noexcept { return kVirtualEpoch + options_.duration; }
  engine::TimePoint now() const noexcept { return clock_.now(); }
  std::uint64_t event_digest() const noexcept { return digest_; }
  // Harness-side counters, also published as invariant.harness.* / health.harness.*.
  const RunSummary& summary() const noexcept { return summary_; }

 private:
  class HarnessProbe;
  struct TrackedPlan {
    engine::TimePoint expires_at{};
    bool triggerable = false;
    engine::Symbol own_symbol;  // a listing or unknown symbol only this plan uses; else empty
    engine::Symbol symbol;      // the plan's symbol
  };
  struct Streams;

  void build_engine();
  void restore_candle_snapshot(engine::TimePoint now);
  void backfill_candles(engine::TimePoint now);
  void register_streams();
  void dispatch(const Event& event);
  void set_now(engine::TimePoint t);

  // Event handlers (harness_load.cc).
  void on_price_tick(Rng& rng, engine::TimePoint now);
  void on_open_interest(Rng& rng, engine::TimePoint now);
  void on_plan_created(Rng& rng, engine::TimePoint now);
  void on_plans_cycle(Rng& rng, engine::TimePoint now);
  void on_wallet_transaction(Rng& rng, engine::TimePoint now);
  void on_position_open(Rng& rng, engine::TimePoint now);
  void on_paper_cycle(engine::TimePoint now);
  void on_order(Rng& rng, engine::TimePoint now);
  void on_exit(Rng& rng, engine::TimePoint now);
  void exit_symbol(const engine::Symbol& symbol, engine::TimePoint now);
  // A listed symbol (index into walk_) drawn uniformly: the same draws as
  // rng.index(walk_.size()) until the first delisting.
  std::size_t draw_listed(Rng& rng);
  void on_delisting(Rng& rng, engine::TimePoint now);
  // Closes what is still open on a delisted symbol; re-runs every maintain
  // interval while anything is, or until the settle window has passed.
  void settle_delisting(const engine::Symbol& symbol, engine::TimePoint now, engine::TimePoint until);
  void cancel_plan(const engine::PlanId& id, engine::TimePoint now);
  // The plan reached a terminal state: stop tracking it, tell the ledger.
  void plan_ended(const engine::PlanId& id, engine::TimePoint now);
  void settle_plans(const engine::CycleSnapshot& snapshot, engine::TimePoint now);
  void settle_paper_positions(engine::TimePoint now);
  void deliver_exit_fills(engine::TimePoint now);
  void order_terminal(const engine::OrderId& id, engine::TimePoint now);
  // Ledger reports; no-ops when probes are off.
  void report_terminal(engine::EntityKind kind, std::string_view key, engine::TimePoint now,
                       engine::Duration grace);
  void report_active(engine::EntityKind kind, std::string_view key, engine::TimePoint now);

  // Grace periods: how long after its terminal event an entity may still be held.
  engine::Duration grace(engine::EntityEnd end) const;
  engine::Duration plan_grace() const;
  engine::Duration symbol_grace() const;
  engine::Duration position_grace() const;
  engine::Duration order_grace() const;
  engine::Duration transaction_grace() const;
  engine::Duration exit_intent_grace() const;
  engine::Duration delisting_grace() const;
  static constexpr engine::Duration kDelistingSettle = std::chrono::minutes(5);

  HarnessOptions options_;
  engine::EngineConfig engine_config_;
  engine::ManualClock clock_;
  engine::Failpoints failpoints_;
  PriceWalk walk_;
  std::vector<std::shared_ptr<SimulatedPriceSource>> sources_;
  FaultyExitVenue* exit_venue_ = nullptr;  // owned by the Engine
  std::unique_ptr<engine::Engine> engine_;
  std::uint64_t generation_ = 0;

  probes::EntityLedger ledger_{
      probes::EntityLedgerOptions{.follow_one_in = {{engine::EntityKind::kTransaction, kTransactionLedgerSampling}}}};
  probes::ProbeRegistry registry_;
  probes::AuditProbe* audit_probe_ = nullptr;

  std::unique_ptr<EventDriver> driver_;
  std::unique_ptr<Streams> streams_;
  DelayedActions delayed_;

  // What the harness itself knows of the entities it created.
  std::unordered_map<engine::PlanId, TrackedPlan> plans_;
  std::unordered_set<engine::PositionId> paper_open_;
  std::unordered_set<engine::PositionId> copy_open_;
  std::vector<std::size_t> listed_;  // walk_ indexes still trading, in walk order
  std::unordered_set<engine::Symbol> delisted_;
  std::vector<engine::WalletTransaction> recent_transactions_;  // ring, for duplicates
  std::size_t recent_next_ = 0;
  std::uint64_t next_plan_ = 1;
  std::uint64_t next_own_symbol_ = 1;
  std::uint64_t next_transaction_ = 1;
  std::uint64_t next_order_ = 1;
  std::uint64_t plan_add_errors_ = 0;
  static constexpr std::size_t kRecentTransactions = 1000;
  static constexpr std::uint64_t kTransactionLedgerSampling = 8;
  static constexpr std::size_t kBackfillOverCap = 10;
  static constexpr int kWallets = 10;

  HarnessObserver* current_observer_ = nullptr;  // set during run()
  std::vector<StreamRole> stream_roles_;         // by StreamId
  TerminalSink* terminal_sink_ = nullptr;        // null: the ledger
  RunSummary summary_;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
};

}  // namespace plateau::harness
