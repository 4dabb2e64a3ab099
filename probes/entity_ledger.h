// EntityLedger: what the harness knows about entity lifecycles, for the audit.
//
// The harness reports `activated(kind, key, now)` when an entity (plan,
// position, order, exit intent, transaction, symbol) becomes live and
// `terminated(kind, key, now, grace)` when it reaches a terminal state; after
// `grace` (its TTL or the owning component's cleanup interval) no engine
// container may still hold it. The AuditProbe asks is_residue() for every
// held key. Only terminal entities are recorded: activation just clears a
// terminal record (the key was reused), so memory follows the terminal rate,
// not the number of entities ever seen.
//
// Bounded memory over a long soak: an audit pass opens with begin_audit(),
// marks every held key it looks up (mark_held), and closes with forget(now),
// which drops a terminal record once its deadline (terminated_at + grace)
// lies more than `forget_after` in the past and no container held the key in
// that pass. Held keys stay recorded (they are the residue being reported),
// so the ledger holds about (terminal rate x (grace + forget_after)) records
// plus the residue itself. One AuditProbe drives the audit passes of a ledger.
//
// Thread safety: all methods may be called from any thread (one mutex); the
// harness's close storms report terminations concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/core/clock.h"
#include "engine/core/inspect.h"
#include "engine/core/thread_annotations.h"

namespace plateau::probes {

struct EntityLedgerOptions {
  // How long past its deadline an unheld terminal record is kept (so a key
  // that shows up again soon after is still recognised).
  engine::Duration forget_after = std::chrono::hours(1);
};

struct TerminalRecord {
  engine::TimePoint terminated_at{};
  engine::Duration grace{};
  engine::TimePoint deadline() const noexcept { return terminated_at + grace; }
};

class EntityLedger {
 public:
  explicit EntityLedger(EntityLedgerOptions options = {});
  EntityLedger(const EntityLedger&) = delete;
  EntityLedger& operator=(const EntityLedger&) = delete;

  void activated(engine::EntityKind kind, std::string_view key, engine::TimePoint now);
  // A later termination of the same key replaces the earlier record.
  void terminated(engine::EntityKind kind, std::string_view key, engine::TimePoint now,
                  engine::Duration grace);

  // The terminal record of `key` if it was terminated more than its grace
  // before `now` and not re-activated since.
  std::optional<TerminalRecord> overdue(engine::EntityKind kind, std::string_view key,
                                        engine::TimePoint now) const;

  // Audit pass: begin_audit(), then mark_held() for every key a container
  // holds (returns the record if the key is overdue at `now`), then
  // forget(now), which returns how many records it dropped.
  void begin_audit();
  std::optional<TerminalRecord> mark_held(engine::EntityKind kind, std::string_view key,
                                          engine::TimePoint now);
  std::size_t forget(engine::TimePoint now);

  std::size_t size() const;  // terminal records currently kept

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct Entry {
    TerminalRecord record;
    std::uint64_t held_in_audit = 0;  // last audit pass that saw the key held
  };
  using Records = std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>>;
  static constexpr std::size_t kKinds = 7;  // engine::EntityKind values
  static std::size_t index(engine::EntityKind kind);

  const EntityLedgerOptions options_;
  mutable std::mutex mu_;
  std::array<Records, kKinds> records_ GUARDED_BY(mu_);
  std::uint64_t audit_pass_ GUARDED_BY(mu_) = 0;
};

}  // namespace plateau::probes
