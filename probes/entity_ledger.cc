#include "probes/entity_ledger.h"

#include <stdexcept>
#include <string>

namespace plateau::probes {

EntityLedger::EntityLedger(EntityLedgerOptions options) : options_(options) {
  if (options_.forget_after < engine::Duration::zero()) {
    throw std::invalid_argument("EntityLedgerOptions.forget_after is negative: it must be >= 0");
  }
}

std::size_t EntityLedger::index(engine::EntityKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  if (i >= kKinds) {
    throw std::invalid_argument("EntityLedger: unknown EntityKind value " + std::to_string(i));
  }
  return i;
}

void EntityLedger::activated(engine::EntityKind kind, std::string_view key, engine::TimePoint /*now*/) {
  const std::size_t k = index(kind);
  std::lock_guard lock(mu_);
  Records& records = records_[k];
  if (auto it = records.find(key); it != records.end()) records.erase(it);
}

void EntityLedger::terminated(engine::EntityKind kind, std::string_view key, engine::TimePoint now,
                              engine::Duration grace) {
  if (grace < engine::Duration::zero()) {
    throw std::invalid_argument("EntityLedger::terminated: grace for key '" + std::string(key) +
                                "' is negative: it must be >= 0");
  }
  const std::size_t k = index(kind);
  std::lock_guard lock(mu_);
  Records& records = records_[k];
  if (auto it = records.find(key); it != records.end()) {
    it->second.record = TerminalRecord{now, grace};
  } else {
    records.emplace(std::string(key), Entry{TerminalRecord{now, grace}, 0});
  }
}

std::optional<TerminalRecord> EntityLedger::overdue(engine::EntityKind kind, std::string_view key,
                                                    engine::TimePoint now) const {
  const std::size_t k = index(kind);
  std::lock_guard lock(mu_);
  const Records& records = records_[k];
  auto it = records.find(key);
  if (it == records.end() || now - it->second.record.terminated_at <= it->second.record.grace) {
    return std::nullopt;
  }
  return it->second.record;
}

void EntityLedger::begin_audit() {
  std::lock_guard lock(mu_);
  ++audit_pass_;
}

std::optional<TerminalRecord> EntityLedger::mark_held(engine::EntityKind kind, std::string_view key,
                                                      engine::TimePoint now) {
  const std::size_t k = index(kind);
  std::lock_guard lock(mu_);
  Records& records = records_[k];
  auto it = records.find(key);
  if (it == records.end()) return std::nullopt;
  it->second.held_in_audit = audit_pass_;
  if (now - it->second.record.terminated_at <= it->second.record.grace) return std::nullopt;
  return it->second.record;
}

std::size_t EntityLedger::forget(engine::TimePoint now) {
  std::lock_guard lock(mu_);
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
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const Records& records : records_) n += records.size();
  return n;
}

}  // namespace plateau::probes
