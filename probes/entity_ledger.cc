#include "engine/core/mutex.h"
#include "probes/entity_ledger.h"

#include <stdexcept>
#include <string>

namespace plateau::probes {

EntityLedger::EntityLedger(EntityLedgerOptions options) : options_(options) {
  if (options_.forget_after < engine::Duration::zero()) {
    throw std::invalid_argument("EntityLedgerOptions.forget_after is negative: it must be >= 0");
  }
  if (options_.forget_every < engine::Duration::zero()) {
    throw std::invalid_argument("EntityLedgerOptions.forget_every is negative: it must be >= 0");
  }
  one_in_.fill(1);
  for (const auto& [kind, n] : options_.follow_one_in) {
    if (n == 0) {
      throw std::invalid_argument("EntityLedgerOptions.follow_one_in[" + std::string(engine::to_string(kind)) +
                                  "] = 0: it must be >= 1 (1 follows every key)");
    }
    one_in_[index(kind)] = n;
  }
}

std::size_t EntityLedger::index(engine::EntityKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  if (i >= kKinds) {
    throw std::invalid_argument("EntityLedger: unknown EntityKind value " + std::to_string(i));
  }
  return i;
}

bool EntityLedger::follows(engine::EntityKind kind, std::string_view key) const {
  const std::uint32_t n = one_in_[index(kind)];
  return n == 1 || std::hash<std::string_view>{}(key) % n == 0;
}

void EntityLedger::activated(engine::EntityKind kind, std::string_view key, engine::TimePoint /*now*/) {
  if (!follows(kind, key)) return;
  const std::size_t k = index(kind);
  engine::MutexLock lock(mu_);
  Records& records = records_[k];
  if (auto it = records.find(key); it != records.end()) records.erase(it);
}

void EntityLedger::terminated(engine::EntityKind kind, std::string_view key, engine::TimePoint now,
                              engine::Duration grace) {
  if (grace < engine::Duration::zero()) {
    throw std::invalid_argument("EntityLedger::terminated: grace for key '" + std::string(key) +
                                "' is negative: it must be >= 0");
  }
  if (!follows(kind, key)) return;
  const std::size_t k = index(kind);
  engine::MutexLock lock(mu_);
  Records& records = records_[k];
  if (auto it = records.find(key); it != records.end()) {
    it->second.record = TerminalRecord{now, grace};
  } else {
    records.emplace(Key(key), Entry{TerminalRecord{now, grace}, 0});
  }
}

std::optional<TerminalRecord> EntityLedger::overdue(engine::EntityKind kind, std::string_view key,
                                                    engine::TimePoint now) const {
  if (!follows(kind, key)) return std::nullopt;
  const std::size_t k = index(kind);
  engine::MutexLock lock(mu_);
  const Records& records = records_[k];
  auto it = records.find(key);
  if (it == records.end() || now - it->second.record.terminated_at <= it->second.record.grace) {
    return std::nullopt;
  }
  return it->second.record;
}

void EntityLedger::begin_audit() {
  engine::MutexLock lock(mu_);
  ++audit_pass_;
}

std::optional<TerminalRecord> EntityLedger::mark_held(engine::EntityKind kind, std::string_view key,
                                                      engine::TimePoint now) {
  engine::MutexLock lock(mu_);
  return mark_held_locked(kind, key, now);
}

std::optional<TerminalRecord> EntityLedger::mark_held_locked(engine::EntityKind kind, std::string_view key,
                                                             engine::TimePoint now) {
  if (!follows(kind, key)) return std::nullopt;
  Records& records = records_[index(kind)];
  auto it = records.find(key);
  if (it == records.end()) return std::nullopt;
  it->second.held_in_audit = audit_pass_;
  if (now - it->second.record.terminated_at <= it->second.record.grace) return std::nullopt;
  return it->second.record;
}

std::size_t EntityLedger::forget(engine::TimePoint now) {
  engine::MutexLock lock(mu_);
  return forget_locked(now);
}

// The pass holds ledger_.mu_ across calls (lock_), which the thread-safety
// analysis cannot follow from one member function to the next: each says so.
EntityLedger::AuditPass::AuditPass(EntityLedger& ledger) : ledger_(ledger), lock_(ledger.mu_) {
  ledger_.mu_.assert_held();
  ++ledger_.audit_pass_;
}

std::optional<TerminalRecord> EntityLedger::AuditPass::mark_held(engine::EntityKind kind, std::string_view key,
                                                                 engine::TimePoint now) {
  ledger_.mu_.assert_held();
  return ledger_.mark_held_locked(kind, key, now);
}

std::size_t EntityLedger::AuditPass::finish(engine::TimePoint now) {
  ledger_.mu_.assert_held();
  const std::size_t dropped = ledger_.forget_locked(now);
  lock_.unlock();
  return dropped;
}

std::size_t EntityLedger::forget_locked(engine::TimePoint now) {
  if (last_sweep_ && now >= *last_sweep_ && now - *last_sweep_ < options_.forget_every) return 0;
  last_sweep_ = now;
  std::size_t dropped = 0;
  for (Records& records : records_) {
    for (auto it = records.begin(); it != records.end();) {
      const Entry& entry = it->second;
      const bool long_past = now - entry.record.deadline() > options_.forget_after;
      if (long_past && entry.held_in_audit != audit_pass_) {
        it = records.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
  }
  return dropped;
}

std::size_t EntityLedger::size() const {
  engine::MutexLock lock(mu_);
  std::size_t n = 0;
  for (const Records& records : records_) n += records.size();
  return n;
}

}  // namespace plateau::probes
