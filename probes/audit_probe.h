// AuditProbe: "this should be gone" -- audit residue per engine container.
//
// An audit pass calls the given `void(engine::AuditSink&)` callable (usually
// `[&](auto& sink) { engine.audit(sink); }`) and counts, per container, the
// held keys that are residue:
//   - the key's entity was terminated more than its grace ago and not
//     re-activated (asked of the EntityLedger), or
//   - the container declares a max_age (every BoundedCache does; kCacheEntry
//     containers are judged this way only) and the entry's stored_at lies
//     more than max_age before `now`.
// A key that is both counts once. Each pass publishes
// `invariant.residue.<component>.<container>` (unit "keys") for every
// container ever seen holding a key or declared with declare() (0 when clean
// or empty now: the audit interface only names containers that hold keys,
// so declare the ones whose series must exist from the start), and keeps up to
// `examples_per_container` offending keys with their kind, reason, terminal
// or store time and age, for the report.
//
// Cost: a pass is O(held keys) (one hash lookup each); it runs at most once
// per `audit_interval` of the `now` it is given (default one virtual minute).
// Passes in between re-publish the last counts, which costs what the
// inventory does, so the probe can sit in the registry's every-sample set.
// run_audit(now) forces a pass.
//
// Thread safety: sampled from one thread; the audit callable takes the
// engine's own locks. residue() is read from the same thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/inspect.h"
#include "probes/entity_ledger.h"
#include "probes/probe.h"

namespace plateau::probes {

using AuditSource = std::function<void(engine::AuditSink&)>;

struct AuditProbeOptions {
  engine::Duration audit_interval = std::chrono::minutes(1);
  std::size_t examples_per_container = 5;
};

enum class ResidueReason : std::uint8_t {
  kTerminatedPastGrace,  // entity reached a terminal state more than its grace ago
  kOlderThanMaxAge,      // entry stored longer ago than the container's max_age
};
std::string_view to_string(ResidueReason reason) noexcept;

struct ResidueExample {
  std::string key;
  engine::EntityKind kind = engine::EntityKind::kCacheEntry;
  ResidueReason reason = ResidueReason::kTerminatedPastGrace;
  // Terminal time (kTerminatedPastGrace) or stored_at (kOlderThanMaxAge).
  engine::TimePoint since{};
  engine::Duration age{};  // now - since, at the audit that found it
};

struct ContainerResidue {
  std::string component;
  std::string container;
  engine::EntityKind kind = engine::EntityKind::kCacheEntry;
  std::size_t held_keys = 0;             // keys held at the last audit
  std::size_t residue_keys = 0;          // of which residue
  std::vector<ResidueExample> examples;  // at most examples_per_container
  SeriesId series = 0;
};

class AuditProbe final : public Probe {
 public:
  // `ledger` must outlive the probe.
  AuditProbe(AuditSource source, EntityLedger& ledger, AuditProbeOptions options = {});
  std::string_view name() const noexcept override { return "audit"; }
  void sample(engine::TimePoint now, SampleWriter& out) override;

  // Publishes the container's residue series from the next sample on, even
  // while it holds nothing.
  void declare(std::string_view component, std::string_view container, engine::EntityKind kind);

  // Runs an audit pass now regardless of audit_interval (results are
  // published by the next sample()).
  void run_audit(engine::TimePoint now);

  // Per container, from the last pass (containers never seen are absent).
  const std::vector<ContainerResidue>& residue() const noexcept { return containers_; }
  std::size_t total_residue() const noexcept;
  std::optional<engine::TimePoint> last_audit() const noexcept { return last_audit_; }

 private:
  class Sink;
  ContainerResidue& container_for(const engine::AuditContainer& container);

  AuditSource source_;
  EntityLedger& ledger_;
  const AuditProbeOptions options_;
  std::vector<ContainerResidue> containers_;
  std::vector<bool> interned_;             // series id assigned for containers_[i]
  std::vector<std::size_t> series_owner_;  // first container publishing the same series
  std::vector<double> totals_;             // reused per sample
  std::optional<engine::TimePoint> last_audit_;
};

}  // namespace plateau::probes
