// Engine: the facade that builds, wires and owns every engine component.
//
// One Engine is built from one EngineConfig, the Clock and Failpoints it is
// given, and the path of its SQLite plan store. It wires the components the
// way the trading bots of the seeds did:
//   ticks -> MarketData;  PriceSources -> PriceProvider (TTL cache, retries,
//   stale fallback);  AutoExecutor <- PlanMarket over PriceProvider and
//   MarketData's one-minute candles;  AutoExecutor -> PlanTradeSink ->
//   PaperEngine (or the OrderRouter, per EngineConfig::plan_execution);
//   WalletMonitor -> CopySignal -> TradeExecutor;
//   ExitManager -> ExitVenue (RouterExitVenue) -> OrderRouter -> fills ->
//   Portfolio -> change listener -> PrioritySymbols::invalidate().
// maintain(now) runs every component's periodic work (each decides for
// itself whether it is due); inventory() and audit() fan out to every
// component. A restart is: destroy the Engine, build a new one on the same
// plan store path, call start(now); the plans come back from SQLite.
//
// Failpoint engine.unreachable_leak lives here: while it is on, on_event()
// (which the harness calls once per event it handles) allocates a small
// block and drops the pointer, through the noinline function
// plateau_engine_unreachable_leak_site() so a heap-profile diff names it.
//
// The must-not-fire fixtures engine.one_off_block and engine.step_block live
// here too: a block of config.fixtures.block_bytes, allocated (and every
// page written) by plateau_engine_fixture_block_site() at start() or at the
// first maintain() at or after config.fixtures.step_at, kept until the
// Engine is destroyed. wallet.tenfold_caches scales the wallet's cache
// capacities when the Engine is built. The other fixture knobs are handed to
// their components' options.
//
// Thread safety: the components are thread-safe (see their headers), so the
// accessors may be used from several threads at once (close storms do).
// maintain/inventory/audit may run concurrently with event handling. The
// Engine itself must not be destroyed while another thread uses it. Clock,
// Failpoints and the injected ports must outlive the Engine.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/failpoints.h"
#include "engine/core/inspect.h"
#include "engine/engine_config.h"
#include "engine/exec/exit_venue.h"
#include "engine/market/price_source.h"

namespace plateau::engine {

class Portfolio;

// What the Engine takes from its environment besides configuration. Every
// field is optional; the defaults are the production wiring.
struct EnginePorts {
  // Price sources, tried in order. Empty: one source reading MarketData's
  // last tick price.
  std::vector<std::shared_ptr<PriceSource>> price_sources;
  // The PriceProvider's backoff wait (virtual time). Empty: no wait.
  PriceProvider::WaitFn price_backoff_wait;
  // Builds the venue exits go to. Empty: RouterExitVenue over the Engine's
  // OrderRouter. The harness wraps that one to inject venue failures.
  std::function<std::unique_ptr<ExitVenue>(OrderRouter&)> make_exit_venue;
};

// The leak of engine.unreachable_leak, kept out of line so heap profiles
// attribute it to this name. Allocates `bytes` and forgets the pointer.
extern "C" void plateau_engine_unreachable_leak_site(std::size_t bytes);
// The block of engine.one_off_block / engine.step_block: `bytes`, every page
// written, out of line so heap profiles name it.
extern "C" char* plateau_engine_fixture_block_site(std::size_t bytes);

class Engine {
 public:
  // Opens (or creates) the plan store at `plan_store_path` and builds every
  // component. Throws std::invalid_argument for bad options (naming the
  // field) and PlanStoreError if the store cannot be opened.
  Engine(EngineConfig config, const Clock& clock, Failpoints& failpoints,
         std::filesystem::path plan_store_path, EnginePorts ports = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads the active plans from the store and runs the first maintain (so
  // MarketData's cleanup runs at start). Returns how many plans came back.
  std::size_t start(TimePoint now);

  // Every component's periodic work at `now`.
  void maintain(TimePoint now);
  // The same at clock().now().
  void maintain() { maintain(clock_.now()); }

  // One price/volume tick of a symbol into MarketData.
  void on_tick(const Symbol& symbol, Fixed price, Fixed volume, TimePoint now);
  // A wallet transaction through the WalletMonitor; a copy signal opens a
  // TradeExecutor position, whose id is returned.
  std::optional<PositionId> on_wallet_transaction(const WalletTransaction& tx, TimePoint now);

  // Called by the harness once per event it handles: the hook of the
  // engine.unreachable_leak canary. Costs one failpoint check when off.
  void on_event() {
    if (failpoints_.on(Failpoint::kEngineUnreachableLeak)) {
      plateau_engine_unreachable_leak_site(config_.unreachable_leak_bytes);
    }
  }

  void inventory(InventorySink& sink) const;
  void audit(AuditSink& sink) const;

  // The engine's components by name ("plans", "market", ...), in the order
  // inventory() and audit() consult them. Each reports under its own name,
  // except the PriceProvider ("prices"), which reports as part of "market".
  static std::vector<std::string_view> component_names();

  const Clock& clock() const noexcept { return clock_; }
  const Failpoints& failpoints() const noexcept { return failpoints_; }
  const EngineConfig& config() const noexcept { return config_; }
  const std::filesystem::path& plan_store_path() const noexcept { return plan_store_path_; }

  PlanStore& plan_store() noexcept { return *plan_store_; }
  AutoExecutor& plans() noexcept { return *plans_; }
  MarketData& market() noexcept { return *market_; }
  PriceProvider& prices() noexcept { return *prices_; }
  WalletMonitor& wallet() noexcept { return *wallet_; }
  TradeExecutor& executor() noexcept { return *executor_; }
  PaperEngine& paper() noexcept { return *paper_; }
  Portfolio& portfolio() noexcept { return *portfolio_; }
  PrioritySymbols& priority_symbols() noexcept { return *priority_symbols_; }
  OrderRouter& router() noexcept { return *router_; }
  ExitManager& exits() noexcept { return *exits_; }

 private:
  class MarketPriceSource;
  class PlanMarketAdapter;
  class PlanTradeSinkAdapter;

  // One row per component: its name and how maintain(), inventory() and
  // audit() reach it (maintain is null for a component with no periodic work).
  struct ComponentEntry {
    std::string_view name;
    void (*maintain)(Engine&, TimePoint);
    void (*inventory)(const Engine&, InventorySink&);
    void (*audit)(const Engine&, AuditSink&);
  };
  static std::span<const ComponentEntry> components() noexcept;
  template <auto kMember, bool kMaintained>
  static constexpr ComponentEntry entry(std::string_view name) noexcept;

  const EngineConfig config_;
  const Clock& clock_;
  Failpoints& failpoints_;
  const std::filesystem::path plan_store_path_;

  // Declaration order is construction order: every component is built after
  // what it holds a reference to, and destroyed before it.
  std::unique_ptr<MarketData> market_;
  std::unique_ptr<PriceProvider> prices_;
  std::unique_ptr<Portfolio> portfolio_;
  std::unique_ptr<PrioritySymbols> priority_symbols_;
  std::unique_ptr<OrderRouter> router_;
  std::unique_ptr<ExitVenue> exit_venue_;
  std::unique_ptr<ExitManager> exits_;
  std::unique_ptr<PaperEngine> paper_;
  std::unique_ptr<WalletMonitor> wallet_;
  std::unique_ptr<TradeExecutor> executor_;
  std::unique_ptr<PlanStore> plan_store_;
  std::unique_ptr<PlanMarketAdapter> plan_market_;
  std::unique_ptr<PlanTradeSinkAdapter> plan_sink_;
  std::unique_ptr<AutoExecutor> plans_;
  // engine.one_off_block / engine.step_block (maintain() runs on one thread).
  std::unique_ptr<char[]> fixture_block_;
};

}  // namespace plateau::engine
