#include "engine/core/mutex.h"
#include "engine/exec/exit_manager.h"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "engine/portfolio/portfolio.h"

namespace plateau::engine {
namespace {

constexpr std::string_view kComponent = "exits";

std::size_t approx_bytes(const ExitIntent& intent) {
  return sizeof(ExitIntent) + sizeof(Symbol) + kTreeNodeOverhead + 2 * approx_heap_bytes(intent.symbol) +
         approx_heap_bytes(intent.reason);
}

ExitResult failed(std::string reason, std::string error) {
  return ExitResult{false, std::move(reason), std::move(error), std::nullopt};
}

}  // namespace

// Owns one registered intent for the length of one exit. Releasing in the
// destructor covers every return and every exception; the failpoint is the
// one way to skip it, and only on the failure paths.
class ExitManager::IntentGuard {
 public:
  IntentGuard(ExitManager& manager, const Symbol& symbol, std::uint64_t attempt)
      : manager_(manager), symbol_(symbol), attempt_(attempt) {}
  IntentGuard(const IntentGuard&) = delete;
  IntentGuard& operator=(const IntentGuard&) = delete;
  ~IntentGuard() {
    const bool leak =
        !succeeded_ && venue_failed_ && manager_.failpoints_.on(Failpoint::kExitsLeakIntentOnFailure);
    if (!leak) manager_.release_intent(symbol_, attempt_);
  }
  void mark_succeeded() { succeeded_ = true; }
  void mark_venue_failed() { venue_failed_ = true; }

 private:
  ExitManager& manager_;
  const Symbol& symbol_;
  const std::uint64_t attempt_;
  bool succeeded_ = false;
  bool venue_failed_ = false;
};

ExitManager::ExitManager(const Failpoints& failpoints, ExitVenue& venue, Portfolio& portfolio,
                         ExitManagerOptions options)
    : failpoints_(failpoints), venue_(venue), portfolio_(portfolio), options_(options) {
  if (options_.stale_intent_age <= Duration::zero()) {
    throw std::invalid_argument("ExitManager: stale_intent_age must be positive, got " +
                                std::to_string(to_seconds(options_.stale_intent_age)) + " s");
  }
}

ExitResult ExitManager::execute_exit(const ExitRequest& request, TimePoint now) {
  if (request.symbol.empty()) return failed("invalid_request", "exit symbol must not be empty");
  if (request.qty && (request.qty->is_zero() || request.qty->is_negative())) {
    return failed("invalid_request", "exit qty must be positive, got " + request.qty->to_string() +
                                         " for symbol '" + request.symbol + "'");
  }

  std::uint64_t attempt = 0;
  {
    MutexLock lock(mu_);
    auto it = pending_exit_intents_.find(request.symbol);
    if (it != pending_exit_intents_.end()) {
      ++exits_deduplicated_;
      if (now - it->second.started_at >= options_.stale_intent_age) ++exits_blocked_by_stale_intent_;
      return failed("exit_already_in_progress", "an exit for '" + request.symbol + "' (attempt " +
                                                    std::to_string(it->second.attempt) + ", reason '" +
                                                    it->second.reason + "') is already in progress since t=" +
                                                    std::to_string(to_seconds(it->second.started_at)) + " s");
    }
    attempt = next_attempt_++;
    ++exits_started_;
    pending_exit_intents_.emplace(request.symbol, ExitIntent{request.symbol, request.qty.value_or(Fixed{}),
                                                             request.reason, now, attempt});
  }

  IntentGuard guard(*this, request.symbol, attempt);
  ExitResult result;
  try {
    bool venue_failed = false;
    result = run_exit(request, now, venue_failed);
    if (venue_failed) guard.mark_venue_failed();
  } catch (const std::exception& e) {
    guard.mark_venue_failed();
    result = failed("venue_exception", "exit for '" + request.symbol + "' threw: " + e.what());
  } catch (...) {
    guard.mark_venue_failed();
    result = failed("venue_exception", "exit for '" + request.symbol + "' threw a non-standard exception");
  }
  if (result.success) guard.mark_succeeded();

  MutexLock lock(mu_);
  if (result.success) {
    ++exits_succeeded_;
  } else {
    ++exits_failed_;
    if (failpoints_.on(Failpoint::kExitsUndeclaredThreadLeak) &&
        exits_failed_ % std::max<std::uint32_t>(1, options_.undeclared_thread_leak_every_failures) == 0) {
      undeclared_retry_threads_.start_one();
    }
  }
  return result;
}

ExitResult ExitManager::run_exit(const ExitRequest& request, TimePoint now, bool& venue_failed) {
  std::optional<Position> position = portfolio_.get(request.symbol);
  if (!position) return failed("no_position", "no position is held for '" + request.symbol + "'");
  const Fixed held = position->qty.abs();
  const Fixed qty = request.qty.value_or(held);
  if (qty > held) {
    return failed("invalid_request", "exit qty " + qty.to_string() + " exceeds the " + held.to_string() +
                                         " held for '" + request.symbol + "'");
  }
  ExitOrder order{request.symbol, position->qty.is_negative() ? Side::kBuy : Side::kSell, qty,
                  request.reason};
  portfolio_.set_state(request.symbol, PositionState::kClosing);

  ExitVenueResult venue_result;
  enter_venue(request.symbol);
  try {
    venue_result = venue_.submit_exit(order, now);
  } catch (...) {
    leave_venue(request.symbol);
    portfolio_.set_state(request.symbol, PositionState::kOpen);
    throw;
  }
  leave_venue(request.symbol);

  if (!venue_result.accepted) {
    venue_failed = true;
    portfolio_.set_state(request.symbol, PositionState::kOpen);
    return failed("venue_rejected",
                  "exit for '" + request.symbol + "' refused by the venue: " + venue_result.error);
  }
  if (qty == held) {
    portfolio_.close(request.symbol);
  } else {
    try {
      portfolio_.reduce(request.symbol, qty, now);
      portfolio_.set_state(request.symbol, PositionState::kOpen);
    } catch (const std::invalid_argument&) {
      // A fill shrank the position below the exit while the venue had it:
      // the accepted exit takes out whatever is left.
      portfolio_.close(request.symbol);
    }
  }
  return ExitResult{true, "exit_submitted", {}, venue_result.order_id};
}

void ExitManager::enter_venue(const Symbol& symbol) {
  MutexLock lock(in_flight_mu_);
  if (in_venue_[symbol]++ > 0) ++duplicate_exits_;
}

void ExitManager::leave_venue(const Symbol& symbol) {
  MutexLock lock(in_flight_mu_);
  auto it = in_venue_.find(symbol);
  if (it != in_venue_.end() && --it->second <= 0) in_venue_.erase(it);
}

void ExitManager::release_intent(const Symbol& symbol, std::uint64_t attempt) {
  MutexLock lock(mu_);
  auto it = pending_exit_intents_.find(symbol);
  // Only the exit that registered an intent may remove it.
  if (it != pending_exit_intents_.end() && it->second.attempt == attempt) pending_exit_intents_.erase(it);
}

std::size_t ExitManager::maintain(TimePoint now) {
  MutexLock lock(mu_);
  std::size_t stale = 0;
  for (const auto& [symbol, intent] : pending_exit_intents_) {
    if (now - intent.started_at >= options_.stale_intent_age) ++stale;
  }
  stale_exit_intents_ = stale;
  return stale;
}

std::optional<ExitIntent> ExitManager::pending_intent(const Symbol& symbol) const {
  MutexLock lock(mu_);
  auto it = pending_exit_intents_.find(symbol);
  if (it == pending_exit_intents_.end()) return std::nullopt;
  return it->second;
}

std::size_t ExitManager::pending_count() const {
  MutexLock lock(mu_);
  return pending_exit_intents_.size();
}

std::uint64_t ExitManager::exits_succeeded() const {
  MutexLock lock(mu_);
  return exits_succeeded_;
}

std::uint64_t ExitManager::exits_failed() const {
  MutexLock lock(mu_);
  return exits_failed_;
}

std::uint64_t ExitManager::exits_deduplicated() const {
  MutexLock lock(mu_);
  return exits_deduplicated_;
}

std::uint64_t ExitManager::duplicate_exits() const {
  MutexLock lock(in_flight_mu_);
  return duplicate_exits_;
}

std::uint64_t ExitManager::stale_exit_intents() const {
  MutexLock lock(mu_);
  return stale_exit_intents_;
}

void ExitManager::inventory(InventorySink& sink) const {
  const std::uint64_t duplicates = duplicate_exits();
  MutexLock lock(mu_);
  std::size_t bytes = 0;
  for (const auto& [symbol, intent] : pending_exit_intents_) bytes += approx_bytes(intent);
  sink.container({kComponent, "pending_exit_intents", pending_exit_intents_.size(), bytes, std::nullopt});
  sink.counter({kComponent, "exits_started", exits_started_, CounterKind::kHealth});
  sink.counter({kComponent, "exits_succeeded", exits_succeeded_, CounterKind::kHealth});
  sink.counter({kComponent, "exits_failed", exits_failed_, CounterKind::kHealth});
  sink.counter({kComponent, "exits_deduplicated", exits_deduplicated_, CounterKind::kHealth});
  sink.counter({kComponent, "duplicate_exits", duplicates, CounterKind::kInvariant});
  sink.counter({kComponent, "stale_exit_intents", stale_exit_intents_, CounterKind::kInvariant});
  sink.counter(
      {kComponent, "exits_blocked_by_stale_intent", exits_blocked_by_stale_intent_, CounterKind::kInvariant});
}

void ExitManager::audit(AuditSink& sink) const {
  const AuditContainer container{kComponent, "pending_exit_intents", EntityKind::kExitIntent,
                                 options_.stale_intent_age};
  MutexLock lock(mu_);
  for (const auto& [symbol, intent] : pending_exit_intents_) sink.held(container, symbol, intent.started_at);
}

}  // namespace plateau::engine
