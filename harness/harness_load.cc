// The event handlers of Harness: what each generated event does to the engine.
#include <algorithm>
#include <optional>
#include <string>

#include "engine/portfolio/portfolio.h"
#include "harness/faulty_exit_venue.h"
#include "harness/harness.h"

namespace plateau::harness {

using engine::Duration;
using engine::Fixed;
using engine::TimePoint;

namespace {

Duration uniform_duration(Rng& rng, Duration low, Duration high) {
  return low + engine::from_seconds(rng.uniform() * engine::to_seconds(high - low));
}

// A quantity worth about `notional` at `price`, to 6 decimals, never zero.
Fixed quantity_for(double notional, Fixed price) {
  const double qty = notional / std::max(price.to_double(), 0.01);
  return std::max(Fixed::from_double(qty).rounded(6), Fixed::from_raw(100));
}

engine::Side random_side(Rng& rng) { return rng.bernoulli(0.5) ? engine::Side::kBuy : engine::Side::kSell; }

}  // namespace

void Harness::on_price_tick(Rng& rng, TimePoint now) {
  const std::size_t index = draw_listed(rng);
  const Fixed price = walk_.step(index, rng);
  const Fixed volume = Fixed::from_raw(static_cast<std::int64_t>(rng.index(1000) + 1) * Fixed::kScale / 100);
  digest_ = (digest_ ^ index) * 0x100000001b3ULL;
  engine_->on_tick(walk_.symbol(index), price, volume, now);
}

void Harness::on_open_interest(Rng& rng, TimePoint now) {
  const std::size_t index = draw_listed(rng);
  const Fixed value = Fixed::from_int(static_cast<std::int64_t>(100'000 + rng.index(900'000)));
  engine_->market().on_open_interest(walk_.symbol(index), value, now);
}

void Harness::on_plan_created(Rng& rng, TimePoint now) {
  const LoadRates& r = options_.rates;
  engine::Plan plan;
  plan.id = "plan-" + std::to_string(next_plan_++);
  // Most plans share the scenario's symbols; a few bring a symbol of their own.
  const double churn = rng.uniform();
  engine::Symbol own_symbol;
  if (churn < r.plan_new_symbol_share) {
    own_symbol = PriceWalk::listing_symbol(next_own_symbol_++);
  } else if (churn < r.plan_new_symbol_share + r.plan_unknown_symbol_share) {
    own_symbol = PriceWalk::unknown_symbol(next_own_symbol_++);
  }
  const std::size_t index = draw_listed(rng);
  plan.symbol = own_symbol.empty() ? walk_.symbol(index) : own_symbol;
  // An unknown symbol has no price; its plan is sized as if it had the walk's.
  const std::optional<Fixed> quoted = walk_.price(plan.symbol);
  const Fixed price = quoted.value_or(walk_.price(index));
  plan.side = random_side(rng);
  plan.quantity = quantity_for(rng.uniform(200, 800), price);
  // A plan on an unknown symbol can never trigger, whatever its level.
  const bool triggerable = rng.bernoulli(r.plan_trigger_share) && quoted.has_value();
  if (triggerable) {
    // Already met: executes in the next cycle (or retries if refused).
    plan.trigger = {engine::TriggerKind::kPriceAtOrBelow, price + price};
  } else {
    // Far out of reach for a day's random walk: the plan waits until expiry or cancel.
    plan.trigger = {engine::TriggerKind::kPriceAtOrAbove, price * Fixed::from_int(100)};
  }
  plan.created_at = now;
  plan.expires_at = now + uniform_duration(rng, r.plan_expiry_min, r.plan_expiry_max);
  plan.max_retries = 3;
  const bool cancel = rng.bernoulli(r.plan_cancel_share);
  const Duration cancel_after = uniform_duration(rng, Duration::zero(), plan.expires_at - now);
  try {
    engine_->plans().add_plan(plan);
  } catch (const std::exception&) {
    ++plan_add_errors_;
    return;
  }
  if (!own_symbol.empty()) report_active(engine::EntityKind::kSymbol, own_symbol, now);
  plans_.emplace(plan.id, TrackedPlan{plan.expires_at, triggerable, std::move(own_symbol), plan.symbol});
  if (cancel) {
    delayed_.schedule(now + cancel_after, [this, id = plan.id](TimePoint at) { cancel_plan(id, at); });
  }
}

void Harness::plan_ended(const engine::PlanId& id, TimePoint now) {
  auto tracked = plans_.find(id);
  if (tracked == plans_.end()) return;
  if (!tracked->second.own_symbol.empty()) {
    // Its symbol's last plan: the engine must forget the symbol too.
    report_terminal(engine::EntityKind::kSymbol, tracked->second.own_symbol, now, symbol_grace());
  }
  plans_.erase(tracked);
  report_terminal(engine::EntityKind::kPlan, id, now, plan_grace());
}

void Harness::cancel_plan(const engine::PlanId& id, TimePoint now) {
  if (!plans_.count(id)) return;  // already terminal
  switch (engine_->plans().cancel_plan(id)) {
    case engine::CancelResult::kExecuting:
      delayed_.schedule(now + std::chrono::seconds(1), [this, id](TimePoint at) { cancel_plan(id, at); });
      return;
    case engine::CancelResult::kCancelled:
    case engine::CancelResult::kNotFound:  // it ended on its own before the harness noticed
      plan_ended(id, now);
      return;
  }
}

void Harness::on_plans_cycle(Rng& rng, TimePoint now) {
  engine::AutoExecutor& plans = engine_->plans();
  const engine::CycleSnapshot snapshot = plans.begin_cycle(now);
  if (!snapshot.plans.empty() && rng.bernoulli(options_.rates.plan_cancel_in_cycle_share)) {
    // Cancel a plan the cycle is about to act on, between snapshot and check:
    // a triggerable one if there is any, as that is the one acted on.
    std::vector<const engine::Plan*> candidates;
    for (const engine::Plan& plan : snapshot.plans) {
      auto tracked = plans_.find(plan.id);
      if (tracked != plans_.end() && tracked->second.triggerable) candidates.push_back(&plan);
    }
    const engine::Plan& victim =
        candidates.empty() ? snapshot.plans[rng.index(snapshot.plans.size())] : *candidates[rng.index(candidates.size())];
    cancel_plan(victim.id, now);
  }
  plans.finish_cycle(snapshot, now);
  settle_plans(snapshot, now);
}

void Harness::settle_plans(const engine::CycleSnapshot& snapshot, TimePoint now) {
  for (const engine::Plan& plan : snapshot.plans) {
    auto tracked = plans_.find(plan.id);
    if (tracked == plans_.end()) continue;
    if (!tracked->second.triggerable && now < tracked->second.expires_at) continue;
    std::optional<engine::Plan> current = engine_->plans().find(plan.id);
    if (current && !engine::is_terminal(current->status)) continue;
    plan_ended(plan.id, now);
  }
}

void Harness::on_wallet_transaction(Rng& rng, TimePoint now) {
  const LoadRates& r = options_.rates;
  engine::WalletTransaction tx;
  bool redelivered = false;
  if (!recent_transactions_.empty() && rng.bernoulli(r.wallet_duplicate_share)) {
    tx = recent_transactions_[rng.index(recent_transactions_.size())];  // a stream redelivery
    redelivered = !delisted_.count(tx.symbol);  // none for a delisted symbol: a fresh one instead
  }
  if (!redelivered) {
    const std::size_t index = draw_listed(rng);
    tx.hash = "0x" + std::to_string(options_.seed) + "t" + std::to_string(next_transaction_++);
    tx.wallet = "wallet-" + std::to_string(rng.index(kWallets));
    tx.symbol = walk_.symbol(index);
    tx.side = random_side(rng);
    tx.price = walk_.price(index);
    tx.quantity = quantity_for(rng.uniform(50, 500), tx.price);
    tx.timestamp = now;
    if (recent_transactions_.size() < kRecentTransactions) {
      recent_transactions_.push_back(tx);
    } else {
      recent_transactions_[recent_next_] = tx;
      recent_next_ = (recent_next_ + 1) % kRecentTransactions;
    }
  }
  std::optional<engine::PositionId> opened = engine_->on_wallet_transaction(tx, now);
  // A hash is done with once processed; its dedup entry may stay for the
  // cache TTL. The ledger follows one hash in kTransactionLedgerSampling
  // (chosen by hash, so duplicates agree): enough to name a set that keeps
  // them all, at a fraction of the ledger's cost at 20 transactions a second.
  if (ledger_.follows(engine::EntityKind::kTransaction, tx.hash)) {
    report_terminal(engine::EntityKind::kTransaction, tx.hash, now, transaction_grace());
  }
  if (!opened) return;
  copy_open_.insert(*opened);
  const Duration hold = uniform_duration(rng, r.copy_hold_min, r.copy_hold_max);
  delayed_.schedule(now + hold, [this, id = *opened, generation = generation_](TimePoint at) {
    if (generation != generation_ || !copy_open_.count(id)) return;  // restarted or closed by a storm
    if (engine_->executor().close_position(id, at)) {
      copy_open_.erase(id);
      report_terminal(engine::EntityKind::kPosition, id, at, position_grace());
    }
  });
}

void Harness::on_position_open(Rng& rng, TimePoint now) {
  const std::size_t index = draw_listed(rng);
  const auto notional = Fixed::from_double(rng.uniform(200, 800)).rounded(2);
  engine::OpenResult opened =
      engine_->paper().open_position(walk_.symbol(index), random_side(rng), engine::PositionSize::notional(notional), now);
  if (opened.id) paper_open_.insert(*opened.id);
}

void Harness::on_paper_cycle(TimePoint now) {
  engine_->paper().monitor_cycle(now);
  settle_paper_positions(now);
}

void Harness::settle_paper_positions(TimePoint now) {
  // Plans open paper positions too: adopt every open one, report the gone ones.
  std::unordered_set<engine::PositionId> open;
  for (const engine::PositionSnapshot& position : engine_->paper().open_positions()) open.insert(position.id);
  for (const auto& id : paper_open_) {
    if (!open.count(id)) report_terminal(engine::EntityKind::kPosition, id, now, position_grace());
  }
  paper_open_ = std::move(open);
}

void Harness::on_order(Rng& rng, TimePoint now) {
  const LoadRates& r = options_.rates;
  const std::size_t index = draw_listed(rng);
  engine::OrderIntent intent;
  intent.order_id = "ord-" + std::to_string(next_order_++);
  intent.symbol = walk_.symbol(index);
  intent.side = rng.bernoulli(0.7) ? engine::Side::kBuy : engine::Side::kSell;
  intent.qty = quantity_for(rng.uniform(100, 400), walk_.price(index));
  intent.reason = "entry";
  const double outcome = rng.uniform();
  const Duration delay = uniform_duration(rng, std::chrono::milliseconds(200), std::chrono::seconds(5));
  if (!engine_->router().submit(intent, now).accepted()) return;
  engine::OrderState state = engine::OrderState::kFilled;
  if (outcome < r.order_cancel_share) {
    state = engine::OrderState::kCancelled;
  } else if (outcome < r.order_cancel_share + r.order_reject_share) {
    state = engine::OrderState::kRejected;
  }
  delayed_.schedule(now + delay, [this, intent, state, index, generation = generation_](TimePoint at) {
    if (generation != generation_) return;  // the router that knew it is gone
    engine::OrderUpdate update{intent.order_id, state, std::nullopt, std::nullopt};
    if (state == engine::OrderState::kFilled) {
      update.fill_qty = intent.qty;
      update.fill_price = walk_.price(index);
    }
    engine_->router().on_order_update(update, at);
    order_terminal(intent.order_id, at);
  });
}

void Harness::order_terminal(const engine::OrderId& id, TimePoint now) {
  report_terminal(engine::EntityKind::kOrder, id, now, order_grace());
}

void Harness::on_exit(Rng& rng, TimePoint now) {
  const std::vector<engine::Symbol> held = engine_->portfolio().symbols();
  if (held.empty()) return;
  exit_symbol(held[rng.index(held.size())], now);
}

void Harness::exit_symbol(const engine::Symbol& symbol, TimePoint now) {
  engine::Portfolio& portfolio = engine_->portfolio();
  const std::optional<engine::Position> before = portfolio.get(symbol);
  report_active(engine::EntityKind::kExitIntent, symbol, now);
  const engine::ExitResult result = engine_->exits().execute_exit(engine::ExitRequest{symbol, std::nullopt, "stop_loss"}, now);
  // The intent must be gone as soon as the exit returns, whatever the outcome.
  if (result.reason != "exit_already_in_progress") {
    report_terminal(engine::EntityKind::kExitIntent, symbol, now, exit_intent_grace());
  }
  if (result.success && before) {
    const std::optional<engine::Position> after = portfolio.get(symbol);
    if (!after || after->id != before->id) {
      report_terminal(engine::EntityKind::kPosition, before->id, now, position_grace());
    }
  }
  deliver_exit_fills(now);
}

void Harness::deliver_exit_fills(TimePoint now) {
  if (!exit_venue_) return;
  for (SubmittedExit& exit : exit_venue_->take_submitted()) {
    // The exit order completes at the venue shortly after; the position was
    // already taken out by the ExitManager, so the fill only ends the order.
    delayed_.schedule(now + std::chrono::seconds(1), [this, id = exit.order_id, generation = generation_](TimePoint at) {
      if (generation != generation_) return;
      if (engine_->router().on_order_update(id, engine::OrderState::kFilled, at) == engine::UpdateStatus::kInvalid) {
        engine_->router().on_order_update(id, engine::OrderState::kCancelled, at);
      }
      order_terminal(id, at);
    });
  }
}

}  // namespace plateau::harness

namespace plateau::harness {

std::size_t Harness::draw_listed(Rng& rng) { return listed_[rng.index(listed_.size())]; }

void Harness::on_delisting(Rng& rng, TimePoint now) {
  if (listed_.size() < 2) return;  // validation keeps one symbol trading
  const std::size_t pick = rng.index(listed_.size());
  const engine::Symbol symbol = walk_.symbol(listed_[pick]);
  listed_.erase(listed_.begin() + static_cast<std::ptrdiff_t>(pick));
  delisted_.insert(symbol);
  ++summary_.delistings;
  // Its plans can never trade again: the operator cancels them.
  std::vector<engine::PlanId> doomed;
  for (const auto& [id, tracked] : plans_) {
    if (tracked.symbol == symbol) doomed.push_back(id);
  }
  std::sort(doomed.begin(), doomed.end());  // plans_ is unordered; keep runs reproducible
  for (const auto& id : doomed) cancel_plan(id, now);
  settle_delisting(symbol, now, now + kDelistingSettle);
  report_terminal(engine::EntityKind::kSymbol, symbol, now, delisting_grace());
}

void Harness::settle_delisting(const engine::Symbol& symbol, TimePoint now, TimePoint until) {
  bool open = false;
  const Fixed price = walk_.price(symbol).value_or(Fixed::from_int(1));
  for (const engine::PositionSnapshot& position : engine_->paper().open_positions()) {
    if (position.symbol != symbol) continue;
    if (engine_->paper().close_position(position.id, engine::CloseReason::kManual, price, now)) {
      paper_open_.erase(position.id);
      report_terminal(engine::EntityKind::kPosition, position.id, now, position_grace());
    } else {
      open = true;
    }
  }
  for (const engine::CopyPosition& position : engine_->executor().open_positions()) {
    if (position.symbol != symbol) continue;
    if (engine_->executor().close_position(position.id, now)) {
      copy_open_.erase(position.id);
      report_terminal(engine::EntityKind::kPosition, position.id, now, position_grace());
    } else {
      open = true;
    }
  }
  if (engine_->portfolio().holds(symbol)) exit_symbol(symbol, now);  // may fail at the venue: retried
  open = open || engine_->portfolio().holds(symbol);
  // Orders in flight when trading stopped may still fill: keep sweeping
  // through the settle window, and past it while anything is open.
  if (open || now < until) {
    delayed_.schedule(now + options_.intervals.maintain,
                      [this, symbol, until](TimePoint at) { settle_delisting(symbol, at, until); });
  }
}

}  // namespace plateau::harness
