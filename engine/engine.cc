#include "engine/engine.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <utility>

#include "engine/exec/portfolio_fills.h"
#include "engine/portfolio/portfolio.h"

namespace plateau::engine {

namespace {
// The last leaked block stays visible to a debugger; every earlier one is
// unreachable, which is the point of the canary.
void* volatile g_last_unreachable_block = nullptr;
}  // namespace

extern "C" __attribute__((noinline)) void plateau_engine_unreachable_leak_site(std::size_t bytes) {
  // A direct operator new call (not a new-expression) may not be elided.
  void* block = ::operator new(bytes);
  static_cast<volatile char*>(block)[0] = 1;
  g_last_unreachable_block = block;
}

extern "C" __attribute__((noinline)) char* plateau_engine_fixture_block_site(std::size_t bytes) {
  char* block = new char[bytes];
  std::memset(block, 1, bytes);  // resident, as a real table's pages would be
  return block;
}

namespace {

// The configuration with the fixture knobs handed to the components that
// use them, and wallet.tenfold_caches applied.
EngineConfig with_fixtures(EngineConfig config, const Failpoints& failpoints) {
  const FixtureOptions& f = config.fixtures;
  config.plans.undeclared_error_note_bytes = f.error_note_bytes;
  config.wallet.undeclared_leak_bytes_per_hour = f.slow_leak_bytes_per_hour;
  config.wallet.undeclared_leak_block_bytes = f.slow_leak_block_bytes;
  config.exits.undeclared_thread_leak_every_failures = f.thread_leak_every_failures;
  if (failpoints.on(Failpoint::kWalletTenfoldCaches)) {
    for (BoundedCacheOptions* cache : {&config.wallet.processed_transactions, &config.wallet.transaction_cache,
                                       &config.wallet.price_cache}) {
      cache->capacity *= 10;
    }
  }
  return config;
}

}  // namespace

// Default price source: the last tick MarketData saw (a feed, in effect).
class Engine::MarketPriceSource final : public PriceSource {
 public:
  explicit MarketPriceSource(const MarketData& market) : market_(market) {}
  std::string_view name() const noexcept override { return "market_data"; }
  PriceQuote fetch(const Symbol& symbol, TimePoint) override {
    if (auto price = market_.last_price(symbol)) return PriceQuote::ok(*price);
    return PriceQuote::failure("market_data: no tick seen for " + symbol);
  }

 private:
  const MarketData& market_;
};

// Plans see prices through the PriceProvider (cache, retries, stale
// fallback) and candles through MarketData's one-minute series.
class Engine::PlanMarketAdapter final : public PlanMarket {
 public:
  static constexpr std::size_t kM1Candles = 30;
  PlanMarketAdapter(PriceProvider& prices, const MarketData& market) : prices_(prices), market_(market) {}

  std::optional<Fixed> last_price(const Symbol& symbol, TimePoint now) override {
    return prices_.get(symbol, now).price;
  }
  std::vector<M1Candle> m1_candles(const Symbol& symbol, TimePoint) override {
    std::vector<M1Candle> out;
    for (const Candle& c : market_.candles(symbol, Timeframe::k1m, kM1Candles)) {
      out.push_back(M1Candle{c.open_time, c.open, c.high, c.low, c.close, c.volume});
    }
    return out;
  }

 private:
  PriceProvider& prices_;
  const MarketData& market_;
};

// A triggered plan becomes a paper position, or an order through the router
// filled at the trigger price (the venue is simulated either way).
class Engine::PlanTradeSinkAdapter final : public PlanTradeSink {
 public:
  PlanTradeSinkAdapter(PlanExecutionTarget target, PaperEngine& paper, OrderRouter& router,
                       std::string id_session)
      : target_(target), paper_(paper), router_(router), id_session_(std::move(id_session)) {}

  ExecutionOutcome execute(const Plan& plan, Fixed price, TimePoint now) override {
    if (target_ == PlanExecutionTarget::kPaper) {
      OpenResult opened = paper_.open_position(plan.symbol, plan.side, PositionSize::quantity(plan.quantity),
                                               now, price);
      if (opened) return ExecutionOutcome::succeeded();
      return ExecutionOutcome::failed("paper refused plan " + plan.id + ": " + opened.reason);
    }
    const OrderId order_id = "plan-" + plan.id + "-" + std::to_string(plan.retry_count) + "-" + id_session_ +
                             std::to_string(next_order_.fetch_add(1, std::memory_order_relaxed));
    SubmitResult submitted =
        router_.submit(OrderIntent{order_id, plan.symbol, plan.side, plan.quantity, std::nullopt,
                                   "plan:" + plan.id, FillEffect::kAny},
                       now);
    if (!submitted.accepted()) return ExecutionOutcome::failed(submitted.error);
    router_.on_order_update(OrderUpdate{order_id, OrderState::kFilled, plan.quantity, price}, now);
    return ExecutionOutcome::succeeded();
  }

 private:
  const PlanExecutionTarget target_;
  PaperEngine& paper_;
  OrderRouter& router_;
  const std::string id_session_;
  std::atomic<std::uint64_t> next_order_{1};
};

namespace {

// Resolves EngineConfig::id_session and stamps it into the components' own id
// prefixes: a restarted engine must not hand out the ids of the process
// before it (each component counts from 1).
EngineConfig with_id_session(EngineConfig config, const Clock& clock) {
  if (config.id_session.empty()) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
    config.id_session = "s" + std::to_string(ms) + "-";
  }
  config.paper.id_prefix += config.id_session;
  config.executor.position_id_prefix += config.id_session;
  return config;
}

}  // namespace

Engine::Engine(EngineConfig config, const Clock& clock, Failpoints& failpoints,
               std::filesystem::path plan_store_path, EnginePorts ports)
    : config_(with_fixtures(with_id_session(std::move(config), clock), failpoints)),
      clock_(clock),
      failpoints_(failpoints),
      plan_store_path_(std::move(plan_store_path)) {
  market_ = std::make_unique<MarketData>(config_.market, failpoints_);

  std::vector<std::shared_ptr<PriceSource>> sources = std::move(ports.price_sources);
  if (sources.empty()) sources.push_back(std::make_shared<MarketPriceSource>(*market_));
  prices_ = std::make_unique<PriceProvider>(std::move(sources), config_.prices, std::move(ports.price_backoff_wait));

  portfolio_ = std::make_unique<Portfolio>(config_.id_session);
  priority_symbols_ = std::make_unique<PrioritySymbols>(*portfolio_, config_.priority_symbols);
  portfolio_->set_change_listener([symbols = priority_symbols_.get()](const Symbol&) { symbols->invalidate(); });
  router_ = std::make_unique<OrderRouter>(failpoints_, config_.router, make_portfolio_fill_handler(*portfolio_));
  exit_venue_ = ports.make_exit_venue ? ports.make_exit_venue(*router_)
                                      : std::make_unique<RouterExitVenue>(*router_, config_.id_session);
  exits_ = std::make_unique<ExitManager>(failpoints_, *exit_venue_, *portfolio_, config_.exits);

  paper_ = std::make_unique<PaperEngine>(config_.paper, *prices_, failpoints_);
  wallet_ = std::make_unique<WalletMonitor>(config_.wallet, failpoints_);
  executor_ = std::make_unique<TradeExecutor>(config_.executor, failpoints_);

  PlanStoreOptions store_options = config_.plan_store;
  store_options.path = plan_store_path_.string();
  plan_store_ = std::make_unique<PlanStore>(std::move(store_options));
  plan_market_ = std::make_unique<PlanMarketAdapter>(*prices_, *market_);
  plan_sink_ =
      std::make_unique<PlanTradeSinkAdapter>(config_.plan_execution, *paper_, *router_, config_.id_session);
  plans_ = std::make_unique<AutoExecutor>(*plan_store_, *plan_market_, *plan_sink_, failpoints_, config_.plans);
}

Engine::~Engine() = default;

std::size_t Engine::start(TimePoint now) {
  plans_->reload_from_store(now);
  if (failpoints_.on(Failpoint::kEngineOneOffBlock) && !fixture_block_) {
    fixture_block_.reset(plateau_engine_fixture_block_site(config_.fixtures.block_bytes));
  }
  maintain(now);
  return plans_->stats().active_plans;
}

// The one list of the engine's components: the order inventory() and
// audit() report them in (so the order series first appear in a report) and
// maintain() runs their periodic work in. A component without periodic work
// has no maintain entry. Adding a component is one row here.
template <auto kMember, bool kMaintained>
constexpr Engine::ComponentEntry Engine::entry(std::string_view name) noexcept {
  ComponentEntry row{name, nullptr, [](const Engine& e, InventorySink& s) { (e.*kMember)->inventory(s); },
                     [](const Engine& e, AuditSink& s) { (e.*kMember)->audit(s); }};
  if constexpr (kMaintained)
    row.maintain = [](Engine& e, TimePoint now) { (void)(e.*kMember)->maintain(now); };
  return row;
}

std::span<const Engine::ComponentEntry> Engine::components() noexcept {
  static constexpr ComponentEntry kComponents[] = {
      entry<&Engine::plans_, true>("plans"),
      entry<&Engine::market_, true>("market"),
      entry<&Engine::prices_, true>("prices"),
      entry<&Engine::wallet_, true>("wallet"),
      entry<&Engine::executor_, true>("executor"),
      entry<&Engine::paper_, false>("paper"),
      entry<&Engine::portfolio_, false>("portfolio"),
      entry<&Engine::priority_symbols_, false>("priority_symbols"),
      entry<&Engine::router_, true>("router"),
      entry<&Engine::exits_, true>("exits"),
  };
  return kComponents;
}

std::vector<std::string_view> Engine::component_names() {
  std::vector<std::string_view> names;
  for (const ComponentEntry& c : components()) names.push_back(c.name);
  return names;
}

void Engine::maintain(TimePoint now) {
  if (failpoints_.on(Failpoint::kEngineStepBlock) && !fixture_block_ && now >= config_.fixtures.step_at) {
    fixture_block_.reset(plateau_engine_fixture_block_site(config_.fixtures.block_bytes));
  }
  // Each component's periodic work is independent of the others' (each
  // cleans only its own containers), so the table's order is safe here.
  for (const ComponentEntry& c : components()) {
    if (c.maintain) c.maintain(*this, now);
  }
}

void Engine::on_tick(const Symbol& symbol, Fixed price, Fixed volume, TimePoint now) {
  market_->on_tick(symbol, price, volume, now);
}

std::optional<PositionId> Engine::on_wallet_transaction(const WalletTransaction& tx, TimePoint now) {
  std::optional<CopySignal> signal = wallet_->on_transaction(tx, now);
  if (!signal) return std::nullopt;
  return executor_->open_position(*signal, now);
}

void Engine::inventory(InventorySink& sink) const {
  for (const ComponentEntry& c : components()) c.inventory(*this, sink);
}

void Engine::audit(AuditSink& sink) const {
  for (const ComponentEntry& c : components()) c.audit(*this, sink);
}

}  // namespace plateau::engine
