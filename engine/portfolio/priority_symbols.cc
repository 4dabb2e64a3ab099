#include "engine/core/mutex.h"
#include "engine/portfolio/priority_symbols.h"

#include <stdexcept>

#include "engine/portfolio/portfolio.h"

namespace plateau::engine {
namespace {
constexpr std::string_view kComponent = "priority_symbols";
}  // namespace

PrioritySymbols::PrioritySymbols(const Portfolio& portfolio, PrioritySymbolsOptions options)
    : portfolio_(portfolio), options_(options) {
  if (options_.ttl < Duration::zero()) {
    throw std::invalid_argument("PrioritySymbols: ttl must not be negative, got " +
                                std::to_string(to_seconds(options_.ttl)) + " s");
  }
}

void PrioritySymbols::refresh_if_due_locked(TimePoint now) {
  if (refreshed_at_ && now - *refreshed_at_ < options_.ttl) return;
  std::vector<Symbol> held = portfolio_.symbols();
  cached_ = std::set<Symbol>(held.begin(), held.end());
  refreshed_at_ = now;
  ++refreshes_;
}

bool PrioritySymbols::is_priority(const Symbol& symbol, TimePoint now) {
  MutexLock lock(mu_);
  refresh_if_due_locked(now);
  return cached_.contains(symbol);
}

std::vector<Symbol> PrioritySymbols::symbols(TimePoint now) {
  MutexLock lock(mu_);
  refresh_if_due_locked(now);
  return {cached_.begin(), cached_.end()};
}

void PrioritySymbols::invalidate() {
  MutexLock lock(mu_);
  cached_.clear();
  refreshed_at_.reset();
  ++invalidations_;
}

std::uint64_t PrioritySymbols::refreshes() const {
  MutexLock lock(mu_);
  return refreshes_;
}

std::uint64_t PrioritySymbols::invalidations() const {
  MutexLock lock(mu_);
  return invalidations_;
}

void PrioritySymbols::inventory(InventorySink& sink) const {
  MutexLock lock(mu_);
  std::size_t bytes = 0;
  for (const auto& symbol : cached_) bytes += sizeof(Symbol) + kTreeNodeOverhead + approx_heap_bytes(symbol);
  sink.container({kComponent, "cached_symbols", cached_.size(), bytes, std::nullopt});
  sink.counter({kComponent, "refreshes", refreshes_, CounterKind::kHealth});
  sink.counter({kComponent, "invalidations", invalidations_, CounterKind::kHealth});
}

void PrioritySymbols::audit(AuditSink& sink) const {
  static const AuditContainer kCached{kComponent, "cached_symbols", EntityKind::kSymbol, std::nullopt};
  MutexLock lock(mu_);
  for (const auto& symbol : cached_) sink.held(kCached, symbol, refreshed_at_);
}

}  // namespace plateau::engine
