#include "probes/audit_probe.h"

#include <stdexcept>
#include <utility>

#include "probes/instrumentation_arena.h"

namespace plateau::probes {

std::string_view to_string(ResidueReason reason) noexcept {
  switch (reason) {
    case ResidueReason::kTerminatedPastGrace:
      return "terminated_past_grace";
    case ResidueReason::kOlderThanMaxAge:
      return "older_than_max_age";
  }
  return "unknown";
}

// Receives every held key of one audit pass. Keys arrive grouped by
// container, so the container is looked up once per run of keys.
class AuditProbe::Sink final : public engine::AuditSink {
 public:
  Sink(AuditProbe& probe, EntityLedger::AuditPass& pass, engine::TimePoint now)
      : probe_(probe), pass_(pass), now_(now) {}

  void held(const engine::AuditContainer& container, std::string_view key,
            std::optional<engine::TimePoint> stored_at) override {
    if (current_ == nullptr || current_->container != container.container ||
        current_->component != container.component || current_->kind != container.kind) {
      current_ = &probe_.container_for(container);
    }
    ++current_->held_keys;

    std::optional<ResidueExample> found;
    if (container.kind != engine::EntityKind::kCacheEntry) {
      if (auto record = pass_.mark_held(container.kind, key, now_)) {
        found = ResidueExample{{},
                               container.kind,
                               ResidueReason::kTerminatedPastGrace,
                               record->terminated_at,
                               now_ - record->terminated_at};
      }
    }
    if (!found && container.past_max_age(stored_at, now_)) {
      found =
          ResidueExample{{}, container.kind, ResidueReason::kOlderThanMaxAge, *stored_at, now_ - *stored_at};
    }
    if (!found) return;
    ++current_->residue_keys;
    if (current_->examples.size() < probe_.options_.examples_per_container) {
      found->key.assign(key);
      current_->examples.push_back(std::move(*found));
    }
  }

 private:
  AuditProbe& probe_;
  EntityLedger::AuditPass& pass_;
  engine::TimePoint now_;
  ContainerResidue* current_ = nullptr;
};

AuditProbe::AuditProbe(AuditSource source, EntityLedger& ledger, AuditProbeOptions options)
    : source_(std::move(source)), ledger_(ledger), options_(options) {
  if (!source_) throw std::invalid_argument("AuditProbe: the audit source is empty");
  if (options_.audit_interval < engine::Duration::zero()) {
    throw std::invalid_argument("AuditProbeOptions.audit_interval is negative: it must be >= 0");
  }
}

ContainerResidue& AuditProbe::container_for(const engine::AuditContainer& container) {
  for (ContainerResidue& c : containers_) {
    if (c.container == container.container && c.component == container.component &&
        c.kind == container.kind) {
      return c;
    }
  }
  ContainerResidue fresh;
  fresh.component.assign(container.component);
  fresh.container.assign(container.container);
  fresh.kind = container.kind;
  containers_.push_back(std::move(fresh));
  interned_.push_back(false);
  series_owner_.push_back(0);
  return containers_.back();
}

void AuditProbe::declare(std::string_view component, std::string_view container, engine::EntityKind kind) {
  container_for(engine::AuditContainer{component, container, kind, std::nullopt});
}

void AuditProbe::run_audit(engine::TimePoint now) {
  const InstrumentationScope own_memory;  // residue lists and ledger sweeps are plateau's
  for (ContainerResidue& c : containers_) {
    c.held_keys = 0;
    c.residue_keys = 0;
    c.examples.clear();
  }
  EntityLedger::AuditPass pass(ledger_);
  Sink sink(*this, pass, now);
  source_(sink);
  pass.finish(now);
  last_audit_ = now;
}

void AuditProbe::sample(engine::TimePoint now, SampleWriter& out) {
  if (!last_audit_ || now - *last_audit_ >= options_.audit_interval || now < *last_audit_) {
    run_audit(now);
  }
  for (std::size_t i = 0; i < containers_.size(); ++i) {
    ContainerResidue& c = containers_[i];
    if (interned_[i]) continue;
    // Two containers may share a name under different entity kinds: they
    // share one series, published once with their sum.
    c.series = out.intern("invariant.residue." + c.component + "." + c.container, "keys", c.component,
                          SeriesFamily::kResidue);
    interned_[i] = true;
    series_owner_[i] = i;
    for (std::size_t j = 0; j < i; ++j) {
      if (containers_[j].series == c.series) {
        series_owner_[i] = series_owner_[j];
        break;
      }
    }
  }
  totals_.assign(containers_.size(), 0.0);
  for (std::size_t i = 0; i < containers_.size(); ++i) {
    totals_[series_owner_[i]] += static_cast<double>(containers_[i].residue_keys);
  }
  for (std::size_t i = 0; i < containers_.size(); ++i) {
    if (series_owner_[i] == i) out.put(containers_[i].series, totals_[i]);
  }
}

std::size_t AuditProbe::total_residue() const noexcept {
  std::size_t n = 0;
  for (const ContainerResidue& c : containers_) n += c.residue_keys;
  return n;
}

}  // namespace plateau::probes
